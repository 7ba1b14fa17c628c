"""Pricing a sale: worked examples a cashier can check by hand, each stacking rule, properties."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.catalogue import Product, SaleLine
from membership.coupons import CouponKind
from membership.errors import ConfigError, CouponError, InvalidInput, PointsError
from membership.money import apply_rate
from membership.pricing import (
    MemberPricing,
    PointsOffsetRule,
    PricingContext,
    ReductionKind,
    StackingRules,
    points_offset,
    price_sale,
)
from membership.promotions import PromotionKind
from tests.support.pricing_world import (
    AT,
    CUT,
    GOLD,
    JUICE,
    SHAMPOO,
    TEA,
    amounts,
    context,
    coupon,
    promotion,
    raises_key,
    spend_save,
)


def test_cash_coupon_never_exceeds_the_eligible_subtotal():
    sale = price_sale([SaleLine(1, TEA, 1), SaleLine(2, SHAMPOO, 1)], context(
        coupon=coupon(value=5000, categories=frozenset({"drinks"}))))
    tea, shampoo = sale.lines
    assert tea.net == 0 and amounts(tea, ReductionKind.COUPON) == [500]
    assert shampoo.net == 1999 and sale.amount_due == 1999


def test_percent_coupon_with_and_without_cap():
    lines = [SaleLine(1, JUICE, 10)]  # ¥80.00
    sale = price_sale(lines, context(coupon=coupon(CouponKind.PERCENT_OFF, pay_rate_bp=9000)))
    assert sale.amount_due == 7200  # 9折
    capped = coupon(CouponKind.PERCENT_OFF, pay_rate_bp=9000, max_off=500)
    assert price_sale(lines, context(coupon=capped)).amount_due == 7500  # at most ¥5 off


def test_gift_coupon_appends_a_free_line():
    gift = coupon(CouponKind.GIFT_ITEM, gift_product=JUICE)
    sale = price_sale([SaleLine(3, TEA, 2)], context(coupon=gift))
    tea, present = sale.lines
    assert present.is_gift and not tea.is_gift
    assert (present.line.line_no, present.line.qty, present.gross, present.net) == (4, 1, 800, 0)
    assert [(r.kind, r.source, r.amount) for r in present.reductions] == [
        (ReductionKind.COUPON, "C1", 800)]
    assert sale.amount_due == 1000 and sale.gross == 1800 and sale.total_reduction == 800
    assert sale.applied == ("C1",)


@pytest.mark.parametrize(
    ("fields", "ctx", "key"),
    [({"used": True}, {}, "coupon.used"),
     ({"valid_from": AT + timedelta(seconds=1), "valid_until": AT + timedelta(days=2)}, {},
      "coupon.not_yet_valid"),
     ({"valid_until": AT - timedelta(seconds=1), "valid_from": AT - timedelta(days=9)}, {},
      "coupon.expired"),
     ({"stores": frozenset({"S999"})}, {}, "coupon.wrong_store"),
     ({"member_id": "M2"}, {"member": GOLD}, "coupon.wrong_member"),
     ({"member_id": "M1"}, {}, "coupon.wrong_member"),
     ({"min_spend": 1001}, {}, "coupon.min_spend"),
     ({"categories": frozenset({"service"})}, {}, "coupon.no_eligible_items"),
     ({"stackable_with_promotions": False}, {"promotions": (promotion(pay_rate_bp=9000),)},
      "coupon.not_stackable")],
)
def test_coupon_errors(fields, ctx, key):
    with pytest.raises(CouponError) as caught:
        price_sale([SaleLine(1, TEA, 2)], context(coupon=coupon(**fields), **ctx))
    assert caught.value.key == key


def test_coupon_min_spend_counts_only_eligible_lines_after_promotions():
    drinks_coupon = coupon(min_spend=1000, categories=frozenset({"drinks"}))
    lines = [SaleLine(1, TEA, 2), SaleLine(2, SHAMPOO, 5)]
    assert price_sale(lines, context(coupon=drinks_coupon)).amount_due == 9995  # 1000−1000 + 9995
    with raises_key(CouponError, "coupon.min_spend"):
        price_sale(lines, context(coupon=drinks_coupon, member=GOLD))  # teas 880 < 1000


def test_a_member_coupon_is_usable_by_its_member_and_a_member_discount_is_no_promotion():
    own = coupon(member_id="M1", stackable_with_promotions=False, value=100)
    sale = price_sale([SaleLine(1, TEA, 2)], context(coupon=own, member=GOLD))
    assert sale.amount_due == 780 and sale.applied == ("C1",)  # 1000 × 0.88 − 100


def test_a_non_stackable_coupon_is_fine_when_the_promotion_did_not_apply():
    later = promotion(pay_rate_bp=5000, products=frozenset({"X"}))
    sale = price_sale([SaleLine(1, TEA, 2)], context(
        promotions=(later,), coupon=coupon(stackable_with_promotions=False, value=100)))
    assert sale.amount_due == 900


# --- rule 5: points -------------------------------------------------------------------------

HALF_CAP = PointsOffsetRule(points_per_yuan=100, max_share_bp=5000)


def test_points_offset_is_capped_at_the_share_of_the_amount():
    # ¥50 due, at most half by points: 100 points = ¥1 → 2500 points give ¥25
    sale = price_sale([SaleLine(1, TEA, 10)], context(
        points_requested=10000, points_available=10000, points_rule=HALF_CAP))
    assert (sale.points_used, sale.points_offset, sale.amount_due) == (2500, 2500, 2500)
    assert sale.lines[0].points_offset == 2500


def test_points_offset_uses_only_the_points_that_were_needed():
    rule = PointsOffsetRule(points_per_yuan=1, max_share_bp=5000)  # 1 point = ¥1
    # ¥9.90 due, cap ¥4.95: 5 points would be ¥5.00 > cap, so 4 points for ¥4.00
    assert points_offset(rule, 10, 990) == (4, 400)
    # ¥9.99 due, cap 499.5 → ¥5.00: 5 points
    assert points_offset(rule, 10, 999) == (5, 500)
    odd = PointsOffsetRule(points_per_yuan=150, max_share_bp=10000)
    # 1000 points = 666.67 fen → 666 fen, which 999 points already buy
    assert points_offset(odd, 1000, 100000) == (999, 666)


def test_points_are_applied_after_the_coupon_and_spread_over_lines():
    lines = [SaleLine(1, TEA, 2), SaleLine(2, JUICE, 1)]  # 1000 + 800
    sale = price_sale(lines, context(coupon=coupon(value=800), points_requested=500,
                                     points_available=600, points_rule=HALF_CAP))
    # coupon 800 split 1000:800 → 444 + 356, leaving 556 + 444 = 1000; cap half = 500;
    # 500 points = ¥5 split 556:444 → 278 + 222
    assert sale.points_used == 500 and sale.amount_due == 500
    assert [line.points_offset for line in sale.lines] == [278, 222]
    assert [amounts(line, ReductionKind.COUPON) for line in sale.lines] == [[444], [356]]


@pytest.mark.parametrize(
    ("requested", "available", "rule", "key"),
    [(200, 100, HALF_CAP, "points.insufficient"),
     (50, 100, PointsOffsetRule(100, 5000, min_points=100), "points.below_minimum"),
     (50, 100, None, "points.not_accepted")],
)
def test_points_errors(requested, available, rule, key):
    with pytest.raises(PointsError) as caught:
        price_sale([SaleLine(1, TEA, 10)], context(
            points_requested=requested, points_available=available, points_rule=rule))
    assert caught.value.key == key


def test_negative_points_and_bad_rules_are_rejected():
    with raises_key(PointsError, "points.negative"):
        context(points_requested=-1)
    with raises_key(ConfigError, "config.points_rule_invalid"):
        PointsOffsetRule(points_per_yuan=0, max_share_bp=5000)
    with raises_key(InvalidInput, "pricing.store_missing"):
        PricingContext(at=AT, store_id="")


def test_points_below_the_minimum_after_the_cap_give_no_offset():
    rule = PointsOffsetRule(points_per_yuan=100, max_share_bp=5000, min_points=100)
    sale = price_sale([SaleLine(1, Product("X", "X", "retail", 100), 1)], context(
        points_requested=500, points_available=500, points_rule=rule))
    assert sale.points_used == 0 and sale.amount_due == 100  # cap 50 points < 100


# --- rule 6: count-package lines ------------------------------------------------------------

def test_count_lines_are_never_reduced_and_not_due():
    lines = [SaleLine(1, CUT, 1, use_count=True), SaleLine(2, SHAMPOO, 1)]
    sale = price_sale(lines, context(
        member=GOLD, promotions=(promotion(pay_rate_bp=5000), spend_save(tiers=((1000, 500),))),
        coupon=coupon(value=100), points_requested=100, points_available=100,
        points_rule=HALF_CAP))
    cut, shampoo = sale.lines
    assert cut.reductions == () and cut.net == 8800
    assert sale.count_value == 8800
    # shampoo: 1999 × 0.5 = 999.5 → 1000, 满减 10→5 off: 500, coupon 100: 400, 100 points: 300
    assert shampoo.net == 300 and sale.amount_due == 300 and sale.points_used == 100
    assert sale.gross == 8800 + 1999


# --- properties -----------------------------------------------------------------------------

products = st.builds(
    Product, code=st.sampled_from(["A", "B", "C", "D"]), name=st.just("n"),
    category=st.sampled_from(["x", "y"]), unit_price=st.integers(0, 50_000),
    member_discount=st.booleans())
sale_lines = st.lists(st.tuples(products, st.integers(1, 12), st.booleans()),
                      min_size=1, max_size=8).map(
    lambda items: [SaleLine(no, p, q, use_count=c) for no, (p, q, c) in enumerate(items, 1)])
rates = st.integers(0, 9999)
scopes = st.sampled_from([frozenset(), frozenset({"x"})])
promotion_sets = st.tuples(
    st.builds(lambda r, c: promotion(code="T", pay_rate_bp=r, categories=c), rates, scopes),
    st.builds(lambda b, f, c: promotion(PromotionKind.BUY_X_GET_Y, "B", buy_qty=b, free_qty=f,
                                        categories=c),
              st.integers(1, 4), st.integers(1, 3), scopes),
    st.builds(lambda t, s, r: spend_save(tiers=((t, min(s, t)),), repeat=r),
              st.integers(1, 100_000), st.integers(1, 20_000), st.booleans()),
)
coupons = st.one_of(
    st.none(),
    st.builds(lambda v: coupon(value=v), st.integers(1, 100_000)),
    st.builds(lambda r, m: coupon(CouponKind.PERCENT_OFF, pay_rate_bp=r, max_off=m),
              rates, st.one_of(st.none(), st.integers(1, 10_000))),
    st.builds(lambda p: coupon(CouponKind.GIFT_ITEM, gift_product=p), products),
)


@settings(max_examples=200, deadline=None)
@given(lines=sale_lines, promotions=promotion_sets, member_rate=st.one_of(st.none(), rates),
       on_top=st.booleans(), the_coupon=coupons, points=st.integers(0, 200_000),
       per_yuan=st.integers(1, 300), share=st.integers(0, 10_000))
def test_pricing_invariants(lines, promotions, member_rate, on_top, the_coupon, points,
                            per_yuan, share):
    member = None if member_rate is None else MemberPricing(level_discount_bp=member_rate)
    rule = PointsOffsetRule(points_per_yuan=per_yuan, max_share_bp=share)
    try:
        sale = price_sale(lines, context(
            member=member, promotions=promotions, coupon=the_coupon, points_requested=points,
            points_available=points, points_rule=rule,
            stacking=StackingRules(member_discount_on_promoted_lines=on_top)))
    except CouponError as error:
        assert error.key in {"coupon.no_eligible_items", "coupon.min_spend"}
        return
    assert sum(line.net for line in sale.lines) + sale.total_reduction == sale.gross
    for line in sale.lines:
        assert all(r.amount > 0 for r in line.reductions)
        assert sum(r.amount for r in line.reductions) <= line.gross
        assert line.net == line.gross - sum(r.amount for r in line.reductions) >= 0
        assert not (line.line.use_count and line.reductions)
    assert sale.amount_due >= 0
    cap = apply_rate(sale.amount_due + sale.points_offset, share)
    assert sale.points_offset <= cap
    assert sale.points_used <= points
    assert sale.points_used * 100 // per_yuan == sale.points_offset
    assert sum(line.points_offset for line in sale.lines) == sale.points_offset
    assert sale.count_value == sum(line.gross for line in sale.lines if line.line.use_count)
