"""What the sync with HQ needs of the terminal's store, as small Protocols (ports).

The relay, the rebuild and the debit guard each depend on the few store methods they use, not on
the whole `TerminalStore` (terminal/store/store.py), which implements every port structurally.
Tests pass a real store, or a hand-written fake of one port.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from membership.ledger import CardBalances
from membership.member_records import MemberRecord
from terminal.store.cache import ConfigOutcome, RebuildReport, StoredConfig
from terminal.store.hq_answers import HqAnswer
from terminal.store.hq_quarantine import QuarantineNotice
from terminal.store.outbox import OutboxEvent
from terminal.store.records import UnsyncedDebits


class HeldDocuments(Protocol):
    """Which configuration documents this store holds: name -> its scope and version."""

    def applied_versions(self) -> dict[str, dict[str, Any]]: ...


class DocumentStore(HeldDocuments, Protocol):
    """Configuration documents applied atomically, all or nothing (decision 7)."""

    def apply_config(self, name: str, scope: str, version: int,
                     body: Mapping[str, Any]) -> ConfigOutcome: ...


class RebuildStore(HeldDocuments, Protocol):
    """The member cache replaced from HQ's snapshot, local changes kept (terminal.sync.rebuild)."""

    def cards_changed_here(self) -> set[str]: ...
    def rebuild_from_directory(self, records: Iterable[MemberRecord], as_of: datetime,
                               changed_before: Iterable[str] = ()) -> RebuildReport: ...


class OutboxStore(Protocol):
    """The transactional outbox the relay publishes and prunes below HQ's watermark."""

    def outbox_batch(self, after_seq: int, limit: int) -> list[OutboxEvent]: ...
    def outbox_depth(self) -> int: ...
    def prune_outbox(self, watermark: int) -> int: ...
    def ack_watermark(self) -> int: ...
    def note_quarantined(self, quarantined: Iterable[tuple[int, str]]
                         ) -> list[QuarantineNotice]: ...


class CardUpdateStore(Protocol):
    """Cards HQ changed itself, cached as a lookup's records (terminal.sync.card_updates)."""

    def cache_member_record(self, record: MemberRecord) -> bool: ...


class SyncStore(OutboxStore, DocumentStore, RebuildStore, CardUpdateStore, Protocol):
    """Everything the SyncClient uses; `text_setting` tells whether this store was rebuilt."""

    def text_setting(self, key: str) -> str | None: ...


class GuardStore(Protocol):
    """What the debit guard reads to decide offline, and HQ's last answers it keeps."""

    def effective_config(self, name: str) -> StoredConfig | None: ...
    def unsynced_debits(self, card_no: str) -> UnsyncedDebits: ...
    def unsynced_debits_total(self) -> int: ...
    def unsynced_gift_units(self) -> dict[str, int]: ...
    def last_known_balances(self, card_no: str) -> CardBalances: ...
    def hq_available(self, card_no: str, kind: str, service: str = "") -> HqAnswer | None: ...
    def remember_hq_available(self, card_no: str, kind: str, service: str,
                              available: int) -> None: ...
