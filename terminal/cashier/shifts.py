"""Opening and closing a shift (开班 / 交班): the opening float, the shift report with the cash
the drawer should hold, and the `shift.opened` / `shift.closed` events to HQ.

Each is an operation like any other (membership.shift_report decides, the store commits the
decision and the shift row in one transaction); the slips print through the print service and
stay in the reprint list until they have printed.
"""

from __future__ import annotations

from dataclasses import dataclass

from membership.errors import DomainError, InvalidInput
from membership.money import Fen
from membership.permissions import Action
from membership.receipts import Receipt
from membership.shift_report import (
    ShiftClose,
    ShiftTotals,
    shift_closed_decision,
    shift_opened_decision,
)
from terminal.cashier.context import CashierContext, StaffMember
from terminal.cashier.store_ports import ShiftStore
from terminal.receipts.printing import ResultCallback
from terminal.store.shifts import ShiftRecord


class ShiftError(DomainError):
    key = "shift.refused"


@dataclass(frozen=True)
class ClosedShift:
    shift: ShiftRecord
    totals: ShiftTotals
    report: Receipt  # the shift report, submitted to the printer

    @property
    def cash_difference(self) -> Fen:
        """Counted minus expected: negative when cash is missing (短款)."""
        return (self.shift.closing_cash or 0) - self.totals.expected_cash


class ShiftDesk:
    def __init__(self, ctx: CashierContext) -> None:
        self.ctx = ctx
        self.store: ShiftStore = ctx.store

    def current(self) -> ShiftRecord | None:
        return self.store.current_shift()

    def totals_so_far(self) -> ShiftTotals:
        """The open shift's totals now (an X report), without closing it."""
        return self.store.shift_totals(self._open_shift().shift_id)

    def commission_so_far(self, staff: StaffMember | None) -> Fen | None:
        """What `staff` has earned in commission in the open shift; None without one."""
        current = self.current()
        if current is None or staff is None:
            return None
        return self.store.shift_commissions(current.shift_id).get(staff.staff_id, 0)

    def _commissions_by_name(self, shift_id: int) -> dict[str, Fen]:
        """The shift's commission per staff member, by the name the staff document gives."""
        named = {}
        for staff_id, amount in self.store.shift_commissions(shift_id).items():
            record = self.store.staff_member(staff_id)
            named[record.name if record is not None else staff_id] = amount
        return named

    def open(self, staff: StaffMember, opening_float: Fen,
             on_printed: ResultCallback | None = None) -> ShiftRecord:
        """开班 with the cash put in the drawer; the opening slip is printed."""
        _check_amount(opening_float)
        current = self.current()
        if current is not None:
            raise ShiftError("shift.already_open", staff_id=current.staff_id)
        decision = shift_opened_decision(self.ctx.operation(staff, Action.SHIFT), opening_float)
        record = self.store.open_shift(staff.staff_id, opening_float, decision)
        self._after_commit(decision.receipt, on_printed)
        return record

    def close(self, staff: StaffMember, counted_cash: Fen,
              on_printed: ResultCallback | None = None) -> ClosedShift:
        """交班: by the cashier who opened the shift or a manager, with the cash counted."""
        _check_amount(counted_cash)
        current = self._open_shift()
        if staff.staff_id != current.staff_id and not staff.is_manager:
            raise ShiftError("shift.not_yours", staff_id=current.staff_id)
        totals = self.store.shift_totals(current.shift_id)
        close = ShiftClose(current.opened_at, counted_cash)
        decision = shift_closed_decision(self.ctx.operation(staff, Action.SHIFT), totals, close,
                                         self._commissions_by_name(current.shift_id))
        record = self.store.close_shift(current.shift_id, counted_cash, decision, totals)
        self._after_commit(decision.receipt, on_printed)
        return ClosedShift(record, totals, decision.receipt)

    def _open_shift(self) -> ShiftRecord:
        current = self.current()
        if current is None:
            raise ShiftError("shift.not_open")
        return current

    def _after_commit(self, receipt: Receipt, on_printed: ResultCallback | None) -> None:
        self.ctx.notify_sync()
        self.ctx.printing.submit(receipt, on_printed)


def _check_amount(amount: Fen) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise InvalidInput("input.invalid", field="amount", value=amount)
