"""A staff member's commission for the shift (terminal.store.shifts.shift_commissions, through
ShiftDesk.commission_so_far), on a real store: sale lines served by different staff, a top-up,
a refund's reversal, and nothing from before the shift."""

from __future__ import annotations

import pytest

from membership.catalogue import SaleLine
from membership.money import apply_rate, cumulative_share, format_fen
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier.shifts import ShiftDesk
from terminal.demo import store as demo
from tests.integration.cashier_world import CASHIER, MANAGER, cashier_world, tenders
from tests.support import escpos_parser as ep


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def test_each_staff_member_sees_their_own_commission_for_the_shift(world):
    member = world.enrol(top_up=100000)  # before the shift: the card-open and top-up do not count
    desk = ShiftDesk(world.ctx)
    assert desk.commission_so_far(CASHIER) is None  # no shift open
    desk.open(CASHIER, 10000)
    facial = demo.PRODUCTS["FACIAL"]
    lines = [SaleLine(1, facial, 2, staff_id=MANAGER.staff_id),
             SaleLine(2, facial, 1, staff_id=CASHIER.staff_id),
             SaleLine(3, demo.PRODUCTS["LATTE"], 1, staff_id=CASHIER.staff_id)]
    sale = ops.confirm_sale(world.ctx, CASHIER, None, lines, tenders((K.CASH, 100000)))
    record = world.store.sale_record(sale.op_id)
    net = {line.line_no: line.net for line in record.lines}
    manager_earned, cashier_earned = apply_rate(net[1], 1000), apply_rate(net[2], 1000)
    assert manager_earned > 0 and cashier_earned > 0
    ops.top_up(world.ctx, CASHIER, member, 50000, tenders((K.CASH, 50000)))
    topup_earned = apply_rate(50000, 100)  # the demo's TOPUP rule: 1% of the principal paid
    assert desk.commission_so_far(CASHIER) == cashier_earned + topup_earned
    assert desk.commission_so_far(MANAGER) == manager_earned

    ops.refund_sale(world.ctx, CASHIER, sale.op_id, {1: 1}, world.approval())  # 1 of 2 facials
    reversed_share = cumulative_share(manager_earned, 0, 1, 2)  # the first of two units
    assert desk.commission_so_far(MANAGER) == manager_earned - reversed_share
    assert desk.commission_so_far(CASHIER) == cashier_earned + topup_earned

    world.store.apply_config("staff", "store:SH001", 1, {"staff": [
        {"staff_id": "S01", "name": "王小丽", "role": "cashier", "pin_verifier": "x"}]})
    closed = desk.close(CASHIER, 0)
    assert [row.value for row in closed.report.totals
            if row.label_key == "receipt.staff_commission"] == [
        f"{MANAGER.staff_id} {format_fen(manager_earned - reversed_share)}",  # not listed: its id
        f"王小丽 {format_fen(cashier_earned + topup_earned)}"]
    world.wait_printed()
    printed = ep.texts(ep.parse(world.printer.printed[-1]))
    assert any("员工提成" in line and "王小丽" in line for line in printed), printed
