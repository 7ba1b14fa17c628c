"""Pricing throughput: a 30-line member sale with three active promotions, a coupon and points.

Runs `price_sale` repeatedly for about two seconds on one core and reports sales per second
against the target of 2,000 sales/s (a busy counter prices a sale on every scan, so this is far
above what one terminal needs; the headroom is for HQ re-pricing sales it ingests).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from membership.cards import CardType, Feature
from membership.catalogue import Product, SaleLine
from membership.coupons import Coupon, CouponKind
from membership.pricing import MemberPricing, PointsOffsetRule, PricingContext, price_sale
from membership.promotions import Promotion, PromotionKind, SpendTier

TARGET_PER_SECOND = 2_000
RUN_SECONDS = 2.0
AT = datetime(2024, 6, 14, 15, 0)
CATEGORIES = ("drinks", "bakery", "retail")


def build_sale() -> tuple[list[SaleLine], PricingContext]:
    lines = [
        SaleLine(
            number,
            Product(f"P{number:03d}", f"商品{number}", CATEGORIES[number % 3], 199 + 137 * number),
            1 + number % 4,
        )
        for number in range(1, 31)
    ]
    starts_at, ends_at = AT - timedelta(days=1), AT + timedelta(days=1)
    promotions = (
        Promotion("TD", "饮品8折", PromotionKind.TIMED_DISCOUNT, categories=frozenset({"drinks"}),
                  pay_rate_bp=8000, starts_at=starts_at, ends_at=ends_at),
        Promotion("MJ", "每满300减30", PromotionKind.SPEND_SAVE, repeat=True,
                  tiers=(SpendTier(30000, 3000),), starts_at=starts_at, ends_at=ends_at),
        Promotion("B2G1", "烘焙买二送一", PromotionKind.BUY_X_GET_Y,
                  categories=frozenset({"bakery"}), buy_qty=2, free_qty=1, starts_at=starts_at,
                  ends_at=ends_at),
    )
    card_type = CardType(code="VIP", name="会员卡", features=frozenset({Feature.DISCOUNT}),
                         discount_bp=9500)
    context = PricingContext(
        at=AT,
        store_id="S001",
        member=MemberPricing(level_code="GOLD", level_discount_bp=9000, card_type=card_type),
        promotions=promotions,
        coupon=Coupon("C20", CouponKind.CASH_OFF, AT - timedelta(days=1),
                      AT + timedelta(days=1), value=2000, min_spend=10000),
        points_requested=5000,
        points_available=8000,
        points_rule=PointsOffsetRule(points_per_yuan=100, max_share_bp=5000),
    )
    return lines, context


def sales_per_second(lines: list[SaleLine], context: PricingContext) -> float:
    count = 0
    started = time.perf_counter()
    deadline = started + RUN_SECONDS
    while True:
        for _ in range(50):
            price_sale(lines, context)
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def main() -> None:
    lines, context = build_sale()
    sale = price_sale(lines, context)
    if len(sale.applied) != 4 or sale.points_used == 0:
        raise SystemExit(f"the benchmark sale does not exercise every rule: {sale.applied}")
    rate = sales_per_second(lines, context)
    print(
        f"pricing: {len(lines)} lines, {len(context.promotions)} promotions, coupon, points: "
        f"{rate:.0f} sales/s (target {TARGET_PER_SECOND}/s, ratio {rate / TARGET_PER_SECOND:.2f})"
    )


if __name__ == "__main__":
    main()
