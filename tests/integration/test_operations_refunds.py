"""Refunds and voids of a sale made on this terminal, with a manager's approval, end to end; and
reprinting receipts (the last one, one from the reprint list)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from membership.catalogue import SaleLine
from membership.errors import DomainError
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier.context import ManagerApproval
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    WAIT_S,
    cashier_world,
    refused_key,
    tenders,
)
from tests.support import escpos_parser as ep

LATTES_AND_CAKE = (SaleLine(1, demo.PRODUCTS["LATTE"], 2), SaleLine(2, demo.PRODUCTS["CAKE"], 1))
NEW_CARD_NO = "8800000000000009"


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


@pytest.fixture
def sale(world):
    """张三 (¥1000.00 + ¥100.00 bonus) buys two lattes (¥53.20) and a cake (¥25.60): ¥50.00
    from the card, ¥28.80 in cash."""
    world.enrol(top_up=100000)
    result = ops.confirm_sale(world.ctx, CASHIER, world.member(), LATTES_AND_CAKE,
                              tenders((K.STORED_VALUE, 5000), (K.CASH, 2880)),
                              pin_proof=world.pin())
    world.wait_printed()
    return result


def _refused(world, operation, *args, **kwargs) -> str:
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        operation(world.ctx, CASHIER, *args, **kwargs)
    assert world.books(CARD_NO) == books
    return refused_key(refused.value)


def test_a_partial_refund_gives_back_the_lines_share_of_each_tender(world, sale):
    kicks = world.printer.drawer_kicks
    result = ops.refund_sale(world.ctx, CASHIER, sale.op_id, {2: 1}, world.approval(),
                             reason="顾客不要蛋糕")
    record = result.decision.record
    assert record.amount == 2560 and sum(amount for _, amount in record.tender_refunds) == 2560
    card_back = dict(record.tender_refunds)["stored_value"]
    balances = world.store.card_balances(CARD_NO)
    assert balances.stored_value == 110000 - 5000 + card_back
    assert world.events(result.op_id) == ["sale.refunded"]
    lines = world.printed_lines(result)
    assert lines[0] == "退货小票" and "静安旗舰店" in lines
    assert {f"原单号           {sale.op_id}", "提拉米苏         x 1    -¥25.60",
            "退款合计                -¥25.60", "储值卡                  -¥16.24",
            "现金                     -¥9.36"} <= set(lines)
    assert card_back == 1624
    assert world.printer.drawer_kicks == kicks + 1  # cash goes back over the counter


def test_the_same_lines_are_not_refunded_twice(world, sale):
    ops.refund_sale(world.ctx, CASHIER, sale.op_id, {2: 1}, world.approval())
    assert _refused(world, ops.refund_sale, sale.op_id, {2: 1},
                    world.approval()) == "refund.exceeds"


def test_a_void_undoes_the_whole_sale(world, sale):
    result = ops.void_sale(world.ctx, CASHIER, sale.op_id, world.approval())
    balances = world.store.card_balances(CARD_NO)
    assert (balances.principal, balances.bonus, balances.points) == (100000, 10000, 0)
    assert world.events(result.op_id) == ["sale.voided"]
    assert "退款合计                -¥78.80" in world.printed_lines(result)


def test_a_partly_refunded_sale_cannot_be_voided(world, sale):
    ops.refund_sale(world.ctx, CASHIER, sale.op_id, {1: 1}, world.approval())
    assert _refused(world, ops.void_sale, sale.op_id,
                    world.approval()) == "refund.void_after_refund"


def test_refunds_need_a_managers_fresh_approval(world, sale):
    by_cashier = ManagerApproval(CASHIER, world.clock())
    stale = ManagerApproval(world.approval().manager, world.clock() - timedelta(hours=2))
    for approval in (None, by_cashier, stale):
        assert _refused(world, ops.refund_sale, sale.op_id, {2: 1},
                        approval) == "permission.approval_needed"
        assert _refused(world, ops.void_sale, sale.op_id,
                        approval) == "permission.approval_needed"


def test_a_sale_this_terminal_never_made_is_refused(world, sale):
    assert _refused(world, ops.refund_sale, "SH001-T2-000001", {1: 1},
                    world.approval()) == "refund.sale_unknown"


def test_a_refund_after_a_replacement_goes_to_the_new_card(world, sale):
    ops.replace_card(world.ctx, MANAGER, world.member(), NEW_CARD_NO, tenders((K.CASH, 1000)))
    before = world.store.card_balances(NEW_CARD_NO).stored_value
    result = ops.void_sale(world.ctx, CASHIER, sale.op_id, world.approval())
    assert world.store.card_balances(NEW_CARD_NO).stored_value == before + 5000
    assert world.store.card_balances(CARD_NO).stored_value == 0
    assert {entry.card_no for entry in result.decision.entries} == {NEW_CARD_NO}


def test_a_refund_with_the_member_looked_up_must_be_for_the_sales_card(world, sale):
    other = world.enrol("8800000000000002", name="李四")
    assert _refused(world, ops.refund_sale, sale.op_id, {2: 1}, world.approval(),
                    member=other) == "refund.wrong_card"


# --- reprints ---------------------------------------------------------------------------------


def test_reprinting_the_last_receipt_marks_it_a_copy_and_keeps_the_drawer_shut(world, sale):
    kicks = world.printer.drawer_kicks
    outcome = ops.reprint_last(world.ctx)
    result = outcome.wait(WAIT_S)
    assert result is not None and result.ok and result.reprint and outcome.op_id == sale.op_id
    lines = ep.texts(ep.parse(world.printer.printed[-1]))
    assert lines[:2] == ["消费小票", "重打小票"] and f"单号：{sale.op_id}" in lines
    assert world.printer.drawer_kicks == kicks


def test_a_receipt_lost_to_the_paper_is_printed_from_the_reprint_list(world):
    world.printer.fail_after_bytes = 120
    sold = ops.confirm_sale(world.ctx, CASHIER, None, LATTES_AND_CAKE, tenders((K.CASH, 10000)))
    assert sold.printing.wait(WAIT_S) is not None and sold.printing.kept_for_reprint
    world.printer.paper_out = False  # the cashier puts a new roll in
    (owed,) = world.ctx.printing.pending_reprints()
    outcome = ops.reprint_receipt(world.ctx, owed.receipt.op_id)
    assert outcome.wait(WAIT_S).ok
    lines = ep.texts(ep.parse(world.printer.printed[-1]))
    assert lines[0] == "消费小票" and "找零                     ¥18.40" in lines
    assert "重打小票" not in lines  # the customer never had it: not a copy
    assert world.ctx.printing.pending_reprints() == ()


def test_reprint_refusals(world):
    with pytest.raises(DomainError) as nothing:
        ops.reprint_last(world.ctx)
    assert refused_key(nothing.value) == "printing.nothing_to_reprint"
    with pytest.raises(DomainError) as unknown:
        ops.reprint_receipt(world.ctx, "SH001-T1-999999")
    assert refused_key(unknown.value) == "reprint.unknown"
