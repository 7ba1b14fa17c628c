"""Every cashier service of one terminal, built once from its CashierContext: what the UI calls
(on its worker thread). Operations are functions in terminal.cashier.operations taking `ctx`."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.cashier import operations
from terminal.cashier.context import CashierContext
from terminal.cashier.member_pin import MemberPinDesk
from terminal.cashier.member_pin_changes import MemberPinChanges
from terminal.cashier.members import MemberDesk
from terminal.cashier.shifts import ShiftDesk
from terminal.cashier.staff import StaffDesk


@dataclass
class CashierServices:
    ctx: CashierContext
    staff: StaffDesk
    shifts: ShiftDesk
    members: MemberDesk
    pins: MemberPinDesk
    pin_changes: MemberPinChanges

    ops = operations  # the operation functions: services.ops.top_up(services.ctx, ...)


def build_services(ctx: CashierContext, reader: object = None) -> CashierServices:
    """`reader`: the card reader, for PINs kept on member cards (set and change)."""
    pins = MemberPinDesk(ctx)
    return CashierServices(ctx, StaffDesk(ctx), ShiftDesk(ctx), MemberDesk(ctx), pins,
                           MemberPinChanges(reader, pins))
