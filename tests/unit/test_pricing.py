"""Pricing a sale: worked examples a cashier can check by hand, each stacking rule, properties."""

from dataclasses import replace
from datetime import timedelta

import pytest

from membership.catalogue import Catalogue, Product, SaleLine, validate_sale_lines
from membership.errors import ConfigError, InvalidInput, PromotionError
from membership.pricing import (
    MemberPricing,
    ReductionKind,
    StackingRules,
    price_sale,
)
from membership.promotions import PromotionKind
from tests.support.pricing_world import (
    AT,
    DISCOUNT_CARD,
    GOLD,
    JUICE,
    SHAMPOO,
    SPECIAL,
    TEA,
    amounts,
    context,
    coupon,
    promotion,
    raises_key,
    spend_save,
)


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
    assert (tea.net, juice.net, special.net) == (400, 800, 990)  # 特价不参与其他优惠
    combining = replace(SPECIAL, special_price_combines=True)
    lines[2] = SaleLine(3, combining, 1)
    special = price_sale(lines, context(promotions=(by_product, by_category))).lines[2]
    assert special.net == 891  # 990 × 0.9 = 891


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
