"""Coupons (优惠券) as data, whether one may be used in a sale, and what it takes off.

Three kinds: cash off (代金券 / 满减券), percent off (折扣券, optionally capped) and a free gift
item (赠品券). One coupon per sale, applied after promotions; see membership.pricing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from membership.catalogue import Product
from membership.errors import CouponError
from membership.money import FULL_RATE_BP, Fen, apply_rate


class CouponKind(StrEnum):
    CASH_OFF = "cash_off"  # 代金券: `value` fen off
    PERCENT_OFF = "percent_off"  # 折扣券: pay `pay_rate_bp`, at most `max_off` off
    GIFT_ITEM = "gift_item"  # 赠品券: `gift_product` free


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str
    kind: CouponKind
    valid_from: datetime  # first valid instant
    valid_until: datetime  # last valid instant (inclusive)
    value: Fen = 0
    pay_rate_bp: int = FULL_RATE_BP
    max_off: Fen | None = None
    gift_product: Product | None = None
    min_spend: Fen = 0  # 使用门槛, against the eligible subtotal after promotions
    stores: frozenset[str] = frozenset()  # empty: every store
    categories: frozenset[str] = frozenset()  # products and categories both empty: everything
    products: frozenset[str] = frozenset()
    stackable_with_promotions: bool = True  # False: 不与促销同享
    used: bool = False
    member_id: str = ""  # set: only this member may use it (会员专属券)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", CouponKind(self.kind))
        except ValueError:
            raise CouponError("coupon.unknown_kind", code=self.code, kind=str(self.kind)) from None
        _validate_coupon(self)


def _validate_coupon(coupon: Coupon) -> None:
    code = coupon.code
    if not code:
        raise CouponError("coupon.code_missing")
    if coupon.valid_from > coupon.valid_until:
        raise CouponError("coupon.dates_out_of_order", code=code)
    if coupon.min_spend < 0:
        raise CouponError("coupon.min_spend_negative", code=code)
    if coupon.kind is CouponKind.CASH_OFF and coupon.value <= 0:
        raise CouponError("coupon.value_not_positive", code=code, value=coupon.value)
    if coupon.kind is CouponKind.PERCENT_OFF:
        if not 0 <= coupon.pay_rate_bp < FULL_RATE_BP:
            raise CouponError("coupon.rate_out_of_range", code=code, rate_bp=coupon.pay_rate_bp)
        if coupon.max_off is not None and coupon.max_off <= 0:
            raise CouponError("coupon.max_off_not_positive", code=code)
    if coupon.kind is CouponKind.GIFT_ITEM and coupon.gift_product is None:
        raise CouponError("coupon.gift_missing", code=code)


def check_usable(
    coupon: Coupon, at: datetime, store_id: str, member_id: str, promotion_applied: bool
) -> None:
    """Raise the CouponError that forbids using the coupon here and now, if any.

    The spend-dependent checks (no_eligible_items, min_spend) need the priced lines and are
    made by `check_spend`.
    """
    if coupon.used:
        raise CouponError("coupon.used", code=coupon.code)
    if at < coupon.valid_from:
        raise CouponError("coupon.not_yet_valid", code=coupon.code, valid_from=coupon.valid_from)
    if at > coupon.valid_until:
        raise CouponError("coupon.expired", code=coupon.code, valid_until=coupon.valid_until)
    if coupon.stores and store_id not in coupon.stores:
        raise CouponError("coupon.wrong_store", code=coupon.code, store_id=store_id)
    if coupon.member_id and coupon.member_id != member_id:
        raise CouponError("coupon.wrong_member", code=coupon.code)
    if promotion_applied and not coupon.stackable_with_promotions:
        raise CouponError("coupon.not_stackable", code=coupon.code)


def covers(coupon: Coupon, product: Product) -> bool:
    """Is the product in the coupon's scope (listed product, listed category, or all)?
    A 特价 item is in no coupon's scope, nor its minimum spend, unless it combines
    (`Product.takes_offers`)."""
    if not product.takes_offers:
        return False
    if not coupon.products and not coupon.categories:
        return True
    return product.code in coupon.products or product.category in coupon.categories


def check_spend(coupon: Coupon, eligible_lines: int, eligible_subtotal: Fen) -> None:
    if eligible_lines == 0:
        raise CouponError("coupon.no_eligible_items", code=coupon.code)
    if eligible_subtotal < coupon.min_spend:
        raise CouponError(
            "coupon.min_spend",
            code=coupon.code,
            min_spend=coupon.min_spend,
            subtotal=eligible_subtotal,
        )


def coupon_saving(coupon: Coupon, eligible_subtotal: Fen) -> Fen:
    """What a cash-off or percent-off coupon takes off the eligible subtotal (gift: 0)."""
    if coupon.kind is CouponKind.CASH_OFF:
        return min(coupon.value, eligible_subtotal)
    if coupon.kind is CouponKind.PERCENT_OFF:
        saving = eligible_subtotal - apply_rate(eligible_subtotal, coupon.pay_rate_bp)
        return saving if coupon.max_off is None else min(saving, coupon.max_off)
    return 0
