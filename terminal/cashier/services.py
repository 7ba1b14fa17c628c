"""Every cashier service of one terminal, built once from its CashierContext: what the UI calls
(on its worker thread). Operations are functions in terminal.cashier.operations taking `ctx`."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.cashier import operations
from terminal.cashier.context import CashierContext
from terminal.cashier.member_pin import MemberPinDesk
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

    ops = operations  # the operation functions: services.ops.top_up(services.ctx, ...)


def build_services(ctx: CashierContext) -> CashierServices:
    return CashierServices(ctx, StaffDesk(ctx), ShiftDesk(ctx), MemberDesk(ctx),
                           MemberPinDesk(ctx))
