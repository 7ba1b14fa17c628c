"""Opening and closing a shift (terminal.cashier.shifts): the totals are those of the operations
committed in between, the events go to the outbox, the report prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from membership import counter_operations as counter
from membership.catalogue import SaleLine
from membership.counter_operations import Operation
from membership.errors import InvalidInput
from membership.money import format_fen
from membership.sale import SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from terminal.cashier.context import StaffMember
from terminal.cashier.shifts import ShiftDesk, ShiftError
from terminal.demo import store as demo
from tests.integration import store_world
from tests.integration.desk_world import DeskWorld, desk_world

CASHIER = StaffMember("S01", "王小丽", "cashier")
OTHER_CASHIER = StaffMember("S02", "赵小明", "cashier")
MANAGER = StaffMember("M01", "李店长", "manager")
CASH, WECHAT, CARD = TenderKind.CASH, TenderKind.WECHAT, TenderKind.STORED_VALUE


def next_op(world: DeskWorld) -> Operation:
    world.clock.advance(minutes=10)
    return world.ctx.operation(CASHIER)


def a_days_business(world: DeskWorld) -> dict[str, int]:
    """Real decisions committed through the store; returns what the report must say."""
    store = world.store
    store.commit_counter(store_world.enrolment(next_op(world).op_id))  # ¥20.00 cash
    top_up = counter.top_up(next_op(world), store_world.member(store), 100000,
                            [Tender(CASH, 100000)])
    store.commit_counter(top_up)
    package = counter.buy_package(next_op(world), store_world.member(store),
                                  demo.FACIAL_PACKAGE, 1, [Tender(WECHAT, 158000, "WX9")])
    store.commit_counter(package)
    sale = store_world.member_sale(store, next_op(world).op_id)  # stored value and cash
    store.commit_sale(sale)
    facial = SaleRequest(next_op(world).op_id, world.clock(),
                         (SaleLine(1, demo.PRODUCTS["FACIAL"], 2, use_count=True),))
    store.commit_sale(decide_sale(facial, demo.STORE, demo.RULES, store_world.member(store)))
    refund = store_world.refund(store, sale.record.op_id, next_op(world).op_id, {1: 1})
    store.commit_refund(refund)
    withdrawal = counter.withdraw(next_op(world), store_world.member(store), 3000)
    store.commit_counter(withdrawal)
    refunded = dict(refund.record.tender_refunds)
    return {
        "cash_in": 2000 + 100000 + sale.settlement.amount_of(CASH),
        "card_in": sale.settlement.amount_of(CARD),
        "sales_total": sale.priced.amount_due,  # the facials were paid by the package
        "refund": refund.record.amount, "refund_cash": refunded.get("cash", 0),
    }


def test_the_shift_report_adds_up_what_was_committed_during_the_shift(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.store.commit_sale(store_world.guest_sale(next_op(world).op_id))  # before: not ours
        desk = ShiftDesk(world.ctx)
        opened = desk.open(CASHIER, 50000)
        assert (opened.staff_id, opened.opening_float, opened.is_open) == ("S01", 50000, True)
        assert "备用金" in " ".join(world.printed_lines())  # the opening slip printed

        expected = a_days_business(world)
        so_far = desk.totals_so_far()
        world.clock.advance(hours=8)
        closed = desk.close(CASHIER, 148000)

    totals = closed.totals
    assert totals == so_far
    assert totals.takings == {"stored_value": expected["card_in"], "cash": expected["cash_in"],
                              "wechat": 158000}
    assert (totals.sales_count, totals.sales_total) == (2, expected["sales_total"])
    assert (totals.topups_count, totals.topups_amount) == (1, 100000)
    assert (totals.refunds_count, totals.refunds_amount) == (1, expected["refund"])
    assert (totals.withdrawals_count, totals.withdrawals_amount) == (1, 3000)
    assert totals.count_uses == {"FACIAL": 2}
    expected_cash = 50000 + expected["cash_in"] - expected["refund_cash"] - 3000
    assert totals.expected_cash == expected_cash
    assert closed.cash_difference == 148000 - expected_cash
    assert (closed.shift.closing_cash, closed.shift.is_open) == (148000, False)

    printed = world.printed_lines()
    text = "\n".join(printed)
    assert "交班报表" in text and closed.report.op_id in text
    assert any("销售笔数" in line and line.rstrip().endswith("2") for line in printed)
    assert any("应有现金" in line and format_fen(expected_cash) in line for line in printed)
    assert any("实点现金" in line and format_fen(148000) in line for line in printed)
    assert any("现金" in line and format_fen(expected["cash_in"]) in line for line in printed)
    assert any("计次使用" in line and "FACIAL ×2" in line for line in printed)


def test_the_shift_events_wait_in_the_outbox_for_hq(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = ShiftDesk(world.ctx)
        opened = desk.open(CASHIER, 20000)
        world.store.commit_sale(store_world.guest_sale(next_op(world).op_id))
        closed = desk.close(MANAGER, 22800)  # a manager may close a cashier's shift
        events = [(event.type, event.op_id) for event in world.store.outbox_batch(0, 100)]
        closing = world.store.outbox_batch(0, 100)[-1].document["payload"]
        world.wait_printed()
    assert events == [("shift.opened", opened.open_op_id),
                      ("sale.completed", events[1][1]),
                      ("shift.closed", closed.shift.close_op_id)]
    assert (closing["staff_id"], closing["expected_cash"], closing["cash_difference"]) == (
        "M01", 22800, 0)


def test_one_shift_at_a_time_closed_by_its_cashier_or_a_manager(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = ShiftDesk(world.ctx)
        with pytest.raises(ShiftError) as not_open:
            desk.close(CASHIER, 0)
        assert not_open.value.key == "shift.not_open"
        desk.open(CASHIER, 0)
        with pytest.raises(ShiftError) as already:
            desk.open(OTHER_CASHIER, 0)
        assert (already.value.key, already.value.params) == ("shift.already_open",
                                                             {"staff_id": "S01"})
        with pytest.raises(ShiftError) as not_theirs:
            desk.close(OTHER_CASHIER, 0)
        assert not_theirs.value.key == "shift.not_yours"
        with pytest.raises(InvalidInput):
            desk.close(CASHIER, -1)
        assert desk.current() is not None
        world.wait_printed()
