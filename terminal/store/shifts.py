"""Shifts (班次): opened and closed by operations whose events go to HQ like any other, and
the shift's totals computed from this store's own tables.

A shift's operations are those committed on this terminal after the operation that opened it
and before the one that closed it (by seq: the terminal's clock may be set back, its seq never
is). One shift is open at a time on a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import fn

from membership.counter_operations import CounterDecision
from membership.ledger import Account, EntryKind
from membership.money import Fen
from membership.shift_report import ShiftTally, ShiftTotals
from terminal.store.codec import decoding
from terminal.store.errors import StoreConflict, UnknownOperation
from terminal.store.journal import Journal


@dataclass(frozen=True)
class ShiftRecord:
    shift_id: int
    staff_id: str
    opened_at: datetime
    opening_float: Fen
    open_op_id: str
    closed_at: datetime | None = None
    closing_cash: Fen | None = None  # the cash counted at the close
    close_op_id: str = ""

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ShiftBook(Journal):
    def open_shift(
        self, staff_id: str, opening_float: Fen, decision: CounterDecision
    ) -> ShiftRecord:
        """Commit the `shift.opened` decision and open the shift, in one transaction."""
        shift = self.tables.shift
        with self.writing():
            if self._open_shift_row() is not None:
                raise StoreConflict("store.shift_already_open")
            self.commit_counter(decision)
            row = shift.create(cashier_id=staff_id, opened_at=decision.events[0].at,
                               opening_float=opening_float, open_op_id=decision.op_id)
        return _record(row)

    def current_shift(self) -> ShiftRecord | None:
        with self.reading():
            row = self._open_shift_row()
        return None if row is None else _record(row)

    def shift_record(self, shift_id: int) -> ShiftRecord | None:
        shift = self.tables.shift
        with self.reading():
            row = shift.get_or_none(shift.id == shift_id)
        return None if row is None else _record(row)

    def shift_totals(self, shift_id: int) -> ShiftTotals:
        """The shift's totals: so far while it is open, as closed once it is."""
        with self.reading():
            return self._tally(self._shift_row(shift_id))

    def shift_commissions(self, shift_id: int) -> dict[str, Fen]:
        """Commission earned in the shift, by staff_id (membership.commission): on the sales,
        counter operations and card services committed in it, less the refunds' reversals."""
        with self.reading():
            row = self._shift_row(shift_id)
            low, high = self._seq_of(row.open_op_id), self._seq_of(row.close_op_id)
            lines: list[Any] = []
            for name, table in (("sale", self.tables.sale), ("refund", self.tables.refund)):
                for op_id, record in table.select(table.op_id, table.record).where(
                        *_window(table, low, high)).tuples():
                    with decoding(name, op_id):
                        lines += record.get("commissions", ())
            counter_op = self.tables.counter_op
            for op_id, events in counter_op.select(counter_op.op_id, counter_op.events).where(
                    *_window(counter_op, low, high)).tuples():
                with decoding("counter_op", op_id):
                    lines += [line for event in events
                              for line in event["payload"].get("commissions", ())]
        earned: dict[str, Fen] = {}
        for line in lines:
            earned[line["staff_id"]] = earned.get(line["staff_id"], 0) + int(line["amount"])
        return dict(sorted(earned.items()))

    def close_shift(
        self, shift_id: int, closing_cash: Fen, decision: CounterDecision, totals: ShiftTotals
    ) -> ShiftRecord:
        """Commit the `shift.closed` decision and close the shift, in one transaction.
        `totals` are those the decision reports: refused (StoreConflict) if an operation was
        committed since they were computed."""
        with self.writing():
            row = self._shift_row(shift_id)
            if row.closed_at is not None:
                raise StoreConflict("store.shift_not_open", shift_id=shift_id)
            if self._tally(row) != totals:
                raise StoreConflict("store.shift_totals_stale", shift_id=shift_id)
            self.commit_counter(decision)
            row.closed_at = decision.events[0].at
            row.closing_cash = closing_cash
            row.totals = totals.to_payload()
            row.close_op_id = decision.op_id
            row.save()
        return _record(row)

    def _open_shift_row(self) -> Any:
        shift = self.tables.shift
        return (shift.select().where(shift.closed_at.is_null())
                .order_by(shift.id.desc()).first())

    def _shift_row(self, shift_id: int) -> Any:
        shift = self.tables.shift
        row = shift.get_or_none(shift.id == shift_id)
        if row is None:
            raise UnknownOperation("store.unknown_shift", shift_id=shift_id)
        return row

    def _tally(self, row: Any) -> ShiftTotals:
        low, high = self._seq_of(row.open_op_id), self._seq_of(row.close_op_id)
        tally = ShiftTally(row.opening_float)
        sale_ops = self._tally_sales(tally, low, high)
        self._tally_refunds(tally, low, high)
        counter_ops = self._tally_counter_ops(tally, low, high)
        entry = self.tables.ledger_entry
        uses = (entry.select(entry.service, fn.SUM(entry.delta))
                .where(entry.op_id.in_(sale_ops + counter_ops),
                       entry.account == Account.COUNT.value, entry.kind == EntryKind.USE.value)
                .group_by(entry.service).tuples())
        for service, total in uses:
            tally.add_count_use(service, -total)
        return tally.totals()

    def _seq_of(self, op_id: str) -> int | None:
        counter_op = self.tables.counter_op
        row = counter_op.get_or_none(counter_op.op_id == op_id) if op_id else None
        return None if row is None else row.seq

    def _tally_sales(self, tally: ShiftTally, low: int | None, high: int | None) -> list[str]:
        sale, tender = self.tables.sale, self.tables.sale_tender
        rows = list(sale.select(sale.op_id, sale.amount_due).where(*_window(sale, low, high)))
        paid: dict[str, list[tuple[str, Fen]]] = {row.op_id: [] for row in rows}
        for part in (tender.select(tender.sale, tender.kind, tender.amount)
                     .where(tender.sale.in_(list(paid))).order_by(tender.id).tuples()):
            paid[part[0]].append((part[1], part[2]))
        for row in rows:
            tally.add_sale(row.amount_due, paid[row.op_id])
        return list(paid)

    def _tally_refunds(self, tally: ShiftTally, low: int | None, high: int | None) -> None:
        refund = self.tables.refund
        for row in refund.select().where(*_window(refund, low, high)):
            with decoding("refund", row.op_id):
                given_back = [(kind, amount) for kind, amount in row.record["tender_refunds"]]
            tally.add_refund(row.amount, given_back)

    def _tally_counter_ops(self, tally: ShiftTally, low: int | None, high: int | None
                           ) -> list[str]:
        counter_op = self.tables.counter_op
        rows = list(counter_op.select().where(*_window(counter_op, low, high)))
        for row in rows:
            with decoding("counter_op", row.op_id):
                for event in row.events:
                    tally.add_counter_event(event["type"], event["payload"])
        return [row.op_id for row in rows]


def _window(table: Any, low: int | None, high: int | None) -> list[Any]:
    conditions = [table.seq > (low or 0)]
    if high is not None:
        conditions.append(table.seq < high)
    return conditions


def _record(row: Any) -> ShiftRecord:
    return ShiftRecord(row.id, row.cashier_id, row.opened_at, row.opening_float, row.open_op_id,
                       row.closed_at, row.closing_cash, row.close_op_id)
