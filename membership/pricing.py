"""Pricing a sale: promotions, member discount, 满减, one coupon and a points offset, in that order.

`price_sale` takes the sale lines and everything that may reduce them (a PricingContext) and
returns a PricedSale: per line, every reduction with its kind and source, and the totals the
cashier collects. Rates are the share the customer pays in basis points (8800 = 8.8折); every
rate goes through money.apply_rate (half-up to the fen), and every order-level reduction is
spread over the lines with money.allocate, so the parts add up exactly. The stacking rules are
described in docs/domain.md (section Pricing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from membership import coupons
from membership.cards import CardType
from membership.catalogue import Product, SaleLine, validate_sale_lines
from membership.coupons import Coupon, CouponKind, check_spend, check_usable, coupon_saving
from membership.errors import ConfigError, CouponError, InvalidInput, PointsError, PromotionError
from membership.money import FULL_RATE_BP, Fen, allocate, apply_rate
from membership.promotions import (
    Promotion,
    PromotionKind,
    covers,
    is_active,
    line_savings,
    spend_save_saving,
)

POINTS_SOURCE = "points"
LEVEL_SOURCE = "level"  # source of a level discount when the level has no code


class ReductionKind(StrEnum):
    MEMBER_DISCOUNT = "member_discount"  # 会员折扣 (level or card type)
    PROMOTION = "promotion"  # 限时折扣 / 买X送Y
    ORDER_PROMOTION = "order_promotion"  # 满减
    COUPON = "coupon"  # 优惠券
    POINTS = "points"  # 积分抵现


@dataclass(frozen=True, slots=True)
class Reduction:
    kind: ReductionKind
    source: str  # promotion or coupon code, level code, card type code, or "points"
    amount: Fen

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise InvalidInput("pricing.reduction_not_positive", source=self.source)


@dataclass(frozen=True, slots=True)
class PricedLine:
    line: SaleLine
    gross: Fen  # qty × unit price
    reductions: tuple[Reduction, ...]
    net: Fen  # gross minus every reduction, never below 0
    gift_of: str = ""  # the coupon code when the line is a coupon's free gift (赠品)

    @property
    def points_offset(self) -> Fen:
        return sum(r.amount for r in self.reductions if r.kind is ReductionKind.POINTS)

    @property
    def is_gift(self) -> bool:
        return bool(self.gift_of)


@dataclass(frozen=True, slots=True)
class PricedSale:
    lines: tuple[PricedLine, ...]
    gross: Fen
    total_reduction: Fen
    points_used: int
    points_offset: Fen
    amount_due: Fen  # net of the lines paid in money (not the count-package lines)
    count_value: Fen  # gross of the lines settled by a count package (计次)
    applied: tuple[str, ...]  # codes of the promotions and the coupon that took effect


@dataclass(frozen=True)
class MemberPricing:
    """What the member's level (会员等级) and card type (折扣卡) give. The lower rate wins."""

    level_code: str = ""
    level_discount_bp: int = FULL_RATE_BP
    level_category_discount_bp: Mapping[str, int] = field(default_factory=dict)
    card_type: CardType | None = None
    member_id: str = ""  # checked against a member's own coupon

    def __post_init__(self) -> None:
        rates = MappingProxyType(dict(self.level_category_discount_bp))
        object.__setattr__(self, "level_category_discount_bp", rates)
        if any(not 0 <= rate <= FULL_RATE_BP for rate in (self.level_discount_bp, *rates.values())):
            raise ConfigError("config.rate_out_of_range", code=self.level_code)

    def rate_for(self, product: Product) -> tuple[int, str]:
        """The pay rate for one product and where it comes from (level code or card type code)."""
        if not product.member_discount:
            return FULL_RATE_BP, ""
        level_rate = self.level_category_discount_bp.get(product.category, self.level_discount_bp)
        if self.card_type is not None:
            card_rate = self.card_type.discount_for(product.category)
            if card_rate < level_rate:
                return card_rate, self.card_type.code
        return level_rate, self.level_code or LEVEL_SOURCE


@dataclass(frozen=True)
class PointsOffsetRule:
    """积分抵现: `points_per_yuan` points are worth ¥1; at most `max_share_bp` of the amount."""

    points_per_yuan: int
    max_share_bp: int
    min_points: int = 0  # fewer points than this cannot be used in one sale

    def __post_init__(self) -> None:
        valid = (
            self.points_per_yuan > 0
            and 0 <= self.max_share_bp <= FULL_RATE_BP
            and self.min_points >= 0
        )
        if not valid:
            raise ConfigError("config.points_rule_invalid")


@dataclass(frozen=True)
class StackingRules:
    # True: the member rate applies on top of a line promotion (折上折); False: the better one.
    member_discount_on_promoted_lines: bool = False
    # True: 买X送Y counts units over all lines in its scope (任选); False: within each line only.
    buy_x_get_y_across_lines: bool = True


@dataclass(frozen=True)
class PricingContext:
    at: datetime
    store_id: str
    terminal_id: str = ""
    member: MemberPricing | None = None
    promotions: tuple[Promotion, ...] = ()
    coupon: Coupon | None = None
    points_requested: int = 0
    points_available: int = 0
    points_rule: PointsOffsetRule | None = None
    stacking: StackingRules = StackingRules()

    def __post_init__(self) -> None:
        if not self.store_id:
            raise InvalidInput("pricing.store_missing")
        if self.points_requested < 0 or self.points_available < 0:
            raise PointsError("points.negative")
        codes = [promotion.code for promotion in self.promotions]
        if len(set(codes)) != len(codes):
            raise PromotionError("promotion.duplicate_code")


class _Sheet:
    """The working state of one sale being priced: running nets and reductions per line."""

    __slots__ = ("gift", "lines", "nets", "priceable", "reductions", "took_effect")

    def __init__(self, lines: Sequence[SaleLine]) -> None:
        self.lines = lines
        self.nets = [line.gross for line in lines]
        self.reductions: list[list[Reduction]] = [[] for _ in lines]
        self.priceable = [index for index, line in enumerate(lines) if not line.use_count]
        self.took_effect: set[str] = set()
        self.gift: PricedLine | None = None

    def reduce(self, index: int, kind: ReductionKind, source: str, amount: Fen) -> None:
        if amount > 0:
            self.reductions[index].append(Reduction(kind, source, amount))
            self.nets[index] -= amount

    def spread(self, indices: list[int], total: Fen, kind: ReductionKind, source: str) -> None:
        """Spread `total` (at most the nets of `indices`) over them in proportion to their nets."""
        shares = allocate(total, [self.nets[index] for index in indices])
        for index, share in zip(indices, shares, strict=True):
            self.reduce(index, kind, source, share)

    def subtotal(self, indices: list[int]) -> Fen:
        nets = self.nets
        return sum(nets[index] for index in indices)


def price_sale(lines: Sequence[SaleLine], context: PricingContext) -> PricedSale:
    """Price the lines in the order: line promotions and member discount, 满减, coupon, points."""
    validate_sale_lines(lines)
    _check_points_request(context)
    is_member = context.member is not None
    active = [
        promotion
        for promotion in context.promotions
        if is_active(promotion, context.at, context.store_id, is_member)
    ]
    sheet = _Sheet(lines)
    _price_lines(sheet, [p for p in active if p.is_line_promotion], context)
    _apply_spend_save(sheet, [p for p in active if p.kind is PromotionKind.SPEND_SAVE])
    coupon_took_effect = _apply_coupon(sheet, context)
    points_used, points_value = _apply_points(sheet, context)
    applied = [p.code for p in context.promotions if p.code in sheet.took_effect]
    if coupon_took_effect and context.coupon is not None:  # took effect: there is one
        applied.append(context.coupon.code)
    return _priced_sale(sheet, (points_used, points_value), tuple(applied))


def _check_points_request(context: PricingContext) -> None:
    requested = context.points_requested
    if requested == 0:
        return
    rule = context.points_rule
    if rule is None:
        raise PointsError("points.not_accepted", requested=requested)
    if requested > context.points_available:
        raise PointsError(
            "points.insufficient", requested=requested, available=context.points_available
        )
    if requested < rule.min_points:
        raise PointsError("points.below_minimum", requested=requested, minimum=rule.min_points)


def _price_lines(sheet: _Sheet, promotions: list[Promotion], context: PricingContext) -> None:
    """Rules 1-2: the best line promotion per line, and the member discount beside or on top."""
    pool = context.stacking.buy_x_get_y_across_lines
    savings = [(p.code, line_savings(p, sheet.lines, pool)) for p in promotions]
    member = context.member
    member_rates: dict[tuple[str, bool], tuple[int, str]] = {}
    on_top = context.stacking.member_discount_on_promoted_lines
    for index in sheet.priceable:
        code, promotion_saving = _best_line_promotion(savings, index)
        rate, source = _member_rate(member, sheet.lines[index].product, member_rates)
        gross = sheet.nets[index]
        if on_top:
            member_saving = _saving_at(gross - promotion_saving, rate)
        else:
            member_saving = _saving_at(gross, rate)
            # Not stacked: the lower price wins; on a tie the member discount, so that the line
            # does not count as promoted (a coupon that excludes promotions stays usable).
            if member_saving >= promotion_saving:
                promotion_saving = 0
            else:
                member_saving = 0
        if promotion_saving > 0:
            sheet.reduce(index, ReductionKind.PROMOTION, code, promotion_saving)
            sheet.took_effect.add(code)
        sheet.reduce(index, ReductionKind.MEMBER_DISCOUNT, source, member_saving)


def _member_rate(
    member: MemberPricing | None, product: Product, cache: dict[tuple[str, bool], tuple[int, str]]
) -> tuple[int, str]:
    """The member's rate for a product; looked up once per category within a sale."""
    if member is None:
        return FULL_RATE_BP, ""
    key = (product.category, product.member_discount)
    found = cache.get(key)
    if found is None:
        found = cache[key] = member.rate_for(product)
    return found


def _best_line_promotion(savings: list[tuple[str, dict[int, Fen]]], index: int) -> tuple[str, Fen]:
    best_code, best_saving = "", 0
    for code, by_line in savings:
        saving = by_line.get(index, 0)
        if saving > best_saving:
            best_code, best_saving = code, saving
    return best_code, best_saving


def _saving_at(amount: Fen, rate_bp: int) -> Fen:
    return amount - apply_rate(amount, rate_bp)


def _apply_spend_save(sheet: _Sheet, promotions: list[Promotion]) -> None:
    """Rule 3: the single best 满减 on the subtotal of its eligible lines."""
    best: tuple[Fen, str, list[int]] = (0, "", [])
    for promotion in promotions:
        eligible = [i for i in sheet.priceable if covers(promotion, sheet.lines[i].product)]
        saving = spend_save_saving(promotion, sheet.subtotal(eligible))
        if saving > best[0]:
            best = (saving, promotion.code, eligible)
    saving, code, eligible = best
    if saving > 0:
        sheet.spread(eligible, saving, ReductionKind.ORDER_PROMOTION, code)
        sheet.took_effect.add(code)


def _apply_coupon(sheet: _Sheet, context: PricingContext) -> bool:
    """Rule 4: one coupon, after 满减. Returns whether it took effect."""
    coupon = context.coupon
    if coupon is None:
        return False
    member_id = context.member.member_id if context.member is not None else ""
    check_usable(coupon, context.at, context.store_id, member_id, bool(sheet.took_effect))
    eligible = [i for i in sheet.priceable if coupons.covers(coupon, sheet.lines[i].product)]
    subtotal = sheet.subtotal(eligible)
    check_spend(coupon, len(eligible), subtotal)
    if coupon.kind is CouponKind.GIFT_ITEM:
        sheet.gift = _gift_line(sheet.lines, coupon)
        return True
    saving = coupon_saving(coupon, subtotal)
    sheet.spread(eligible, saving, ReductionKind.COUPON, coupon.code)
    return saving > 0


def _gift_line(lines: Sequence[SaleLine], coupon: Coupon) -> PricedLine:
    product = coupon.gift_product
    if product is None:
        raise CouponError("coupon.gift_missing", code=coupon.code)
    line = SaleLine(max(line.line_no for line in lines) + 1, product, 1)
    reductions: tuple[Reduction, ...] = ()
    if line.gross > 0:
        reductions = (Reduction(ReductionKind.COUPON, coupon.code, line.gross),)
    return PricedLine(line, line.gross, reductions, 0, gift_of=coupon.code)


def points_offset(rule: PointsOffsetRule, points: int, amount: Fen) -> tuple[int, Fen]:
    """(points used, fen offset) when up to `points` are offered against `amount` (after coupon).

    The offset is capped at `max_share_bp` of the amount; the points used are the fewest that
    are worth that offset, so a member never gives points for fen they do not get.
    """
    cap = apply_rate(amount, rule.max_share_bp)
    per_yuan = rule.points_per_yuan
    # the most points whose value (points × 100 // per_yuan) stays within the cap
    most_within_cap = ((cap + 1) * per_yuan - 1) // 100
    value = min(points, most_within_cap) * 100 // per_yuan
    used = (value * per_yuan + 99) // 100
    if used < rule.min_points or value == 0:
        return 0, 0
    return used, value


def _apply_points(sheet: _Sheet, context: PricingContext) -> tuple[int, Fen]:
    """Rule 5: the points offset last, spread over the lines paid in money."""
    rule = context.points_rule
    if rule is None or context.points_requested == 0:
        return 0, 0
    used, value = points_offset(rule, context.points_requested, sheet.subtotal(sheet.priceable))
    if value > 0:
        sheet.spread(sheet.priceable, value, ReductionKind.POINTS, POINTS_SOURCE)
    return used, value


def _priced_sale(
    sheet: _Sheet, points: tuple[int, Fen], applied: tuple[str, ...]
) -> PricedSale:
    priced = [
        PricedLine(line, line.gross, tuple(reductions), net)
        for line, reductions, net in zip(sheet.lines, sheet.reductions, sheet.nets, strict=True)
    ]
    if sheet.gift is not None:
        priced.append(sheet.gift)
    gross = sum(line.gross for line in priced)
    amount_due = sum(p.net for p in priced if not p.line.use_count)
    count_value = sum(p.gross for p in priced if p.line.use_count)
    total_reduction = sum(r.amount for p in priced for r in p.reductions)
    return PricedSale(
        lines=tuple(priced),
        gross=gross,
        total_reduction=total_reduction,
        points_used=points[0],
        points_offset=points[1],
        amount_due=amount_due,
        count_value=count_value,
        applied=applied,
    )
