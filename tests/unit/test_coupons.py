"""Coupons: configuration checks, usability checks and what each kind takes off."""

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from membership.catalogue import Product
from membership.coupons import (
    Coupon,
    CouponKind,
    check_spend,
    check_usable,
    coupon_saving,
    covers,
)
from membership.errors import CouponError

AT = datetime(2024, 6, 14, 15, 0)
TEA = Product("D01", "奶茶", "drinks", 500)



@contextmanager
def raises_key(error_type, key):
    """The block raises `error_type` with exactly this message key."""
    with pytest.raises(error_type) as caught:
        yield
    assert caught.value.key == key

def coupon(kind=CouponKind.CASH_OFF, **fields) -> Coupon:
    fields.setdefault("valid_from", datetime(2024, 6, 1))
    fields.setdefault("valid_until", datetime(2024, 6, 30, 23, 59, 59))
    if kind is CouponKind.CASH_OFF:
        fields.setdefault("value", 1000)
    return Coupon(code=fields.pop("code", "C1"), kind=kind, **fields)


@pytest.mark.parametrize(
    ("kind", "fields", "key"),
    [(CouponKind.CASH_OFF, {"code": ""}, "coupon.code_missing"),
     ("bogus", {}, "coupon.unknown_kind"),
     (CouponKind.CASH_OFF, {"valid_until": datetime(2024, 5, 1)}, "coupon.dates_out_of_order"),
     (CouponKind.CASH_OFF, {"value": 0}, "coupon.value_not_positive"),
     (CouponKind.CASH_OFF, {"min_spend": -1}, "coupon.min_spend_negative"),
     (CouponKind.PERCENT_OFF, {}, "coupon.rate_out_of_range"),  # 10000: nothing off
     (CouponKind.PERCENT_OFF, {"pay_rate_bp": 9000, "max_off": 0}, "coupon.max_off_not_positive"),
     (CouponKind.GIFT_ITEM, {}, "coupon.gift_missing")],
)
def test_invalid_coupons_are_rejected(kind, fields, key):
    with pytest.raises(CouponError) as caught:
        coupon(kind, **fields)
    assert caught.value.key == key


def test_validity_includes_its_last_instant():
    c = coupon()
    check_usable(c, datetime(2024, 6, 1), "S1", "", promotion_applied=False)
    check_usable(c, datetime(2024, 6, 30, 23, 59, 59), "S1", "", False)
    with raises_key(CouponError, "coupon.expired"):
        check_usable(c, datetime(2024, 7, 1), "S1", "", False)
    with raises_key(CouponError, "coupon.not_yet_valid"):
        check_usable(c, datetime(2024, 5, 31, 23, 59, 59), "S1", "", False)


def test_a_used_coupon_is_refused_before_anything_else():
    with raises_key(CouponError, "coupon.used"):
        check_usable(coupon(used=True), AT + timedelta(days=90), "S1", "", False)


def test_store_member_and_stacking_checks():
    with raises_key(CouponError, "coupon.wrong_store"):
        check_usable(coupon(stores=frozenset({"S2"})), AT, "S1", "", False)
    check_usable(coupon(stores=frozenset({"S1"})), AT, "S1", "", False)
    with raises_key(CouponError, "coupon.wrong_member"):
        check_usable(coupon(member_id="M1"), AT, "S1", "M2", False)
    check_usable(coupon(member_id="M1"), AT, "S1", "M1", False)
    with raises_key(CouponError, "coupon.not_stackable"):
        check_usable(coupon(stackable_with_promotions=False), AT, "S1", "", True)
    check_usable(coupon(stackable_with_promotions=False), AT, "S1", "", False)


def test_spend_checks():
    with raises_key(CouponError, "coupon.no_eligible_items"):
        check_spend(coupon(), 0, 0)
    with raises_key(CouponError, "coupon.min_spend"):
        check_spend(coupon(min_spend=5000), 2, 4999)
    check_spend(coupon(min_spend=5000), 2, 5000)


def test_scope():
    assert covers(coupon(), TEA)
    assert covers(coupon(categories=frozenset({"drinks"})), TEA)
    assert covers(coupon(products=frozenset({"D01"})), TEA)
    assert not covers(coupon(categories=frozenset({"bakery"})), TEA)


def test_savings_worked_examples():
    assert coupon_saving(coupon(value=1000), 5000) == 1000
    assert coupon_saving(coupon(value=1000), 600) == 600  # never more than the subtotal
    nine = coupon(CouponKind.PERCENT_OFF, pay_rate_bp=9000)
    assert coupon_saving(nine, 12345) == 1234  # 12345 × 0.9 = 11110.5 → 11111, saving 1234
    capped = coupon(CouponKind.PERCENT_OFF, pay_rate_bp=5000, max_off=2000)
    assert coupon_saving(capped, 10000) == 2000
    assert coupon_saving(coupon(CouponKind.GIFT_ITEM, gift_product=TEA), 10000) == 0
