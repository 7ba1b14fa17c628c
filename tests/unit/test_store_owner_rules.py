"""The rules a store owner expects (issue 12, point 7), each against the case that broke it:
an overnight window belongs to the night it starts; 特价 takes no other offer; the top-up
refusal names the largest top-up that fits; 每满减 with several tiers never gives less for more;
identical units give back identical amounts; a session whose card became unusable is billed in
money with a manager's approval."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

import pytest

from membership import counter_operations as counter
from membership.cards import BonusTier, CardStatus
from membership.catalogue import SaleLine
from membership.coupons import CouponKind
from membership.errors import CardStateError, CouponError, InvalidInput, TenderError
from membership.ledger import CardBalances
from membership.money import unit_shares
from membership.pricing import PointsOffsetRule, ReductionKind, price_sale
from membership.promotions import PromotionKind, SpendTier, is_active, spend_save_saving
from membership.stored_value import bonus_for, largest_top_up, top_up
from membership.tenders import Settlement, Tender, TenderKind
from membership.time_rules import session_reason
from tests.support import counter_world, pricing_world, refunds_world
from tests.support.pricing_world import context, coupon, promotion, spend_save
from tests.unit.test_stored_value import AT as SV_AT
from tests.unit.test_stored_value import CARD as SV_CARD
from tests.unit.test_stored_value import SV

# --- overnight windows (夜场) belong to the night they start ----------------------------------

MONDAY_NIGHT = promotion(code="MON-NIGHT", pay_rate_bp=8000, weekdays=frozenset({0}),
                         daily_from=time(22), daily_until=time(2),
                         starts_at=datetime(2026, 11, 1), ends_at=datetime(2026, 12, 1))


@pytest.mark.parametrize(("at", "active"), [
    (datetime(2026, 11, 23, 22, 0), True),  # Monday 22:00, the night's first instant
    (datetime(2026, 11, 23, 23, 59), True),
    (datetime(2026, 11, 24, 1, 30), True),  # Tuesday 01:30: Monday night's tail
    (datetime(2026, 11, 24, 2, 0), False),  # the window's end is exclusive
    (datetime(2026, 11, 23, 1, 30), False),  # Monday 01:30 is Sunday night's tail
    (datetime(2026, 11, 24, 22, 30), False),  # Tuesday night
    (datetime(2026, 11, 23, 15, 0), False),  # Monday afternoon, outside the window
])
def test_an_overnight_window_belongs_to_the_night_it_starts(at, active):
    assert is_active(MONDAY_NIGHT, at, "S001", is_member=False) is active


def test_a_daytime_window_keeps_the_calendar_day():
    monday_lunch = replace(MONDAY_NIGHT, daily_from=time(11), daily_until=time(14))
    assert is_active(monday_lunch, datetime(2026, 11, 23, 12, 0), "S001", False)
    assert not is_active(monday_lunch, datetime(2026, 11, 24, 12, 0), "S001", False)


# --- 特价不参与其他优惠 -------------------------------------------------------------------------

TOWEL = pricing_world.SPECIAL  # ¥9.90, member_discount=False: 特价
SHAMPOO = pricing_world.SHAMPOO  # ¥19.99


def test_a_special_price_item_takes_no_promotion_of_any_kind():
    everything = (promotion(code="ALL8", pay_rate_bp=8000),
                  promotion(PromotionKind.BUY_X_GET_Y, code="B1G1", buy_qty=1, free_qty=1),
                  spend_save(code="MJ", tiers=((1000, 500),)))
    priced = price_sale([SaleLine(1, TOWEL, 2)], context(promotions=everything))
    assert priced.lines[0].reductions == ()
    assert priced.amount_due == 1980
    assert priced.applied == ()


def test_special_price_units_do_not_make_up_a_buy_x_get_y_group():
    b1g1 = promotion(PromotionKind.BUY_X_GET_Y, code="B1G1", buy_qty=1, free_qty=1)
    shampoo, towel = price_sale([SaleLine(1, SHAMPOO, 1), SaleLine(2, TOWEL, 1)],
                                context(promotions=(b1g1,))).lines
    assert (shampoo.net, towel.net) == (1999, 990)  # one eligible unit: no group of two


def test_special_price_items_do_not_count_toward_a_coupons_minimum_spend():
    cash_off = coupon(value=500, min_spend=2500)
    lines = [SaleLine(1, SHAMPOO, 1), SaleLine(2, TOWEL, 1)]  # ¥19.99 + ¥9.90 = ¥29.89
    with pytest.raises(CouponError) as refused:
        price_sale(lines, context(coupon=cash_off))
    assert refused.value.key == "coupon.min_spend"
    assert refused.value.params["subtotal"] == 1999


def test_a_coupon_reduces_only_the_lines_that_take_offers():
    shampoo, towel = price_sale([SaleLine(1, SHAMPOO, 1), SaleLine(2, TOWEL, 1)],
                                context(coupon=coupon(value=500))).lines
    assert pricing_world.amounts(shampoo, ReductionKind.COUPON) == [500]
    assert towel.reductions == ()


def test_a_coupon_on_special_price_items_alone_has_nothing_to_reduce():
    with pytest.raises(CouponError) as refused:
        price_sale([SaleLine(1, TOWEL, 3)], context(coupon=coupon(kind=CouponKind.CASH_OFF)))
    assert refused.value.key == "coupon.no_eligible_items"


def test_a_product_flagged_to_combine_takes_offers_but_still_no_member_discount():
    combining = replace(TOWEL, special_price_combines=True)
    priced = price_sale([SaleLine(1, combining, 1)],
                        context(member=pricing_world.GOLD, coupon=coupon(value=100),
                                promotions=(promotion(code="ALL8", pay_rate_bp=8000),)))
    kinds = [reduction.kind for reduction in priced.lines[0].reductions]
    assert kinds == [ReductionKind.PROMOTION, ReductionKind.COUPON]
    assert priced.amount_due == 990 - 198 - 100


def test_points_still_pay_for_a_special_price_item():
    # Points are a way of paying, not an offer: 特价 items may be paid with them.
    rule = PointsOffsetRule(points_per_yuan=100, max_share_bp=5000)
    priced = price_sale([SaleLine(1, TOWEL, 1)],
                        context(points_rule=rule, points_requested=300, points_available=300))
    assert priced.points_offset == 300


# --- the top-up refusal names the largest top-up that fits -----------------------------------


def test_the_refusal_names_a_top_up_that_is_itself_accepted():
    # ¥4,500 held, limit ¥5,000: ¥500 fits, but tier 50000 gives ¥30 → ¥530 does not.
    held = CardBalances(principal=450000)
    with pytest.raises(InvalidInput) as refused:
        top_up(SV_CARD, SV, held, 50000, "op", SV_AT)
    assert refused.value.key == "topup.over_maximum"
    largest = refused.value.params["largest"]
    assert largest == 49999  # below the ¥500 tier: no bonus, ¥4,999.99
    top_up(SV_CARD, SV, held, largest, "op", SV_AT)  # the named amount is accepted
    with pytest.raises(InvalidInput):
        top_up(SV_CARD, SV, held, largest + 1, "op", SV_AT)


def test_the_largest_top_up_counts_the_bonus_of_its_own_tier():
    # room ¥1,200: ¥1,000 gets ¥100 bonus (¥1,100 fits); ¥1,100 would get ¥100 too (¥1,200).
    assert largest_top_up(SV.bonus_tiers, 120000) == 110000
    assert largest_top_up(SV.bonus_tiers, 109999) == 99999  # ¥1,000 + ¥100 no longer fits


def test_the_largest_top_up_is_found_past_a_tier_that_gives_less():
    # Every ¥100 gives ¥50 (repeat) below ¥500; from ¥500 a flat ¥100: more money, less bonus.
    tiers = (BonusTier(min_paid=10000, bonus=5000, repeat=True),
             BonusTier(min_paid=50000, bonus=10000))
    room = 65000
    largest = largest_top_up(tiers, room)
    assert largest + bonus_for(tiers, largest) <= room
    best_by_trying = max(paid for paid in range(1, room + 1)
                         if paid + bonus_for(tiers, paid) <= room)
    assert largest == best_by_trying == 55000


def test_a_full_card_is_told_no_top_up_fits():
    with pytest.raises(InvalidInput) as refused:
        top_up(SV_CARD, SV, CardBalances(principal=495000), 10000, "op", SV_AT)
    assert refused.value.key == "topup.balance_full"  # the minimum, ¥100, does not fit


# --- 每满减 with several tiers -------------------------------------------------------------------


def test_repeating_tiers_give_the_best_tier_so_more_spend_never_gives_less():
    each = pricing_world.promotion(PromotionKind.SPEND_SAVE, "MJ", repeat=True,
                                   tiers=(SpendTier(10000, 1000), SpendTier(30000, 2000)))
    # ¥300: 3 × ¥10 = ¥30 (the ¥100 tier), not the ¥300 tier's ¥20.
    assert spend_save_saving(each, 30000) == 3000
    savings = [spend_save_saving(each, subtotal) for subtotal in range(0, 100001, 500)]
    assert savings == sorted(savings)


def test_the_best_tier_respects_the_cap():
    capped = pricing_world.promotion(PromotionKind.SPEND_SAVE, "MJ", repeat=True, max_saving=2500,
                                     tiers=(SpendTier(10000, 1000), SpendTier(30000, 2000)))
    assert spend_save_saving(capped, 30000) == 2500


# --- identical units give back identical amounts ----------------------------------------------


def test_two_identical_units_paid_in_odd_parts_give_back_the_same_amount():
    before = refunds_world.history(old_points=0)
    sold = refunds_world.make_sale(
        before, lines=(SaleLine(1, refunds_world.LATTE, 2),), points_requested=0,
        tenders=(Tender(TenderKind.STORED_VALUE, 3001), Tender(TenderKind.CASH, 2039)))
    line = sold.record.lines[0]
    assert line.net == 5040 and line.bonus % 2 == 1  # the parts do not halve evenly
    ledger = [*before, *sold.entries]
    first = refunds_world.refund(sold.record, ledger, op_id="T01-201", quantities={1: 1})
    ledger += first.entries
    second = refunds_world.refund(sold.record, ledger, op_id="T01-202", prior=[first.record],
                                  quantities={1: 1})
    assert (first.record.amount, second.record.amount) == (2520, 2520)


def test_unit_shares_add_up_and_keep_units_within_a_fen():
    totals = [3671, 368, 3117]  # principal, bonus, cash of three units
    per_unit = [unit_shares(totals, unit, 1, 3) for unit in range(3)]
    assert [sum(parts) for parts in zip(*per_unit, strict=True)] == totals
    amounts = [sum(parts) for parts in per_unit]
    assert max(amounts) - min(amounts) <= 1
    assert unit_shares(totals, 0, 3, 3) == totals
    assert unit_shares([5001, 599], 0, 1, 2) == [2501, 299]  # ¥28.00 of ¥56.00, not ¥28.01
    with pytest.raises(ValueError):
        unit_shares(totals, 2, 2, 3)


# --- a session on a card that became unusable ---------------------------------------------------

STUDY = counter_world.STUDY  # ¥15 per started hour after 10 free minutes, at most ¥60
STARTED = datetime(2026, 11, 23, 10, 0)
ENDED = datetime(2026, 11, 23, 11, 10)  # 70 minutes: 1 hour, ¥15


def lost_member():
    lost = replace(counter_world.CARD, status=CardStatus.LOST)
    return counter_world.member(counter_world.money(45000, 5000), card=lost)


def test_the_ordinary_bill_refuses_a_card_lost_since_the_session_began():
    with pytest.raises(CardStateError) as refused:
        counter.close_session(counter_world.op(9, at=ENDED), lost_member(), STUDY, STARTED,
                              [Tender(TenderKind.CASH, 1500)])
    assert refused.value.key == "card.lost"


def test_a_lost_cards_session_is_billed_in_cash_with_a_managers_approval():
    decision = counter.close_session_in_money(counter_world.op(9, at=ENDED), lost_member(), STUDY,
                                              STARTED, [Tender(TenderKind.CASH, 2000)], "MGR1")
    assert decision.entries == ()  # nothing from the card
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 1500),), 2000, 500)
    payload = decision.events[0].payload
    assert (payload["minutes"], payload["units"], payload["amount_due"]) == (70, 1, 1500)
    assert (payload["pass"], payload["prepaid_minutes"]) == ("", 0)
    assert (payload["card_blocked"], payload["approved_by"]) == ("card.lost", "MGR1")


@pytest.mark.parametrize(("tenders", "approved_by", "key"), [
    ([Tender(TenderKind.CASH, 1500)], "", "time.needs_manager"),
    ([Tender(TenderKind.STORED_VALUE, 1500)], "MGR1", "tender.card_unusable"),
])
def test_billing_in_money_needs_a_manager_and_takes_nothing_from_the_card(
        tenders, approved_by, key):
    with pytest.raises((CardStateError, TenderError)) as refused:
        counter.close_session_in_money(counter_world.op(9, at=ENDED), lost_member(), STUDY,
                                       STARTED, tenders, approved_by)
    assert refused.value.key == key


def test_a_card_that_may_pay_is_not_billed_around_its_passes_and_balance():
    frozen_then_thawed = counter_world.member(counter_world.money(45000, 5000))
    with pytest.raises(CardStateError) as refused:
        counter.close_session_in_money(counter_world.op(9, at=ENDED), frozen_then_thawed, STUDY,
                                       STARTED, [Tender(TenderKind.CASH, 1500)], "MGR1")
    assert refused.value.key == "time.card_usable"


def test_a_frozen_cards_session_is_billed_too():
    frozen = replace(counter_world.CARD, status=CardStatus.FROZEN)
    decision = counter.close_session_in_money(
        counter_world.op(9, at=ENDED), counter_world.member(card=frozen), STUDY, STARTED,
        [Tender(TenderKind.WECHAT, 1500, reference="wx-1")], "MGR1")
    assert decision.events[0].payload["card_blocked"] == "card.frozen"
    assert decision.settlement is not None and decision.settlement.amount_of(
        TenderKind.WECHAT) == 1500


def test_hq_bills_the_cash_session_again_and_agrees():
    decision = counter.close_session_in_money(counter_world.op(9, at=ENDED), lost_member(), STUDY,
                                              STARTED, [Tender(TenderKind.CASH, 1500)], "MGR1")
    payload = decision.events[0].payload
    never_a_pass = lambda lot, service, day: False  # noqa: E731
    assert session_reason(payload, decision.entries, STARTED, ENDED, [STUDY], never_a_pass) == ""
    short = {**payload, "amount_due": 1000}
    assert session_reason(short, decision.entries, STARTED, ENDED, [STUDY], never_a_pass) != ""
