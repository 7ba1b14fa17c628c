"""What the cashier services need of the terminal's store, as small Protocols (ports).

Each service depends on the few methods it uses, as cosmicpython's handlers see only their unit
of work, not on the whole `TerminalStore` (terminal/store/store.py). The store implements every
port structurally; the bootstrap hands it to the services as a `CashierStore`, the union of the
ports below. Tests pass a real store, or a hand-written fake of the one port a service uses.

The store's data types and errors these ports speak in are named here too (`__all__`): the Kivy
UI takes them from the cashier side and never imports terminal.store itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from membership.cards import Card
from membership.counter_operations import CounterDecision
from membership.ledger import CardBalances, LedgerEntry
from membership.money import Fen
from membership.permissions import PermissionTable
from membership.refunds import RefundDecision, RefundRecord
from membership.sale import SaleDecision
from membership.sale_record import SaleRecord
from membership.shift_report import ShiftTotals
from terminal.cashier.ports import MemberRecord
from terminal.store.cache import KnownCard, StoredConfig
from terminal.store.errors import StoreError
from terminal.store.privileged import PrivilegedAction
from terminal.store.records import SaleSummary, StoredReceipt
from terminal.store.shifts import ShiftRecord
from terminal.store.staff import PinFailures, StaffRecord
from terminal.store.time_sessions import TimeSession

__all__ = [
    "AppliedDocuments",
    "CardCache",
    "CashierStore",
    "CouponRecords",
    "KnownCard",
    "LevelRecords",
    "MemberPinStore",
    "OperationJournal",
    "PinFailureBook",
    "PrivilegedAction",
    "SaleRecords",
    "SaleSummary",
    "ShiftRecord",
    "ShiftStore",
    "StaffStore",
    "StoreError",
    "StoredConfig",
    "StoredReceipt",
    "TerminalSettings",
    "TimeSession",
    "TimeSessionStore",
    "UpkeepStore",
    "UploadProgress",
]


class OperationJournal(Protocol):
    """The write path of every operation (context.operation, operations.common.carry_out)."""

    def next_seq(self) -> int: ...
    def commit_sale(self, decision: SaleDecision) -> tuple[int, ...]: ...
    def commit_refund(self, decision: RefundDecision) -> tuple[int, ...]: ...
    def commit_counter(self, decision: CounterDecision) -> tuple[int, ...]: ...


class CardCache(Protocol):
    """Members and cards as this terminal knows them (members, member_pin, operations)."""

    def known_card(self, card_no: str) -> KnownCard | None: ...
    def known_card_by_uid(self, uid: str) -> KnownCard | None: ...
    def members_by_phone(self, phone: str) -> tuple[KnownCard, ...]: ...
    def subsidiary_cards(self, parent_card_no: str) -> tuple[Card, ...]: ...
    def cache_member_record(self, record: MemberRecord) -> bool: ...
    def forget_offline_pin_verifier(self, card_no: str) -> None: ...
    def balances_for_decision(self, card_no: str) -> CardBalances: ...
    def ledger_entries(self, card_no: str) -> tuple[LedgerEntry, ...]: ...
    def card_balances(self, card_no: str) -> CardBalances: ...


class AppliedDocuments(Protocol):
    """The configuration documents in force (the blacklist, the fleet's used coupons)."""

    def effective_config(self, name: str) -> StoredConfig | None: ...


class CouponRecords(AppliedDocuments, Protocol):
    """Which coupons are used, here or anywhere in the fleet (coupons.used_codes)."""

    def coupons_used_here(self, codes: Iterable[str]) -> frozenset[str]: ...


class PinFailureBook(Protocol):
    """Wrong PINs counted toward a lockout, kept across restarts (staff and member PINs)."""

    def pin_failures(self, subject: str) -> PinFailures: ...
    def record_pin_failure(self, subject: str, lock_after: int, lock_for: timedelta | None,
                           now: datetime) -> PinFailures: ...
    def clear_pin_failures(self, subject: str) -> None: ...


class MemberPinStore(PinFailureBook, Protocol):
    """Offline member PIN checks against HQ's verifier, with this terminal's counter."""

    def known_card(self, card_no: str) -> KnownCard | None: ...
    def forget_offline_pin_verifier(self, card_no: str) -> None: ...


class StaffStore(PinFailureBook, Protocol):
    """The staff HQ's document lists, with their PIN lockouts (StaffDesk), who may do what,
    and the journal of privileged actions (cashier.permissions)."""

    def staff_member(self, staff_id: str) -> StaffRecord | None: ...
    def staff_members(self) -> tuple[StaffRecord, ...]: ...
    def permission_table(self) -> PermissionTable: ...
    def record_privileged(self, entry: PrivilegedAction) -> None: ...
    def privileged_actions(self, limit: int = 100) -> list[PrivilegedAction]: ...


class ShiftStore(Protocol):
    """Shifts opened and closed at this counter (ShiftDesk)."""

    def current_shift(self) -> ShiftRecord | None: ...
    def shift_totals(self, shift_id: int) -> ShiftTotals: ...
    def staff_member(self, staff_id: str) -> StaffRecord | None: ...
    def shift_commissions(self, shift_id: int) -> dict[str, Fen]: ...
    def open_shift(self, staff_id: str, opening_float: Fen,
                   decision: CounterDecision) -> ShiftRecord: ...
    def close_shift(self, shift_id: int, closing_cash: Fen, decision: CounterDecision,
                    totals: ShiftTotals) -> ShiftRecord: ...


class TimeSessionStore(Protocol):
    """Timed sessions (计时) running at this store (cashier.time_sessions)."""

    def start_time_session(self, card_no: str, service: str, started_at: datetime,
                           staff_id: str = "") -> TimeSession: ...
    def close_time_session(self, session_id: int,
                           decision: CounterDecision) -> tuple[int, ...]: ...
    def open_time_sessions(self, card_no: str | None = None) -> tuple[TimeSession, ...]: ...
    def time_session(self, session_id: int) -> TimeSession | None: ...


class SaleRecords(CouponRecords, Protocol):
    """Sales made here, read back for refunds, voids and reprints (operations.refunds)."""

    def sale_record(self, op_id: str) -> SaleRecord | None: ...
    def refund_records(self, original_op: str) -> tuple[RefundRecord, ...]: ...
    def recent_sales(self, limit: int = 30) -> tuple[SaleSummary, ...]: ...
    def last_receipt_op_id(self) -> str | None: ...


class UploadProgress(Protocol):
    """How far the upload to HQ is (the status bar, the settings screen)."""

    def outbox_depth(self) -> int: ...
    def ack_watermark(self) -> int: ...
    def applied_versions(self) -> dict[str, dict[str, Any]]: ...
    def quarantined_count(self) -> int: ...


class TerminalSettings(Protocol):
    """A person's choice kept for the next start (the UI language)."""

    def remember_setting(self, key: str, value: str) -> None: ...


class UpkeepStore(UploadProgress, TerminalSettings, Protocol):
    """What the terminal's upkeep reads and keeps (cashier.upkeep.UpkeepDesk)."""


class LevelRecords(Protocol):
    """This terminal's record of a card's activity, for the level upgrade at the counter."""

    def level_events(self, card_no: str, since: datetime
                     ) -> list[tuple[str, datetime, dict[str, Any]]]: ...


class CashierStore(
    OperationJournal, CardCache, MemberPinStore, SaleRecords, StaffStore, ShiftStore,
    TimeSessionStore, UpkeepStore, LevelRecords, Protocol,
):
    """Everything the cashier services use of the store: what CashierContext.store holds."""
