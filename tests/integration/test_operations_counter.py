"""Counter operations end to end: top-up with the card type's bonus, withdrawal in cash with the
PIN, packages, time and passes (paid by tender or from the card), closing a timed session,
points for a gift; and their refusals, which commit nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from membership.cards import CardStatus
from membership.catalogue import SaleLine
from membership.errors import DomainError
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier import time_sessions
from terminal.demo import store as demo
from terminal.store.errors import StoreConflict
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    cashier_world,
    refused_key,
    tenders,
)


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


@pytest.fixture
def member(world):
    """张三 with ¥1000.00 paid in and ¥100.00 bonus."""
    return world.enrol(top_up=100000)


def _refused(world, operation, *args, staff=CASHIER, **kwargs) -> str:
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        operation(world.ctx, staff, *args, **kwargs)
    assert world.books(CARD_NO) == books
    return refused_key(refused.value)


def test_a_top_up_gets_the_tier_bonus_and_prints_a_top_up_receipt(world):
    member = world.enrol()
    kicks = world.printer.drawer_kicks
    result = ops.top_up(world.ctx, CASHIER, member, 50000, tenders((K.CASH, 50000)))
    balances = world.store.card_balances(CARD_NO)
    assert (balances.principal, balances.bonus) == (50000, 3000)  # the ¥500 tier gives ¥30
    assert world.events(result.op_id) == ["card.topped_up"]
    assert [(line.staff_id, line.amount) for line in result.decision.commissions] == [
        ("S01", 500)]
    lines = world.printed_lines(result)
    assert lines[0] == "充值小票"
    assert {"充值金额                ¥500.00", "赠送金额                 ¥30.00",
            "本金余额                ¥500.00", "赠送余额                 ¥30.00"} <= set(lines)
    assert world.printer.drawer_kicks == kicks + 1  # paid in cash
    assert "离线交易，待上传总部" not in lines  # nothing was taken from a card


def test_a_top_up_paid_short_is_refused(world, member):
    assert _refused(world, ops.top_up, member, 50000, tenders((K.CASH, 40000))) == "tender.short"


def test_a_withdrawal_pays_principal_out_in_cash_with_the_pin(world, member):
    kicks = world.printer.drawer_kicks
    result = ops.withdraw(world.ctx, MANAGER, member, 20000, world.pin())
    balances = world.store.card_balances(CARD_NO)
    assert (balances.principal, balances.bonus) == (80000, 10000)
    assert world.events(result.op_id) == ["card.withdrawn"]
    lines = world.printed_lines(result)
    assert lines[0] == "取款小票" and "取款金额                ¥200.00" in lines
    assert world.printer.drawer_kicks == kicks + 1


def test_withdrawal_refusals_commit_nothing(world, member):
    assert _refused(world, ops.withdraw, member, 20000, None, staff=MANAGER) == "pin.required"
    assert _refused(world, ops.withdraw, member, 100001, world.pin(),
                    staff=MANAGER) == "balance.insufficient_principal"
    world.apply_limits(2, per_card_fen=10000)
    assert _refused(world, ops.withdraw, member, 20000, world.pin(),
                    staff=MANAGER) == "offline.limit_reached"


def test_a_package_paid_from_the_card_needs_the_pin(world, member):
    card_and_bank = tenders((K.STORED_VALUE, 50000), (K.BANK_CARD, 108000))
    assert _refused(world, ops.buy_package, member, "FACIAL10", card_and_bank) == "pin.required"
    result = ops.buy_package(world.ctx, CASHIER, member, "FACIAL10", card_and_bank,
                             pin_proof=world.pin())
    balances = world.store.card_balances(CARD_NO)
    (lot,) = balances.count_lots
    assert (lot.service, lot.remaining, balances.stored_value) == ("FACIAL", 10, 60000)
    assert world.events(result.op_id) == ["package.purchased"]
    lines = world.printed_lines(result)
    assert "面部护理10次卡" in lines and "有效期至              2027-11-22" in lines


def test_an_unknown_package_is_refused(world, member):
    assert _refused(world, ops.buy_package, member, "NOPE",
                    tenders((K.CASH, 100))) == "count.unknown_package"


def test_a_pass_covers_a_later_session(world, member):
    ops.buy_pass(world.ctx, CASHIER, member, "STUDY-M", tenders((K.ALIPAY, 29900)))
    started = world.clock()
    world.clock.advance(minutes=95)
    result = ops.close_time_session(world.ctx, CASHIER, world.member(), "study", started)
    assert world.events(result.op_id) == ["time.session_closed"]
    assert result.decision.entries == ()
    lines = world.printed_lines(result)
    assert lines[0] == "计时结账单" and "月卡/季卡抵扣" in lines
    assert "应付                      ¥0.00" in lines


def test_prepaid_minutes_pay_a_session(world, member):
    bought = ops.buy_time(world.ctx, CASHIER, member, 120, 2500, tenders((K.CASH, 3000)))
    assert bought.decision.settlement.change == 500
    started = world.clock()
    world.clock.advance(minutes=95)  # 10 minutes free, then 2 started hours = 120 minutes
    result = ops.close_time_session(world.ctx, CASHIER, world.member(), "study", started)
    assert world.store.card_balances(CARD_NO).time_minutes == 0
    assert "扣除预付时长（分钟）         120" in world.printed_lines(result)


def test_a_session_paid_from_the_card_needs_the_pin(world, member):
    started = world.clock()
    world.clock.advance(minutes=95)  # ¥15.00 an hour after 10 free minutes: ¥30.00
    from_card = tenders((K.STORED_VALUE, 3000))
    assert _refused(world, ops.close_time_session, world.member(), "study", started,
                    from_card) == "pin.required"
    result = ops.close_time_session(world.ctx, CASHIER, world.member(), "study", started,
                                    from_card, pin_proof=world.pin())
    assert world.store.card_balances(CARD_NO).stored_value == 110000 - 3000
    assert "储值卡                   ¥30.00" in world.printed_lines(result)


def test_a_session_bill_is_checked_before_the_pin_as_the_bill_checks_it(world, member):
    """Before the member's PIN: the card as of the day the session began (a card whose last
    day passed during the session is billed), frozen refused, a session billed already too."""
    started = world.clock().replace(hour=23, minute=30)
    session = world.store.start_time_session(CARD_NO, "study", started, "S01")
    world.clock.advance(hours=14)  # 00:00 the next day, a 30-minute session
    now = world.member()
    ended_yesterday = replace(now, card=replace(now.card, expires_on=started.date()))
    time_sessions.check_can_close(world.ctx, ended_yesterday, session.session_id)
    frozen = replace(now, card=replace(now.card, status=CardStatus.FROZEN))
    with pytest.raises(DomainError) as refused:
        time_sessions.check_can_close(world.ctx, frozen, session.session_id)
    assert refused_key(refused.value) == "card.frozen"
    time_sessions.close_time_session(world.ctx, CASHIER, now, session.session_id,
                                     tenders((K.CASH, 1500)))
    with pytest.raises(StoreConflict) as closed:
        time_sessions.check_can_close(world.ctx, now, session.session_id)
    assert closed.value.key == "store.time_session_closed"


def test_an_unknown_timed_service_is_refused(world, member):
    assert _refused(world, ops.close_time_session, member, "karaoke",
                    world.clock()) == "time.unknown_service"


def test_points_buy_a_gift_from_the_configuration(world, member):
    facials = (SaleLine(1, demo.PRODUCTS["FACIAL"], 2),)
    due = ops.quote_sale(world.ctx, CASHIER, member, facials).amount_due
    ops.confirm_sale(world.ctx, CASHIER, member, facials, tenders((K.BANK_CARD, due)))
    earned = world.store.card_balances(CARD_NO).points
    assert earned >= 300
    result = ops.redeem_gift(world.ctx, CASHIER, world.member(), "MUG")
    assert world.store.card_balances(CARD_NO).points == earned - 300
    assert world.events(result.op_id) == ["gift.redeemed"]
    lines = world.printed_lines(result)
    assert lines[0] == "积分兑换小票" and "使用积分                     300" in lines


def test_gift_refusals_commit_nothing(world, member):
    assert _refused(world, ops.redeem_gift, member, "MUG") == "points.insufficient"
    assert _refused(world, ops.redeem_gift, member, "CAR") == "gift.unknown"
