"""Promotions (促销活动) as configuration data, when they are active, and what each one saves.

Line promotions (限时折扣, 买X送Y) reduce single lines; the order promotion (满减) reduces the
subtotal of its eligible lines. Which of them a sale finally gets is decided in
membership.pricing; this module only answers "is it active" and "how much would it save".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise

from membership.catalogue import Product, SaleLine
from membership.errors import PromotionError
from membership.money import FULL_RATE_BP, Fen, apply_rate


class PromotionKind(StrEnum):
    TIMED_DISCOUNT = "timed_discount"  # 限时折扣
    SPEND_SAVE = "spend_save"  # 满减 (每满减 with repeat)
    BUY_X_GET_Y = "buy_x_get_y"  # 买X送Y: the cheapest units are free


LINE_KINDS = frozenset({PromotionKind.TIMED_DISCOUNT, PromotionKind.BUY_X_GET_Y})


@dataclass(frozen=True, slots=True)
class SpendTier:
    threshold: Fen  # 满
    saving: Fen  # 减


@dataclass(frozen=True, slots=True)
class Promotion:
    code: str
    name: str
    kind: PromotionKind
    starts_at: datetime  # first instant active
    ends_at: datetime  # first instant no longer active
    stores: frozenset[str] = frozenset()  # empty: every store
    products: frozenset[str] = frozenset()  # products and categories both empty: everything
    categories: frozenset[str] = frozenset()
    pay_rate_bp: int = FULL_RATE_BP  # TIMED_DISCOUNT: share the customer pays (8000 = 8折)
    tiers: tuple[SpendTier, ...] = ()  # SPEND_SAVE, kept sorted by threshold
    repeat: bool = False  # SPEND_SAVE: saving per full threshold of the tier met (每满300减30)
    buy_qty: int = 0  # BUY_X_GET_Y: X
    free_qty: int = 0  # BUY_X_GET_Y: Y
    weekdays: frozenset[int] = frozenset()  # empty: every day; 0 = Monday (the night's start)
    daily_from: time | None = None  # daily window; from > until crosses midnight (夜场)
    daily_until: time | None = None
    members_only: bool = False  # 会员专享
    max_saving: Fen | None = None  # SPEND_SAVE with repeat: cap on the saving (封顶)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", PromotionKind(self.kind))
        except ValueError:
            raise PromotionError(
                "promotion.unknown_kind", code=self.code, kind=str(self.kind)
            ) from None
        object.__setattr__(self, "tiers", tuple(sorted(self.tiers, key=lambda t: t.threshold)))
        _validate_common(self)
        if self.kind is PromotionKind.TIMED_DISCOUNT:
            _validate_timed_discount(self)
        elif self.kind is PromotionKind.SPEND_SAVE:
            _validate_spend_save(self)
        else:
            _validate_buy_x_get_y(self)

    @property
    def is_line_promotion(self) -> bool:
        return self.kind in LINE_KINDS


def _validate_common(promotion: Promotion) -> None:
    if not promotion.code:
        raise PromotionError("promotion.code_missing", name=promotion.name)
    if promotion.starts_at >= promotion.ends_at:
        raise PromotionError("promotion.dates_out_of_order", code=promotion.code)
    if any(not 0 <= day <= 6 for day in promotion.weekdays):
        raise PromotionError("promotion.weekday_invalid", code=promotion.code)
    window = (promotion.daily_from, promotion.daily_until)
    if None not in window and window[0] == window[1]:
        raise PromotionError("promotion.daily_window_empty", code=promotion.code)


def _validate_timed_discount(promotion: Promotion) -> None:
    if not 0 <= promotion.pay_rate_bp < FULL_RATE_BP:
        raise PromotionError(
            "promotion.rate_out_of_range", code=promotion.code, rate_bp=promotion.pay_rate_bp
        )


def _validate_spend_save(promotion: Promotion) -> None:
    tiers = promotion.tiers
    if not tiers:
        raise PromotionError("promotion.tiers_missing", code=promotion.code)
    for tier in tiers:
        if tier.threshold <= 0 or not 0 < tier.saving <= tier.threshold:
            raise PromotionError("promotion.tier_invalid", code=promotion.code)
    for lower, higher in pairwise(tiers):
        if lower.threshold == higher.threshold or lower.saving > higher.saving:
            raise PromotionError("promotion.tiers_inconsistent", code=promotion.code)
    if promotion.max_saving is not None and promotion.max_saving <= 0:
        raise PromotionError("promotion.max_saving_not_positive", code=promotion.code)


def _validate_buy_x_get_y(promotion: Promotion) -> None:
    if promotion.buy_qty <= 0 or promotion.free_qty <= 0:
        raise PromotionError("promotion.buy_free_invalid", code=promotion.code)


def is_active(promotion: Promotion, at: datetime, store_id: str, is_member: bool) -> bool:
    """Does the promotion run at `at` in this store for this customer?"""
    if promotion.members_only and not is_member:
        return False
    if not promotion.starts_at <= at < promotion.ends_at:
        return False
    if promotion.stores and store_id not in promotion.stores:
        return False
    if promotion.weekdays and promotion_day(promotion, at).weekday() not in promotion.weekdays:
        return False
    return _in_daily_window(promotion.daily_from, promotion.daily_until, at.time())


def promotion_day(promotion: Promotion, at: datetime) -> datetime:
    """The day whose window `at` falls in: an overnight window (夜场) belongs to the night it
    starts, so a Monday 22:00–02:00 promotion runs at 01:30 on Tuesday, not at 01:30 on Monday."""
    start, until = promotion.daily_from, promotion.daily_until
    crosses_midnight = start is not None and until is not None and start > until
    if crosses_midnight and until is not None and at.time() < until:
        return at - timedelta(days=1)
    return at


def _in_daily_window(start: time | None, until: time | None, now: time) -> bool:
    if until is None:
        return start is None or now >= start
    if start is None:
        return now < until
    if start < until:
        return start <= now < until
    return now >= start or now < until  # the window crosses midnight (夜场)


def covers(promotion: Promotion, product: Product) -> bool:
    """Is the product in the promotion's scope (listed product, listed category, or all)?
    A 特价 item is in no promotion's scope unless it combines (`Product.takes_offers`)."""
    if not product.takes_offers:
        return False
    if not promotion.products and not promotion.categories:
        return True
    return product.code in promotion.products or product.category in promotion.categories


def line_savings(
    promotion: Promotion, lines: Sequence[SaleLine], pool_across_lines: bool = True
) -> dict[int, Fen]:
    """What a line promotion would take off each line, by position in `lines` (only > 0).

    Lines settled by a count package never take part.
    """
    eligible = [
        index
        for index, line in enumerate(lines)
        if not line.use_count and covers(promotion, line.product)
    ]
    if promotion.kind is PromotionKind.TIMED_DISCOUNT:
        return _timed_discount_savings(promotion.pay_rate_bp, lines, eligible)
    if promotion.kind is PromotionKind.BUY_X_GET_Y:
        if pool_across_lines:
            return _free_cheapest_units(promotion, lines, eligible)
        savings: dict[int, Fen] = {}
        for index in eligible:
            savings.update(_free_cheapest_units(promotion, lines, [index]))
        return savings
    return {}


def _timed_discount_savings(
    rate_bp: int, lines: Sequence[SaleLine], eligible: list[int]
) -> dict[int, Fen]:
    savings: dict[int, Fen] = {}
    for index in eligible:
        gross = lines[index].gross
        saving = gross - apply_rate(gross, rate_bp)
        if saving > 0:
            savings[index] = saving
    return savings


def _free_cheapest_units(
    promotion: Promotion, lines: Sequence[SaleLine], eligible: list[int]
) -> dict[int, Fen]:
    """买X送Y over the units of `eligible`: per full group of X+Y units, Y of the cheapest free."""
    group = promotion.buy_qty + promotion.free_qty
    total_units = sum(lines[index].qty for index in eligible)
    free_left = total_units // group * promotion.free_qty
    savings: dict[int, Fen] = {}
    cheapest_first = sorted(
        eligible, key=lambda index: (lines[index].product.unit_price, lines[index].line_no)
    )
    for index in cheapest_first:
        if free_left == 0:
            break
        line = lines[index]
        free_here = min(line.qty, free_left)
        free_left -= free_here
        if line.product.unit_price > 0:
            savings[index] = free_here * line.product.unit_price
    return savings


def spend_save_saving(promotion: Promotion, subtotal: Fen) -> Fen:
    """满减: the largest saving any tier met by `subtotal` gives (0 if none is met).

    Without `repeat` that is the highest tier met (savings rise with thresholds). With `repeat`
    each tier met gives its saving per full threshold (每满300减30: ¥650 → ¥60), and the best tier
    wins, so spending more never gives less off (100减10 and 300减20 on ¥300: ¥30, not ¥20).
    Capped by `max_saving`, and never more than the subtotal itself.
    """
    savings = [
        tier.saving * (subtotal // tier.threshold) if promotion.repeat else tier.saving
        for tier in promotion.tiers
        if tier.threshold <= subtotal
    ]
    if not savings:
        return 0
    saving = max(savings)
    if promotion.max_saving is not None:
        saving = min(saving, promotion.max_saving)
    return min(saving, subtotal)
