"""Events as a terminal would publish them, for the HQ tests: consecutive seqs per terminal,
ledger entries built with membership.ledger and serialised with membership.events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from hq.config_push import next_document
from hq.db import HqDatabase
from hq.ingest import Ingestor, IngestResult
from membership.cards import BonusTier, CardType, Feature
from membership.config_codec_cards import CARD_TYPES, encode_card_types
from membership.events import entry_to_dict
from membership.ledger import Account, EntryKind, LedgerEntry
from protocol.wire import WireEvent, build_event_batch, terminal_topic

AT = datetime(2026, 11, 23, 10, 0)
CARD = "8800000000000001"


class TerminalFeed:
    """One terminal's outbox: every call makes the next event (seq + 1)."""

    def __init__(self, terminal_id: str, at: datetime = AT) -> None:
        self.terminal_id = terminal_id
        self.topic = terminal_topic(terminal_id, "events")
        self.seq = 0
        self.at = at
        self.entries: list[LedgerEntry] = []  # every entry made, for checking HQ's balances

    def event(self, event_type: str, payload: dict[str, Any],
              entries: Sequence[LedgerEntry] = ()) -> WireEvent:
        self.seq += 1
        self.at += timedelta(seconds=10)
        self.entries.extend(entries)
        body = {**payload, "entries": [entry_to_dict(entry) for entry in entries]}
        return WireEvent(self.seq, self.op_id(self.seq), event_type, self.at, body)

    def op_id(self, seq: int) -> str:
        return f"{self.terminal_id}-{seq}"

    def next_op_id(self) -> str:
        return self.op_id(self.seq + 1)

    def issue(self, card_no: str = CARD, member_id: str = "M1") -> WireEvent:
        return self.event("card.issued", {
            "card_no": card_no, "member_id": member_id, "type_code": "VIP", "level": "GOLD",
            "expires_on": "2028-12-31", "join_fee": 0, "tenders": []})

    def change_status(self, event_type: str, card_no: str = CARD) -> WireEvent:
        return self.event(event_type, {"card_no": card_no, "tenders": []})

    def top_up(self, principal: int, bonus: int = 0, card_no: str = CARD) -> WireEvent:
        op_id = self.next_op_id()
        entries = [self._entry(op_id, card_no, Account.PRINCIPAL, principal, EntryKind.TOPUP)]
        if bonus:
            entries.append(self._entry(op_id, card_no, Account.BONUS, bonus,
                                       EntryKind.TOPUP_BONUS))
        return self.event("card.topped_up", {
            "card_no": card_no, "paid": principal, "bonus": bonus,
            "tenders": [{"kind": "cash", "amount": principal, "reference": ""}]}, entries)

    def sale(self, principal: int, bonus: int = 0, card_no: str = CARD) -> WireEvent:
        """A sale paid from stored value: `principal` and `bonus` fen taken from the card."""
        op_id = self.next_op_id()
        entries = [self._entry(op_id, card_no, Account.PRINCIPAL, -principal, EntryKind.SPEND)]
        if bonus:
            entries.append(self._entry(op_id, card_no, Account.BONUS, -bonus, EntryKind.SPEND))
        total = principal + bonus
        return self.event("sale.completed", {
            "store_id": "SH001", "card_no": card_no, "gross": total, "amount_due": total,
            "tenders": [{"kind": "stored_value", "amount": total, "reference": ""}],
            "change": 0}, entries)

    def buy_package(self, service: str, uses: int, card_no: str = CARD) -> WireEvent:
        op_id = self.next_op_id()
        entry = self._entry(op_id, card_no, Account.COUNT, uses, EntryKind.PURCHASE,
                            lot=f"{op_id}:PKG", service=service)
        return self.event("package.purchased", {"card_no": card_no, "tenders": []}, [entry])

    def use_count(self, service: str, uses: int, lot: str, card_no: str = CARD) -> WireEvent:
        op_id = self.next_op_id()
        entry = self._entry(op_id, card_no, Account.COUNT, -uses, EntryKind.USE, lot=lot,
                            service=service)
        return self.event("sale.completed", {"card_no": card_no, "tenders": []}, [entry])

    def sale_with_uses(self, principal: int, uses: Sequence[tuple[str, int, str]],
                       card_no: str = CARD) -> WireEvent:
        """One sale that takes `principal` fen and, for each (service, uses, lot), uses from
        that lot: the event of an operation that asked HQ for several holds."""
        op_id = self.next_op_id()
        entries = [self._entry(op_id, card_no, Account.PRINCIPAL, -principal, EntryKind.SPEND)
                   ] if principal else []
        entries += [self._entry(op_id, card_no, Account.COUNT, -count, EntryKind.USE, lot=lot,
                                service=service) for service, count, lot in uses]
        tenders = [{"kind": "stored_value", "amount": principal, "reference": ""}
                   ] if principal else []
        return self.event("sale.completed", {
            "store_id": "SH001", "card_no": card_no, "gross": principal,
            "amount_due": principal, "change": 0, "tenders": tenders}, entries)

    def _entry(self, op_id: str, card_no: str, account: Account, delta: int, kind: EntryKind,
               lot: str = "", service: str = "") -> LedgerEntry:
        return LedgerEntry(op_id=op_id, card_no=card_no, account=account, delta=delta,
                           kind=kind, at=self.at + timedelta(seconds=10), lot=lot,
                           service=service,
                           valid_until=date(2027, 12, 31) if lot else None, line_no=1)

    def batch(self, events: Sequence[WireEvent], sent_at: datetime | None = None) -> bytes:
        return build_event_batch(self.terminal_id, events, sent_at or self.at)


def publish_card_types(db: HqDatabase) -> None:
    """HQ's card_types for the feed's cards (type VIP): a 20 % bonus on any top-up. HQ allows
    a top-up's bonus only within a card_types document it published (hq.ingest.quarantine)."""
    vip = CardType(code="VIP", name="VIP", features=frozenset({Feature.STORED_VALUE}),
                   bonus_tiers=(BonusTier(1, bonus_rate_bp=2000),))
    next_document(db, CARD_TYPES, "all", encode_card_types([vip]), AT)


def ingest(db: HqDatabase, feed: TerminalFeed, *events: WireEvent) -> IngestResult:
    """The events as one batch from the feed's terminal, stored: no dead letter."""
    result = Ingestor(db).handle_events(feed.topic, feed.batch(events), feed.at)
    assert result.dead_letter_reason is None, result.dead_letter_reason
    return result
