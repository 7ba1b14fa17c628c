"""Pricing a sale: worked examples a cashier can check by hand, each stacking rule, properties."""

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.cards import CardType, Feature
from membership.catalogue import Catalogue, Product, SaleLine, validate_sale_lines
from membership.coupons import Coupon, CouponKind
from membership.errors import ConfigError, CouponError, InvalidInput, PointsError, PromotionError
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
from membership.promotions import Promotion, PromotionKind, SpendTier

AT = datetime(2024, 6, 14, 15, 0)  # a Friday afternoon
STORE = "S001"
SHAMPOO = Product("P01", "洗发水", "retail", 1999)
CUT = Product("S01", "洗剪吹", "service", 8800, is_service=True)
TEA = Product("D01", "奶茶", "drinks", 500)
JUICE = Product("D02", "果汁", "drinks", 800)
SPECIAL = Product("P99", "特价毛巾", "retail", 990, member_discount=False)
GOLD = MemberPricing(level_code="GOLD", level_discount_bp=8800, member_id="M1")
DISCOUNT_CARD = CardType(code="VIP85", name="八五折卡", features=frozenset({Feature.DISCOUNT}),
                         discount_bp=8500)



@contextmanager
def raises_key(error_type, key):
    """The block raises `error_type` with exactly this message key."""
    with pytest.raises(error_type) as caught:
        yield
    assert caught.value.key == key

def context(**overrides) -> PricingContext:
    return PricingContext(at=AT, store_id=STORE, **overrides)


def promotion(kind=PromotionKind.TIMED_DISCOUNT, code="PR1", **fields) -> Promotion:
    fields.setdefault("starts_at", AT - timedelta(days=1))
    fields.setdefault("ends_at", AT + timedelta(days=1))
    return Promotion(code=code, name=code, kind=kind, **fields)


def spend_save(code="MJ", tiers=((30000, 3000),), **fields) -> Promotion:
    return promotion(PromotionKind.SPEND_SAVE, code,
                     tiers=tuple(SpendTier(t, s) for t, s in tiers), **fields)


def coupon(kind=CouponKind.CASH_OFF, **fields) -> Coupon:
    fields.setdefault("value", 2000 if kind is CouponKind.CASH_OFF else 0)
    fields.setdefault("valid_from", AT - timedelta(days=1))
    fields.setdefault("valid_until", AT + timedelta(days=1))
    return Coupon(code="C1", kind=kind, **fields)


def amounts(line, kind):
    return [r.amount for r in line.reductions if r.kind is kind]


# --- catalogue and sale lines ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("build", "key"),
    [(lambda: Product("", "x", "c", 100), "catalogue.code_missing"),
     (lambda: Product("P", "x", "c", -1), "catalogue.price_negative"),
     (lambda: SaleLine(1, TEA, 0), "sale.qty_not_positive"),
     (lambda: SaleLine(1, TEA, -2), "sale.qty_not_positive"),
     (lambda: SaleLine(0, TEA, 1), "sale.line_no_invalid"),
     (lambda: validate_sale_lines([]), "sale.empty"),
     (lambda: validate_sale_lines([SaleLine(1, TEA, 1), SaleLine(1, JUICE, 1)]),
      "sale.duplicate_line_no"),
     (lambda: Catalogue([TEA, TEA]), "catalogue.duplicate_code"),
     (lambda: Catalogue([TEA]).product("NOPE"), "catalogue.unknown_product")],
)
def test_invalid_catalogue_and_lines_are_rejected_with_a_key(build, key):
    with pytest.raises(InvalidInput) as caught:
        build()
    assert caught.value.key == key


def test_catalogue_finds_products_by_code():
    catalogue = Catalogue([TEA, JUICE])
    assert catalogue.product("D02") is JUICE and "D01" in catalogue and len(catalogue) == 2


def test_price_sale_rejects_duplicate_line_numbers():
    with raises_key(InvalidInput, "sale.duplicate_line_no"):
        price_sale([SaleLine(1, TEA, 1), SaleLine(1, TEA, 2)], context())


# --- no reductions, member discount -----------------------------------------------------------

def test_a_guest_without_promotions_pays_the_gross():
    sale = price_sale([SaleLine(1, SHAMPOO, 3), SaleLine(2, TEA, 2)], context())
    # 3 × 19.99 + 2 × 5.00 = 59.97 + 10.00 = 69.97
    assert (sale.gross, sale.amount_due, sale.total_reduction) == (6997, 6997, 0)
    assert all(line.reductions == () and line.net == line.gross for line in sale.lines)
    assert sale.applied == ()


def test_member_level_discount_worked_example():
    # 3 × ¥19.99 = 59.97 at 8.8折: 5997 × 0.88 = 5277.36 → ¥52.77, a reduction of ¥7.20
    sale = price_sale([SaleLine(1, SHAMPOO, 3)], context(member=GOLD))
    (line,) = sale.lines
    assert line.net == 5277 and sale.amount_due == 5277
    assert [(r.kind, r.source, r.amount) for r in line.reductions] == [
        (ReductionKind.MEMBER_DISCOUNT, "GOLD", 720)]


def test_the_lower_of_level_rate_and_card_type_rate_applies():
    member = MemberPricing(level_code="SILVER", level_discount_bp=9500,
                           level_category_discount_bp={"drinks": 7000}, card_type=DISCOUNT_CARD)
    sale = price_sale([SaleLine(1, SHAMPOO, 1), SaleLine(2, TEA, 2)], context(member=member))
    shampoo, tea = sale.lines
    # shampoo: card 8.5折 beats level 9.5折: 1999 × 0.85 = 1699.15 → 1699
    assert shampoo.net == 1699 and shampoo.reductions[0].source == "VIP85"
    # tea: the level's drinks rate 7折 beats the card: 1000 × 0.7 = 700
    assert tea.net == 700 and tea.reductions[0].source == "SILVER"


def test_a_level_without_a_code_is_named_level():
    sale = price_sale([SaleLine(1, TEA, 1)], context(member=MemberPricing(level_discount_bp=9000)))
    assert sale.lines[0].reductions[0].source == "level" and sale.amount_due == 450


def test_special_price_items_get_no_member_discount():
    sale = price_sale([SaleLine(1, SPECIAL, 2), SaleLine(2, TEA, 1)], context(member=GOLD))
    special, tea = sale.lines
    assert special.reductions == () and special.net == 1980
    assert tea.net == 440  # 500 × 0.88


def test_member_pricing_rejects_rates_out_of_range():
    with raises_key(ConfigError, "config.rate_out_of_range"):
        MemberPricing(level_discount_bp=10001)
    with raises_key(ConfigError, "config.rate_out_of_range"):
        MemberPricing(level_category_discount_bp={"drinks": -1})


# --- rule 1 and 2: line promotions against the member discount --------------------------------

def test_a_timed_discount_beats_a_smaller_member_discount():
    # 8折 on 5997: 4797.6 → 4798 (saves 1199); 8.8折 would save only 720
    sale = price_sale([SaleLine(1, SHAMPOO, 3)], context(
        member=GOLD, promotions=(promotion(pay_rate_bp=8000),)))
    (line,) = sale.lines
    assert [(r.kind, r.source, r.amount) for r in line.reductions] == [
        (ReductionKind.PROMOTION, "PR1", 1199)]
    assert sale.applied == ("PR1",)


def test_a_larger_member_discount_beats_the_promotion_which_then_does_not_apply():
    # member 7折: 5997 × 0.7 = 4197.9 → 4198 (saves 1799) beats 8折 (saves 1199)
    member = MemberPricing(level_code="DIAMOND", level_discount_bp=7000)
    sale = price_sale([SaleLine(1, SHAMPOO, 3)], context(
        member=member, promotions=(promotion(pay_rate_bp=8000),)))
    assert amounts(sale.lines[0], ReductionKind.MEMBER_DISCOUNT) == [1799]
    assert amounts(sale.lines[0], ReductionKind.PROMOTION) == []
    assert sale.applied == ()


def test_on_a_tie_the_member_discount_wins():
    sale = price_sale([SaleLine(1, SHAMPOO, 3)], context(
        member=GOLD, promotions=(promotion(pay_rate_bp=8800),)))
    assert [r.kind for r in sale.lines[0].reductions] == [ReductionKind.MEMBER_DISCOUNT]
    assert sale.applied == ()


def test_member_discount_on_top_of_the_promotion_when_the_rules_say_so():
    # 8折 first: 4798; then 8.8折 of 4798 = 4222.24 → 4222 (member saves 576)
    sale = price_sale([SaleLine(1, SHAMPOO, 3)], context(
        member=GOLD, promotions=(promotion(pay_rate_bp=8000),),
        stacking=StackingRules(member_discount_on_promoted_lines=True)))
    (line,) = sale.lines
    assert [(r.kind, r.amount) for r in line.reductions] == [
        (ReductionKind.PROMOTION, 1199), (ReductionKind.MEMBER_DISCOUNT, 576)]
    assert line.net == 4222


def test_of_two_line_promotions_only_the_larger_applies():
    promotions = (promotion(code="NINE", pay_rate_bp=9000),
                  promotion(code="EIGHT", pay_rate_bp=8000))
    sale = price_sale([SaleLine(1, TEA, 2)], context(promotions=promotions))
    assert [(r.source, r.amount) for r in sale.lines[0].reductions] == [("EIGHT", 200)]
    assert sale.applied == ("EIGHT",)


def test_buy_two_get_one_on_seven_units_gives_two_free():
    # 7 teas: two full groups of 3 → 2 free → 7 × 5.00 − 2 × 5.00 = 25.00
    bxgy = promotion(PromotionKind.BUY_X_GET_Y, "B2G1", buy_qty=2, free_qty=1)
    sale = price_sale([SaleLine(1, TEA, 7)], context(promotions=(bxgy,)))
    assert sale.lines[0].net == 2500 and sale.applied == ("B2G1",)


def test_buy_two_get_one_across_lines_frees_the_cheapest_unit():
    bxgy = promotion(PromotionKind.BUY_X_GET_Y, "B2G1", categories=frozenset({"drinks"}),
                     buy_qty=2, free_qty=1)
    lines = [SaleLine(1, JUICE, 2), SaleLine(2, TEA, 1), SaleLine(3, SHAMPOO, 5)]
    sale = price_sale(lines, context(promotions=(bxgy,)))
    juice, tea, shampoo = sale.lines
    # 2 juices + 1 tea = 3 drinks → 1 free, the tea (¥5.00) being the cheapest
    assert (juice.net, tea.net, shampoo.net) == (1600, 0, 9995)
    separate = price_sale(lines, context(
        promotions=(bxgy,), stacking=StackingRules(buy_x_get_y_across_lines=False)))
    assert separate.total_reduction == 0


def test_a_timed_discount_and_buy_x_get_y_on_one_line_the_larger_wins():
    bxgy = promotion(PromotionKind.BUY_X_GET_Y, "B2G1", buy_qty=2, free_qty=1)
    timed = promotion(code="HALF", pay_rate_bp=5000)
    sale = price_sale([SaleLine(1, TEA, 3)], context(promotions=(bxgy, timed)))
    # buy 2 get 1 saves 500; half price saves 750
    assert [(r.source, r.amount) for r in sale.lines[0].reductions] == [("HALF", 750)]
    assert sale.applied == ("HALF",)


def test_promotion_scope_by_product_and_category():
    by_product = promotion(code="TEA8", products=frozenset({"D01"}), pay_rate_bp=8000)
    by_category = promotion(code="RETAIL9", categories=frozenset({"retail"}), pay_rate_bp=9000)
    lines = [SaleLine(1, TEA, 1), SaleLine(2, JUICE, 1), SaleLine(3, SPECIAL, 1)]
    tea, juice, special = price_sale(lines, context(promotions=(by_product, by_category))).lines
    assert (tea.net, juice.net, special.net) == (400, 800, 891)  # 990 × 0.9 = 891


def test_inactive_promotions_are_ignored():
    expired = promotion(code="OLD", pay_rate_bp=5000, starts_at=AT - timedelta(days=7), ends_at=AT)
    elsewhere = promotion(code="OTHER", pay_rate_bp=5000, stores=frozenset({"S999"}))
    members = promotion(code="VIP", pay_rate_bp=5000, members_only=True)
    monday = promotion(code="MON", pay_rate_bp=5000, weekdays=frozenset({0}))
    promotions = (expired, elsewhere, members, monday)
    sale = price_sale([SaleLine(1, TEA, 2)], context(promotions=promotions))
    assert sale.total_reduction == 0 and sale.applied == ()
    as_member = price_sale([SaleLine(1, TEA, 2)], context(member=MemberPricing(),
                                                          promotions=promotions))
    assert as_member.applied == ("VIP",) and as_member.amount_due == 500


def test_duplicate_promotion_codes_are_rejected():
    with raises_key(PromotionError, "promotion.duplicate_code"):
        context(promotions=(promotion(pay_rate_bp=9000), promotion(pay_rate_bp=8000)))


# --- rule 3: 满减 ---------------------------------------------------------------------------

def test_spend_save_is_spread_over_the_lines_in_proportion():
    a = Product("A", "A", "retail", 10000)
    b = Product("B", "B", "retail", 15000)
    sale = price_sale([SaleLine(1, a, 2), SaleLine(2, b, 1)], context(promotions=(spend_save(),)))
    # ¥350 ≥ ¥300 → ¥30 off: 3000 × 200/350 = 1714.29 → 1714, 3000 × 150/350 = 1285.71 → 1286
    assert [amounts(line, ReductionKind.ORDER_PROMOTION) for line in sale.lines] == [[1714], [1286]]
    assert sale.amount_due == 32000 and sale.applied == ("MJ",)


def test_spend_save_threshold_is_checked_after_the_member_discount():
    item = Product("A", "A", "retail", 31000)
    guest = price_sale([SaleLine(1, item, 1)], context(promotions=(spend_save(),)))
    assert guest.amount_due == 28000  # 310 − 30
    member = MemberPricing(level_code="L", level_discount_bp=9500)
    sale = price_sale([SaleLine(1, item, 1)], context(member=member, promotions=(spend_save(),)))
    assert sale.amount_due == 29450 and sale.applied == ()  # 310 × 0.95 = 294.50 < 300


def test_spend_save_highest_tier_and_repeat():
    item = Product("A", "A", "retail", 65000)
    tiers = ((30000, 3000), (50000, 6000))
    sale = price_sale([SaleLine(1, item, 1)], context(promotions=(spend_save(tiers=tiers),)))
    assert sale.total_reduction == 6000  # ¥650 meets the ¥500 tier
    each = spend_save(tiers=((30000, 3000),), repeat=True)
    sale = price_sale([SaleLine(1, item, 1)], context(promotions=(each,)))
    assert sale.total_reduction == 6000  # 每满300减30: two full ¥300 in ¥650
    capped = spend_save(tiers=((10000, 1000),), repeat=True, max_saving=5000)
    sale = price_sale([SaleLine(1, item, 1)], context(promotions=(capped,)))
    assert sale.total_reduction == 5000  # six times ¥10 would be ¥60, capped at ¥50


def test_only_the_best_spend_save_applies_and_only_to_its_scope():
    drinks_only = spend_save(code="DRINKS", tiers=((1000, 300),), categories=frozenset({"drinks"}))
    everything = spend_save(code="ALL", tiers=((1000, 200),))
    lines = [SaleLine(1, TEA, 2), SaleLine(2, SHAMPOO, 1)]
    sale = price_sale(lines, context(promotions=(everything, drinks_only)))
    tea, shampoo = sale.lines
    assert amounts(tea, ReductionKind.ORDER_PROMOTION) == [300] and shampoo.reductions == ()
    assert sale.applied == ("DRINKS",)


# --- rule 4: coupon -------------------------------------------------------------------------

def test_cash_coupon_after_spend_save():
    item = Product("A", "A", "retail", 40000)
    sale = price_sale([SaleLine(1, item, 1)], context(
        promotions=(spend_save(),), coupon=coupon(min_spend=35000)))
    # 400 − 30 (满减) = 370 ≥ 350 → − 20 (coupon) = 350
    assert sale.amount_due == 35000 and sale.applied == ("MJ", "C1")
    assert amounts(sale.lines[0], ReductionKind.COUPON) == [2000]


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
