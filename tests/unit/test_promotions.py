"""Promotions: when they are active, their scope, what each kind saves, invalid configuration."""

from datetime import datetime, time, timedelta

import pytest

from membership.catalogue import Product, SaleLine
from membership.errors import PromotionError
from membership.promotions import (
    Promotion,
    PromotionKind,
    SpendTier,
    covers,
    is_active,
    line_savings,
    spend_save_saving,
)

FRIDAY_3PM = datetime(2024, 6, 14, 15, 0)
TEA = Product("D01", "奶茶", "drinks", 500)
CAKE = Product("B01", "蛋糕", "bakery", 1200)


def promotion(kind=PromotionKind.TIMED_DISCOUNT, **fields) -> Promotion:
    fields.setdefault("starts_at", datetime(2024, 6, 1))
    fields.setdefault("ends_at", datetime(2024, 7, 1))
    if kind == PromotionKind.TIMED_DISCOUNT:
        fields.setdefault("pay_rate_bp", 8000)
    return Promotion(code=fields.pop("code", "P"), name="促销", kind=kind, **fields)


def test_active_inside_its_dates_and_not_at_its_end():
    summer = promotion()
    assert is_active(summer, FRIDAY_3PM, "S1", is_member=False)
    assert is_active(summer, datetime(2024, 6, 1), "S1", False)  # the first instant counts
    assert not is_active(summer, datetime(2024, 7, 1), "S1", False)  # ends_at is exclusive
    assert not is_active(summer, datetime(2024, 5, 31, 23, 59), "S1", False)


def test_store_scope():
    two_stores = promotion(stores=frozenset({"S1", "S2"}))
    assert is_active(two_stores, FRIDAY_3PM, "S2", False)
    assert not is_active(two_stores, FRIDAY_3PM, "S3", False)


def test_weekdays_monday_is_zero():
    weekend = promotion(weekdays=frozenset({5, 6}))
    assert not is_active(weekend, FRIDAY_3PM, "S1", False)
    assert is_active(weekend, FRIDAY_3PM + timedelta(days=1), "S1", False)  # Saturday
    friday = promotion(weekdays=frozenset({4}))
    assert is_active(friday, FRIDAY_3PM, "S1", False)


@pytest.mark.parametrize(
    ("start", "until", "now", "active"),
    [(time(14), time(17), time(15), True),
     (time(14), time(17), time(17), False),  # the end of the window is exclusive
     (time(14), time(17), time(13, 59), False),
     (time(22), time(2), time(23, 30), True),  # 夜场 across midnight
     (time(22), time(2), time(1, 59), True),
     (time(22), time(2), time(15), False),
     (time(16), None, time(15), False),
     (None, time(16), time(15), True)],
)
def test_daily_window(start, until, now, active):
    happy_hour = promotion(daily_from=start, daily_until=until)
    at = datetime.combine(FRIDAY_3PM.date(), now)
    assert is_active(happy_hour, at, "S1", False) is active


def test_members_only_needs_a_member():
    vip = promotion(members_only=True)
    assert not is_active(vip, FRIDAY_3PM, "S1", is_member=False)
    assert is_active(vip, FRIDAY_3PM, "S1", is_member=True)


def test_scope_by_product_or_category_and_empty_means_everything():
    assert covers(promotion(), TEA) and covers(promotion(), CAKE)
    by_product = promotion(products=frozenset({"D01"}))
    assert covers(by_product, TEA) and not covers(by_product, CAKE)
    either = promotion(products=frozenset({"D01"}), categories=frozenset({"bakery"}))
    assert covers(either, TEA) and covers(either, CAKE)


def test_timed_discount_savings_per_line():
    lines = [SaleLine(1, TEA, 3), SaleLine(2, CAKE, 1, use_count=True)]
    # 1500 × 0.8 = 1200 → saves 300; the count-paid line takes no part
    assert line_savings(promotion(), lines) == {0: 300}


def test_buy_x_get_y_pools_units_and_frees_the_cheapest():
    b3g2 = promotion(PromotionKind.BUY_X_GET_Y, buy_qty=3, free_qty=2)
    lines = [SaleLine(1, CAKE, 4), SaleLine(2, TEA, 1), SaleLine(3, TEA, 1)]
    # 6 units → one group of 5 → 2 free: the two teas (line 2, then line 3)
    assert line_savings(b3g2, lines) == {1: 500, 2: 500}
    # ten cakes → two groups → 4 cakes free
    assert line_savings(b3g2, [SaleLine(1, CAKE, 10)]) == {0: 4800}
    assert line_savings(b3g2, lines, pool_across_lines=False) == {}


def test_buy_x_get_y_spills_over_to_the_next_cheapest_line():
    b1g1 = promotion(PromotionKind.BUY_X_GET_Y, buy_qty=1, free_qty=1)
    lines = [SaleLine(1, CAKE, 3), SaleLine(2, TEA, 1)]
    # 4 units → 2 free: the tea and one cake
    assert line_savings(b1g1, lines) == {1: 500, 0: 1200}


def test_spend_save_tiers():
    tiers = (SpendTier(50000, 6000), SpendTier(30000, 3000))  # given out of order on purpose
    mj = promotion(PromotionKind.SPEND_SAVE, tiers=tiers)
    assert mj.tiers[0].threshold == 30000
    assert [spend_save_saving(mj, s) for s in (29999, 30000, 49999, 50000, 90000)] == [
        0, 3000, 3000, 6000, 6000]
    each = promotion(PromotionKind.SPEND_SAVE, tiers=(SpendTier(30000, 3000),), repeat=True)
    assert [spend_save_saving(each, s) for s in (29999, 65000, 90000)] == [0, 6000, 9000]


@pytest.mark.parametrize(
    ("fields", "key"),
    [({"code": ""}, "promotion.code_missing"),
     ({"kind": "bogus"}, "promotion.unknown_kind"),
     ({"ends_at": datetime(2024, 6, 1)}, "promotion.dates_out_of_order"),
     ({"weekdays": frozenset({7})}, "promotion.weekday_invalid"),
     ({"daily_from": time(9), "daily_until": time(9)}, "promotion.daily_window_empty"),
     ({"pay_rate_bp": 10000}, "promotion.rate_out_of_range"),
     ({"pay_rate_bp": -1}, "promotion.rate_out_of_range"),
     ({"kind": PromotionKind.SPEND_SAVE}, "promotion.tiers_missing"),
     ({"kind": PromotionKind.SPEND_SAVE, "tiers": (SpendTier(100, 200),)},
      "promotion.tier_invalid"),
     ({"kind": PromotionKind.SPEND_SAVE, "tiers": (SpendTier(100, 0),)}, "promotion.tier_invalid"),
     ({"kind": PromotionKind.SPEND_SAVE, "tiers": (SpendTier(100, 10), SpendTier(100, 20))},
      "promotion.tiers_inconsistent"),
     ({"kind": PromotionKind.SPEND_SAVE, "tiers": (SpendTier(100, 50), SpendTier(300, 20))},
      "promotion.tiers_inconsistent"),
     ({"kind": PromotionKind.SPEND_SAVE, "tiers": (SpendTier(100, 10),), "max_saving": 0},
      "promotion.max_saving_not_positive"),
     ({"kind": PromotionKind.BUY_X_GET_Y, "buy_qty": 2}, "promotion.buy_free_invalid"),
     ({"kind": PromotionKind.BUY_X_GET_Y, "free_qty": 1}, "promotion.buy_free_invalid")],
)
def test_invalid_promotions_are_rejected(fields, key):
    kind = fields.pop("kind", PromotionKind.TIMED_DISCOUNT)
    with pytest.raises(PromotionError) as caught:
        promotion(kind, **fields)
    assert caught.value.key == key


def test_a_kind_given_as_text_is_understood():
    assert promotion("timed_discount").kind is PromotionKind.TIMED_DISCOUNT
