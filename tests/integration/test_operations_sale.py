"""Checkout through the cashier's operations, end to end: the quote, guest and member sales with
split tenders, a coupon, count use; every refusal leaves the store untouched; a printer that
runs out of paper mid-receipt does not undo a sale."""

from __future__ import annotations

from datetime import timedelta

import pytest

from membership.catalogue import Product, SaleLine
from membership.errors import DomainError
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier.ports import PinProof
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    OTHER_CARD_NO,
    WAIT_S,
    cashier_world,
    refused_key,
    tenders,
)

LATTES_AND_CAKE = (SaleLine(1, demo.PRODUCTS["LATTE"], 2), SaleLine(2, demo.PRODUCTS["CAKE"], 1))
# 2 × ¥28.00 less the GOLD card's 5% = ¥53.20; the cake at the afternoon 20% off = ¥25.60.
DUE = 7880


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


@pytest.fixture
def member(world):
    """张三 with ¥1000.00 paid in and ¥100.00 bonus."""
    return world.enrol(top_up=100000)


def test_the_quote_prices_without_committing(world, member):
    books = world.books(CARD_NO)
    priced = ops.quote_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE)
    with_coupon = ops.quote_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE, "WELCOME10")
    assert (priced.gross, priced.amount_due) == (8800, DUE)
    assert with_coupon.amount_due == DUE - 1000 and "WELCOME10" in with_coupon.applied
    assert world.books(CARD_NO) == books


def test_a_guest_pays_cash_and_gets_change_and_the_drawer_opens(world):
    result = ops.confirm_sale(world.ctx, CASHIER, None, (SaleLine(1, demo.PRODUCTS["LATTE"], 1),),
                              tenders((K.CASH, 10000)))
    lines = world.printed_lines(result)
    assert lines[0] == "消费小票"
    assert "现金                     ¥28.00" in lines
    assert "实收现金                ¥100.00" in lines
    assert "找零                     ¥72.00" in lines
    assert result.printing.result.drawer_kicked and world.printer.drawer_kicks == 1
    assert world.events(result.op_id) == ["sale.completed"]
    assert result.seqs == (1,) and world.synced == 1
    assert result.decision.settlement.change == 7200 and not result.offline


def test_a_member_splits_stored_value_and_cash_with_the_pin(world, member):
    kicks = world.printer.drawer_kicks
    result = ops.confirm_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE,
                              tenders((K.STORED_VALUE, 5000), (K.CASH, 2880)),
                              pin_proof=world.pin())
    balances = world.store.card_balances(CARD_NO)
    # ¥50.00 drawn in proportion: ¥4.55 of it bonus (10000 / 110000 of it, half-up).
    assert (balances.principal, balances.bonus) == (95455, 9545)
    assert balances.points == result.decision.points_earned > 0
    assert world.events(result.op_id) == ["sale.completed"]
    lines = world.printed_lines(result)
    assert {"储值卡                   ¥50.00", "应付                     ¥78.80",
            "本金余额                ¥954.55"} <= set(lines)
    # Approved on the offline limits (no HQ here): the receipt says it is still to be sent.
    assert result.offline and lines[-1] == "离线交易，待上传总部"
    assert world.printer.drawer_kicks == kicks + 1


def test_a_coupon_from_the_configuration_is_used(world, member):
    result = ops.confirm_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE,
                              tenders((K.WECHAT, DUE - 1000)), coupon_code="WELCOME10")
    assert result.decision.coupon_used == "WELCOME10"
    assert world.store.outbox_batch(0, 100)[-1].document["payload"]["coupon_used"] == "WELCOME10"


def test_count_use_takes_one_use_from_the_package(world, member):
    ops.buy_package(world.ctx, CASHIER, member, "FACIAL10", tenders((K.BANK_CARD, 158000)))
    result = ops.use_count(world.ctx, CASHIER, world.member(), "FACIAL", served_by="S02")
    (lot,) = world.store.card_balances(CARD_NO).count_lots
    assert (lot.service, lot.remaining) == ("FACIAL", 9)
    assert world.events(result.op_id) == ["sale.completed"]
    assert result.decision.commissions[0].staff_id == "S02"
    lines = world.printed_lines(result)
    # ¥ is two columns on the paper: the line no longer fits beside the name.
    item = lines.index("面部护理")
    assert lines[item + 1] == "  1 x ¥198.00          ¥198.00" and "次卡抵扣" in lines[item + 2]
    assert "剩余次数                FACIAL 9" in lines
    assert not result.printing.result.drawer_kicked


def test_a_price_changed_since_the_screen_was_built_is_charged_as_configured(world):
    stale = SaleLine(1, Product("LATTE", "拿铁咖啡", "drinks", 100), 1)  # HQ's price is ¥28.00
    with pytest.raises(DomainError) as refused:
        ops.confirm_sale(world.ctx, CASHIER, None, (stale,), tenders((K.WECHAT, 100)))
    assert refused_key(refused.value) == "tender.short"


# --- refusals: nothing committed --------------------------------------------------------------


def _refused_sale(world, member, pin_proof, stored_value=5000):
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        ops.confirm_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE,
                         tenders((K.STORED_VALUE, stored_value), (K.CASH, DUE - stored_value)),
                         pin_proof=pin_proof)
    assert world.books(CARD_NO) == books
    world.wait_printed()
    return refused_key(refused.value), refused.value.params


def test_stored_value_without_the_pin_is_refused(world, member):
    assert _refused_sale(world, member, None)[0] == "pin.required"


def test_a_pin_proof_for_another_card_is_refused(world, member):
    world.enrol(OTHER_CARD_NO, name="李四")
    assert _refused_sale(world, member, world.pin(OTHER_CARD_NO))[0] == "pin.required"


def test_a_pin_proof_from_long_ago_is_refused(world, member):
    old = PinProof(CARD_NO, world.clock() - timedelta(hours=1), "card")
    assert _refused_sale(world, member, old)[0] == "pin.required"


def test_more_than_the_balance_is_refused(world):
    member = world.enrol(top_up=0)
    key, params = _refused_sale(world, member, world.pin())
    assert (key, params["needed"], params["available"]) == ("balance.insufficient", 5000, 0)


def test_over_the_offline_limit_is_refused_with_what_is_left(world, member):
    world.apply_limits(2, per_card_fen=3000)
    key, params = _refused_sale(world, member, world.pin())
    assert (key, params["available"]) == ("offline.limit_reached", 3000)


def test_a_blacklisted_card_is_refused_by_the_guard(world, member):
    world.store.apply_config("blacklist", "all", 1, {"cards": {CARD_NO: "lost"}})
    assert _refused_sale(world, member, world.pin())[0] == "card.lost"


@pytest.mark.parametrize("operation, key", [
    (ops.report_loss, "card.lost"), (ops.freeze_card, "card.frozen")])
def test_a_lost_or_frozen_card_cannot_pay(world, member, operation, key):
    operation(world.ctx, MANAGER, member)
    assert _refused_sale(world, world.member(), world.pin())[0] == key


def test_an_expired_card_cannot_pay(world, member):
    world.clock.advance(days=800)  # the GOLD card is valid for 730 days
    assert _refused_sale(world, world.member(), world.pin())[0] == "card.expired"


def test_a_guest_cannot_pay_by_stored_value(world):
    with pytest.raises(DomainError) as refused:
        ops.confirm_sale(world.ctx, CASHIER, None, LATTES_AND_CAKE,
                         tenders((K.STORED_VALUE, DUE)))
    assert refused_key(refused.value) == "card.required"
    assert world.books() == (0, 1, ())


def test_count_use_over_the_offline_uses_is_refused(world, member):
    ops.buy_package(world.ctx, CASHIER, member, "FACIAL10", tenders((K.BANK_CARD, 158000)))
    world.apply_limits(2, per_card_uses=1)
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        ops.use_count(world.ctx, CASHIER, world.member(), "FACIAL", qty=2)
    assert refused_key(refused.value) == "offline.limit_reached"
    assert world.books(CARD_NO) == books


def test_an_unknown_coupon_is_refused(world, member):
    with pytest.raises(DomainError) as refused:
        ops.quote_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE, "NOPE")
    assert (refused_key(refused.value), refused.value.params) == ("coupon.unknown",
                                                                   {"code": "NOPE"})


# --- the printer ------------------------------------------------------------------------------


def test_paper_running_out_mid_receipt_keeps_the_sale_and_the_receipt(world, member):
    world.printer.fail_after_bytes = 120  # the roll ends partway through the receipt
    result = ops.confirm_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE,
                              tenders((K.CASH, 10000)))
    printed = result.printing.wait(WAIT_S)
    assert printed is not None and printed.error.message_key == "device.paper_out"
    assert result.printing.kept_for_reprint and printed.drawer_kicked  # change given now
    assert world.events(result.op_id) == ["sale.completed"]  # committed all the same
    (owed,) = world.ctx.printing.pending_reprints()
    assert (owed.receipt.op_id, owed.print_error) == (result.op_id, "device.paper_out")
    seen = []
    result.printing.on_printed(seen.append)  # a late listener hears the outcome at once
    assert seen == [printed]


def test_after_the_commit_nothing_makes_the_sale_look_failed(world, member):
    def relay_gone() -> None:
        raise ConnectionError("relay thread stopped")

    world.ctx.notify_sync = relay_gone
    world.ctx.printing.close(WAIT_S)  # the terminal is shutting down
    result = ops.confirm_sale(world.ctx, CASHIER, member, LATTES_AND_CAKE,
                              tenders((K.CASH, 10000)))
    assert world.events(result.op_id) == ["sale.completed"]
    assert result.printing.kept_for_reprint
    assert world.store.stored_receipt(result.op_id).printed is False  # owed, for a reprint
