"""The write path: commit a decision of the core in one SQLite transaction (decisions 3 and 4).

Each commit takes this terminal's next seqs (one per domain event), writes the operation row,
its ledger entries, the cards it changed, the receipt for reprint and one outbox row per event,
and returns the seqs. Everything is in one IMMEDIATE transaction: if any write fails, none of it
remains and the seq counter has not moved. An op_id already committed is refused
(DuplicateOperation) before anything is written, so a retried commit never books twice.

The INSERTs are compiled once per store (terminal.store.statements): a sale commits in a
fraction of the time Peewee's query builder would take, which the cashier feels at every sale.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from membership.counter_operations import CounterDecision
from membership.events import DomainEvent
from membership.ledger import LedgerEntry
from membership.level_activity import LEVEL_CHANGED
from membership.profiles import read_extras
from membership.receipts import Receipt
from membership.refunds import RefundDecision
from membership.sale import SaleDecision
from terminal.store.access import NEXT_SEQ, StoreAccess
from terminal.store.codec import (
    ENTRY_COLUMNS,
    card_columns,
    entry_row,
    event_document,
    json_text,
    record_json,
)
from terminal.store.errors import DuplicateOperation, InconsistentDecision
from terminal.store.statements import CompiledInsert

# The columns each INSERT of the journal gives, in the order its rows list them.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "sale": ("op_id", "seq", "at", "card_no", "actor_card_no", "gross", "amount_due",
             "cash_received", "change_given", "points_used", "points_earned", "coupon_used",
             "record", "created_at"),
    "sale_line": ("sale", "line_no", "product_code", "name", "category", "qty", "gross", "net",
                  "principal", "bonus", "points_used", "points_earned", "count_service",
                  "staff_id"),
    "sale_tender": ("sale", "position", "kind", "amount", "reference"),
    "refund": ("op_id", "seq", "original_op", "at", "amount", "is_void", "record",
               "created_at"),
    "counter_op": ("op_id", "seq", "event_type", "at", "card_no", "amount", "events",
                   "created_at"),
    "ledger_entry": ENTRY_COLUMNS,
    "receipt": ("op_id", "kind", "body", "printed", "created_at"),
    "outbox": ("seq", "op_id", "event_type", "at", "event", "created_at"),
}

# Events that bind a card's UID, and the payload field naming that card.
_UID_OF_CARD = {"card.issued": "card_no", "card.replaced": "new_card_no"}

# One query for "is this op_id known?" across the three kinds of operation.
_KNOWN_OPERATION = (
    "SELECT 'sale' FROM sale WHERE op_id = ? "
    "UNION ALL SELECT 'refund' FROM refund WHERE op_id = ? "
    "UNION ALL SELECT 'counter_op' FROM counter_op WHERE op_id = ? LIMIT 1"
)


class Journal(StoreAccess):
    @cached_property
    def _insert(self) -> dict[str, CompiledInsert]:
        return {name: CompiledInsert(getattr(self.tables, name), columns)
                for name, columns in _COLUMNS.items()}

    def commit_sale(self, decision: SaleDecision) -> tuple[int, ...]:
        _check_one_operation(decision.op_id, decision.entries, decision.events, decision.receipt)
        _check_record_entries(decision.record.entries, decision.entries)
        with self.writing():
            seqs = self._open_operation(decision.op_id, len(decision.events))
            self._insert_sale(decision, seqs[0])
            self._append(decision.entries, decision.receipt, decision.events, seqs)
        return seqs

    def commit_refund(self, decision: RefundDecision) -> tuple[int, ...]:
        record = decision.record
        _check_one_operation(record.op_id, decision.entries, decision.events, decision.receipt)
        _check_record_entries(record.entries, decision.entries)
        with self.writing():
            seqs = self._open_operation(record.op_id, len(decision.events))
            self._insert["refund"].one(self.database, (
                record.op_id, seqs[0], record.original_op, record.at, record.amount,
                record.is_void, record_json(record), self.clock()))
            self._append(decision.entries, decision.receipt, decision.events, seqs)
        return seqs

    def commit_counter(self, decision: CounterDecision) -> tuple[int, ...]:
        """Top-ups, enrolment, packages, card services...: also stores the cards they changed."""
        _check_one_operation(decision.op_id, decision.entries, decision.events, decision.receipt)
        first = decision.events[0]
        settlement = decision.settlement
        with self.writing():
            seqs = self._open_operation(decision.op_id, len(decision.events))
            self._insert["counter_op"].one(self.database, (
                decision.op_id, seqs[0], first.type, first.at,
                str(first.payload.get("card_no", "")), settlement.total if settlement else 0,
                json_text([event_document(event) for event in decision.events]),
                self.clock()))
            self._store_cards(decision)
            self._append(decision.entries, decision.receipt, decision.events, seqs)
        return seqs

    def _open_operation(self, op_id: str, event_count: int) -> tuple[int, ...]:
        """Refuse a known op_id, then take `event_count` consecutive seqs."""
        known = self.database.execute_sql(_KNOWN_OPERATION, (op_id,) * 3).fetchone()
        if known is not None:
            raise DuplicateOperation(op_id=op_id, found_in=known[0])
        first = self.int_setting(NEXT_SEQ)
        self.set_setting(NEXT_SEQ, first + event_count)
        return tuple(range(first, first + event_count))

    def _insert_sale(self, decision: SaleDecision, seq: int) -> None:
        record, priced, settlement = decision.record, decision.priced, decision.settlement
        op_id = record.op_id
        self._insert["sale"].one(self.database, (
            op_id, seq, record.at, record.card_no, record.actor_card_no, priced.gross,
            priced.amount_due, settlement.cash_received, settlement.change, priced.points_used,
            decision.points_earned, decision.coupon_used, record_json(record), self.clock()))
        self._insert["sale_line"].many(self.database, (
            (op_id, line.line_no, line.product_code, line.name, line.category, line.qty,
             line.gross, line.net, line.principal, line.bonus, line.points_used,
             line.points_earned, line.count_service, line.staff_id)
            for line in record.lines))
        self._insert["sale_tender"].many(self.database, (
            (op_id, position, tender.kind.value, tender.amount, tender.reference)
            for position, tender in enumerate(settlement.tenders)))

    def _store_cards(self, decision: CounterDecision) -> None:
        member, card = self.tables.member, self.tables.card
        now = self.clock()
        for changed in decision.cards:
            # An enrolment may bring a member this terminal has never seen; HQ fills in the rest.
            member.insert(member_id=changed.member_id, name=decision.receipt.member_name,
                          updated_at=now).on_conflict_ignore().execute()
            columns = card_columns(changed)
            card.insert(**columns, changed_by_op=decision.op_id, updated_at=now).on_conflict(
                conflict_target=[card.card_no],
                preserve=[getattr(card, name) for name in columns if name != "card_no"]
                + [card.changed_by_op, card.updated_at],
            ).execute()
        for event in decision.events:
            self._remember_enrolment(event)

    def _remember_enrolment(self, event: DomainEvent) -> None:
        """What an enrolment or a replacement tells the directory (a profile, a UID) is known
        here at once, so the member is found by phone or UID before HQ has the events."""
        payload = event.payload
        if event.type == "member.registered":
            member = self.tables.member
            extras = read_extras(payload)
            details = {} if extras is None else {
                "address": extras.address, "gender": extras.gender, "notes": extras.notes,
                "consent": extras.consent}
            (member.update(name=payload.get("name", ""), phone=payload.get("phone", ""),
                           birthday=payload.get("birthday", ""), updated_at=self.clock(),
                           **details)
             .where(member.member_id == payload.get("member_id")).execute())
        elif event.type in _UID_OF_CARD and payload.get("uid"):
            card = self.tables.card
            (card.update(uid=str(payload["uid"]).upper())
             .where(card.card_no == payload.get(_UID_OF_CARD[event.type])).execute())

    def _append(
        self, entries: Sequence[LedgerEntry], receipt: Receipt, events: Sequence[DomainEvent],
        seqs: Sequence[int],
    ) -> None:
        now = self.clock()
        self._insert["ledger_entry"].many(
            self.database, (entry_row(entry, index) for index, entry in enumerate(entries)))
        self._insert["receipt"].one(self.database, (
            receipt.op_id, receipt.kind.value, json_text(receipt), False, now))
        self._insert["outbox"].many(self.database, (
            (seq, event.op_id, event.type, event.at, _event_json(event), now)
            for seq, event in zip(seqs, events, strict=True)))
        self._apply_level_changes(events, now)

    def _apply_level_changes(self, events: Sequence[DomainEvent], now: Any) -> None:
        """A level reached at the counter (terminal.cashier.level_upgrade) is the card's from
        this commit on: the next sale is priced at it."""
        card = self.tables.card
        for event in events:
            if event.type == LEVEL_CHANGED:
                card.update(level=event.payload["to_level"], updated_at=now).where(
                    card.card_no == event.payload["card_no"]).execute()


def _check_one_operation(
    op_id: str, entries: Sequence[LedgerEntry], events: Sequence[DomainEvent], receipt: Receipt
) -> None:
    """Everything a decision carries belongs to its operation, and it has an event to send."""
    if not op_id or not events:
        raise InconsistentDecision(op_id=op_id, events=len(events))
    items: tuple[LedgerEntry | DomainEvent | Receipt, ...] = (*entries, *events, receipt)
    strays = {item.op_id for item in items} - {op_id}
    if strays:
        raise InconsistentDecision(op_id=op_id, other_op_ids=sorted(strays))


def _check_record_entries(
    in_record: Sequence[LedgerEntry], in_decision: Sequence[LedgerEntry]
) -> None:
    """The record is stored without its entries and read back with the ledger's: they must be
    the same entries, or a later refund would reverse something else."""
    if tuple(in_record) != tuple(in_decision):
        raise InconsistentDecision("store.record_entries_differ")


def _event_json(event: DomainEvent) -> str:
    document: dict[str, Any] = event_document(event)
    try:
        return json_text(document)
    except (TypeError, ValueError) as error:
        # The core promises plain JSON payloads; a date or a set slipping in is a bug there.
        raise InconsistentDecision("store.event_not_json", op_id=event.op_id,
                                   detail=str(error)) from error
