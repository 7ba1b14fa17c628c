"""Shared cards, rules and helpers for test_pricing.py and test_pricing_stacking.py."""

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from membership.cards import CardType, Feature
from membership.catalogue import Product
from membership.coupons import Coupon, CouponKind
from membership.pricing import (
    MemberPricing,
    PricingContext,
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
