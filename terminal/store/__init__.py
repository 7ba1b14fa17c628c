"""The terminal's local Peewee/SQLite store: journal, outbox, records and the HQ cache.

    with open_store("/var/lib/huiyuan/terminal.db") as store:
        seqs = store.commit_sale(decision)

See store.py for the parts and db.py for how each open store gets its own database binding.
"""

from terminal.store.cache import (
    CONFIG_NAMES,
    CardSnapshot,
    ConfigOutcome,
    HqBalances,
    KnownCard,
    MemberInfo,
    RebuildReport,
    StoredConfig,
)
from terminal.store.errors import (
    DuplicateOperation,
    EventsNotIssued,
    EventsPruned,
    InconsistentDecision,
    InvalidConfig,
    SchemaTooNew,
    StoreConflict,
    StoreCorrupt,
    StoreError,
    StoreUnavailable,
    UnknownOperation,
    WatermarkAhead,
)
from terminal.store.outbox import OutboxEvent
from terminal.store.records import StoredReceipt, UnsyncedDebits
from terminal.store.shifts import ShiftRecord
from terminal.store.staff import PinFailures, StaffRecord
from terminal.store.store import TerminalStore, open_store
from terminal.store.time_sessions import TimeSession

__all__ = [
    "CONFIG_NAMES",
    "CardSnapshot",
    "ConfigOutcome",
    "DuplicateOperation",
    "EventsNotIssued",
    "EventsPruned",
    "HqBalances",
    "InconsistentDecision",
    "InvalidConfig",
    "KnownCard",
    "MemberInfo",
    "OutboxEvent",
    "PinFailures",
    "RebuildReport",
    "SchemaTooNew",
    "ShiftRecord",
    "StaffRecord",
    "StoreConflict",
    "StoreCorrupt",
    "StoreError",
    "StoreUnavailable",
    "StoredConfig",
    "StoredReceipt",
    "TerminalStore",
    "TimeSession",
    "UnknownOperation",
    "UnsyncedDebits",
    "WatermarkAhead",
    "open_store",
]
