"""Every cashier service of one terminal, built once from its CashierContext: what the UI calls
(on its worker thread). Operations are functions in terminal.cashier.operations taking `ctx`.

The Kivy UI reaches the store, the sync and the printer only through these services (and the
data types they hand out): what a screen needs of them is a method here, not a reach into the
runtime. tests/unit/test_layering.py holds the UI to it."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.cashier import operations
from terminal.cashier.context import CashierContext
from terminal.cashier.member_history import MemberHistory
from terminal.cashier.member_pin import MemberPinDesk
from terminal.cashier.member_pin_changes import MemberPinChanges
from terminal.cashier.members import MemberDesk
from terminal.cashier.sale_history import SaleHistory
from terminal.cashier.shifts import ShiftDesk
from terminal.cashier.staff import StaffDesk
from terminal.cashier.upkeep import SyncLink, UpkeepDesk


@dataclass
class CashierServices:
    ctx: CashierContext
    staff: StaffDesk
    shifts: ShiftDesk
    members: MemberDesk
    pins: MemberPinDesk
    pin_changes: MemberPinChanges
    sales: SaleHistory
    upkeep: UpkeepDesk  # the upload to HQ, the printer, the language
    history: MemberHistory  # a member's operations on this terminal, paged

    ops = operations  # the operation functions: services.ops.top_up(services.ctx, ...)


def build_services(ctx: CashierContext, reader: object = None,
                   sync: SyncLink | None = None) -> CashierServices:
    """`reader`: the card reader, for PINs kept on member cards (set and change); `sync`: the
    sync with HQ (None on a terminal without HQ), for the upload's state and "send now"."""
    pins = MemberPinDesk(ctx)
    return CashierServices(ctx, StaffDesk(ctx), ShiftDesk(ctx), MemberDesk(ctx), pins,
                           MemberPinChanges(reader, pins), SaleHistory(ctx),
                           UpkeepDesk(ctx, sync), MemberHistory(ctx))
