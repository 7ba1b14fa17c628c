"""Codecs of the `catalogue`, `prices`, `promotions`, `coupons`, `points_rules` and
`commission` configuration documents.

As in config_codec_cards: `encode_*` writes every field (money in fen, rates in bp, enums as
values, sets as sorted lists, times as local ISO 8601), `decode_*` reads strictly and lets the
core's constructors validate. Shapes: docs/protocol.md, "Configuration document bodies".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from membership.catalogue import Product
from membership.commission import CommissionBasis, CommissionRule
from membership.config_fields import (
    ABSENT,
    Fields,
    checked_body,
    local_iso,
    unique_by_code,
)
from membership.coupons import Coupon, CouponKind
from membership.errors import ConfigError
from membership.money import Fen
from membership.points import EarningRule, ExpiryKind, Gift, PointsExpiry
from membership.pricing import PointsOffsetRule, StackingRules
from membership.promotions import Promotion, PromotionKind, SpendTier

CATALOGUE = "catalogue"
PRICES = "prices"
PROMOTIONS = "promotions"
COUPONS = "coupons"
POINTS_RULES = "points_rules"
COMMISSION = "commission"


@dataclass(frozen=True)
class PromotionRules:
    """The `promotions` document: the promotions, and how they stack with member discounts."""

    promotions: tuple[Promotion, ...] = ()
    stacking: StackingRules = field(default_factory=StackingRules)


@dataclass(frozen=True)
class PointsRules:
    """The `points_rules` document. No earning rule: no points earned; no offset rule: points
    cannot pay (积分抵现); gifts: the points catalogue (积分兑换礼品)."""

    earning: EarningRule | None = None
    points_offset: PointsOffsetRule | None = None
    gifts: tuple[Gift, ...] = ()


def _sorted(values: Iterable[Any]) -> list[Any]:
    return sorted(values)


# --- catalogue and prices -----------------------------------------------------------------------

def encode_catalogue(products: Iterable[Product]) -> dict[str, Any]:
    return checked_body(CATALOGUE, {"products": [asdict(product) for product in products]})


def decode_catalogue(body: Mapping[str, Any]) -> tuple[Product, ...]:
    root = Fields(body, CATALOGUE)
    products = root.children("products", _product, required=True)
    root.finish()
    return unique_by_code(CATALOGUE, products, "products")


def _product(fields: Fields) -> Product:
    code = fields.identify()
    return fields.build(
        Product,
        code=code,
        name=fields.text("name", required=True),
        category=fields.text("category", required=True),
        unit_price=fields.money("unit_price", required=True),
        is_service=fields.boolean("is_service"),
        member_discount=fields.boolean("member_discount"),
        earns_points=fields.boolean("earns_points"),
        special_price_combines=fields.boolean("special_price_combines"),
    )


def encode_prices(prices: Mapping[str, Fen]) -> dict[str, Any]:
    """Per-product prices (usually store-scoped) that replace the catalogue's unit prices."""
    return checked_body(PRICES, {"prices": dict(sorted(prices.items()))})


def decode_prices(body: Mapping[str, Any]) -> dict[str, Fen]:
    root = Fields(body, PRICES)
    prices: dict[str, Fen] = root.money_table("prices", required=True)
    root.finish()
    return prices


def apply_prices(products: Iterable[Product], prices: Mapping[str, Fen]) -> tuple[Product, ...]:
    """The catalogue with the `prices` document's prices; a price for an unknown product is
    refused (it would otherwise never take effect, unnoticed)."""
    products = tuple(products)
    known = {product.code for product in products}
    for code in sorted(prices):
        if code not in known:
            raise ConfigError("config.reference_unknown", document=PRICES, item=code,
                              field=f"prices.{code}", value=code)
    return tuple(
        _priced(product, prices[product.code]) if product.code in prices else product
        for product in products
    )


def _priced(product: Product, unit_price: Fen) -> Product:
    values = asdict(product)
    values["unit_price"] = unit_price
    return Product(**values)


# --- promotions ---------------------------------------------------------------------------------

def encode_promotions(rules: PromotionRules) -> dict[str, Any]:
    return checked_body(PROMOTIONS, {
        "promotions": [_promotion_body(promotion) for promotion in rules.promotions],
        "stacking": asdict(rules.stacking),
    })


def _promotion_body(promotion: Promotion) -> dict[str, Any]:
    def iso(name: str) -> str | None:
        return local_iso(getattr(promotion, name), PROMOTIONS, promotion.code, name)

    return {
        "code": promotion.code,
        "name": promotion.name,
        "kind": promotion.kind.value,
        "starts_at": iso("starts_at"),
        "ends_at": iso("ends_at"),
        "stores": _sorted(promotion.stores),
        "products": _sorted(promotion.products),
        "categories": _sorted(promotion.categories),
        "pay_rate_bp": promotion.pay_rate_bp,
        "tiers": [asdict(tier) for tier in promotion.tiers],
        "repeat": promotion.repeat,
        "buy_qty": promotion.buy_qty,
        "free_qty": promotion.free_qty,
        "weekdays": _sorted(promotion.weekdays),
        "daily_from": iso("daily_from"),
        "daily_until": iso("daily_until"),
        "members_only": promotion.members_only,
        "max_saving": promotion.max_saving,
    }


def decode_promotions(body: Mapping[str, Any]) -> PromotionRules:
    root = Fields(body, PROMOTIONS)
    promotions = root.children("promotions", _promotion, required=True)
    return root.build(
        PromotionRules,
        promotions=unique_by_code(PROMOTIONS, promotions, "promotions"),
        stacking=root.child("stacking", _stacking),
    )


def _promotion(fields: Fields) -> Promotion:
    code = fields.identify()
    return fields.build(
        Promotion,
        code=code,
        name=fields.text("name", required=True),
        kind=fields.choice("kind", PromotionKind, required=True),
        starts_at=fields.moment("starts_at", required=True),
        ends_at=fields.moment("ends_at", required=True),
        stores=fields.texts("stores"),
        products=fields.texts("products"),
        categories=fields.texts("categories"),
        pay_rate_bp=fields.integer("pay_rate_bp"),
        tiers=fields.children("tiers", _spend_tier),
        repeat=fields.boolean("repeat"),
        buy_qty=fields.integer("buy_qty"),
        free_qty=fields.integer("free_qty"),
        weekdays=fields.integers("weekdays"),
        daily_from=fields.clock("daily_from"),
        daily_until=fields.clock("daily_until"),
        members_only=fields.boolean("members_only"),
        max_saving=fields.money("max_saving", nullable=True),
    )


def _spend_tier(fields: Fields) -> SpendTier:
    return fields.build(
        SpendTier,
        threshold=fields.money("threshold", required=True),
        saving=fields.money("saving", required=True),
    )


def _stacking(fields: Fields) -> StackingRules:
    return fields.build(
        StackingRules,
        member_discount_on_promoted_lines=fields.boolean("member_discount_on_promoted_lines"),
        buy_x_get_y_across_lines=fields.boolean("buy_x_get_y_across_lines"),
    )


# --- coupons ------------------------------------------------------------------------------------

def encode_coupons(coupons: Iterable[Coupon]) -> dict[str, Any]:
    """Coupon definitions. A gift coupon names its gift by product code (from the catalogue).
    A used coupon is state, not configuration: it is refused."""
    return checked_body(COUPONS, {"coupons": [_coupon_body(coupon) for coupon in coupons]})


def _coupon_body(coupon: Coupon) -> dict[str, Any]:
    if coupon.used:
        raise ConfigError("config.coupon_used", document=COUPONS, item=coupon.code, field="used")
    gift = coupon.gift_product
    return {
        "code": coupon.code,
        "kind": coupon.kind.value,
        "valid_from": local_iso(coupon.valid_from, COUPONS, coupon.code, "valid_from"),
        "valid_until": local_iso(coupon.valid_until, COUPONS, coupon.code, "valid_until"),
        "value": coupon.value,
        "pay_rate_bp": coupon.pay_rate_bp,
        "max_off": coupon.max_off,
        "gift_product": gift.code if gift is not None else None,
        "min_spend": coupon.min_spend,
        "stores": _sorted(coupon.stores),
        "categories": _sorted(coupon.categories),
        "products": _sorted(coupon.products),
        "stackable_with_promotions": coupon.stackable_with_promotions,
        "member_id": coupon.member_id,
    }


def decode_coupons(
    body: Mapping[str, Any], products: Mapping[str, Product] | None = None
) -> tuple[Coupon, ...]:
    """`products` (by code) resolves gift coupons' `gift_product`; an unknown code is refused."""
    root = Fields(body, COUPONS)
    catalogue = products or {}
    coupons = root.children("coupons", lambda fields: _coupon(fields, catalogue), required=True)
    root.finish()
    return unique_by_code(COUPONS, coupons, "coupons")


def _coupon(fields: Fields, products: Mapping[str, Product]) -> Coupon:
    code = fields.identify()
    return fields.build(
        Coupon,
        code=code,
        kind=fields.choice("kind", CouponKind, required=True),
        valid_from=fields.moment("valid_from", required=True),
        valid_until=fields.moment("valid_until", required=True),
        value=fields.money("value"),
        pay_rate_bp=fields.integer("pay_rate_bp"),
        max_off=fields.money("max_off", nullable=True),
        gift_product=_gift_product(fields, products),
        min_spend=fields.money("min_spend"),
        stores=fields.texts("stores"),
        categories=fields.texts("categories"),
        products=fields.texts("products"),
        stackable_with_promotions=fields.boolean("stackable_with_promotions"),
        member_id=fields.text("member_id"),
    )


def _gift_product(fields: Fields, products: Mapping[str, Product]) -> Any:
    code = fields.text("gift_product", nullable=True)
    if code is ABSENT or code is None:
        return code
    if code not in products:
        raise ConfigError("config.reference_unknown", document=COUPONS, item=fields.item,
                          field="gift_product", value=code)
    return products[code]


# --- points_rules -------------------------------------------------------------------------------

def encode_points_rules(rules: PointsRules) -> dict[str, Any]:
    earning, offset = rules.earning, rules.points_offset
    return checked_body(POINTS_RULES, {
        "earning": _earning_body(earning) if earning is not None else None,
        "points_offset": asdict(offset) if offset is not None else None,
        "gifts": [asdict(gift) for gift in rules.gifts],
    })


def _earning_body(rule: EarningRule) -> dict[str, Any]:
    return {
        "fen_per_point": rule.fen_per_point,
        "category_multiplier_bp": dict(sorted(rule.category_multiplier_bp.items())),
        "level_multiplier_bp": dict(sorted(rule.level_multiplier_bp.items())),
        "store_fen_per_point": dict(sorted(rule.store_fen_per_point.items())),
        "terminal_fen_per_point": dict(sorted(rule.terminal_fen_per_point.items())),
        "expiry": {**asdict(rule.expiry), "kind": rule.expiry.kind.value},
    }


def decode_points_rules(body: Mapping[str, Any]) -> PointsRules:
    root = Fields(body, POINTS_RULES)
    gifts = root.children("gifts", _gift)
    return root.build(
        PointsRules,
        earning=root.child("earning", _earning, nullable=True),
        points_offset=root.child("points_offset", _points_offset, nullable=True),
        gifts=gifts if gifts is ABSENT else unique_by_code(POINTS_RULES, gifts, "gifts"),
    )


def _earning(fields: Fields) -> EarningRule:
    return fields.build(
        EarningRule,
        fen_per_point=fields.integer("fen_per_point", minimum=1),
        category_multiplier_bp=fields.whole_numbers("category_multiplier_bp"),
        level_multiplier_bp=fields.whole_numbers("level_multiplier_bp"),
        store_fen_per_point=fields.whole_numbers("store_fen_per_point", minimum=1),
        terminal_fen_per_point=fields.whole_numbers("terminal_fen_per_point", minimum=1),
        expiry=fields.child("expiry", _expiry),
    )


def _expiry(fields: Fields) -> PointsExpiry:
    return fields.build(
        PointsExpiry,
        kind=fields.choice("kind", ExpiryKind),
        years=fields.integer("years"),
        days=fields.integer("days", minimum=1),
    )


def _points_offset(fields: Fields) -> PointsOffsetRule:
    return fields.build(
        PointsOffsetRule,
        points_per_yuan=fields.integer("points_per_yuan", required=True, minimum=1),
        max_share_bp=fields.integer("max_share_bp", required=True),
        min_points=fields.integer("min_points"),
    )


def _gift(fields: Fields) -> Gift:
    code = fields.identify()
    return fields.build(
        Gift,
        code=code,
        name=fields.text("name", required=True),
        points_cost=fields.integer("points_cost", required=True, minimum=1),
        stock=fields.integer("stock", nullable=True),
    )


# --- commission ---------------------------------------------------------------------------------

def encode_commission(rules: Iterable[CommissionRule]) -> dict[str, Any]:
    return checked_body(COMMISSION, {
        "rules": [{**asdict(rule), "basis": rule.basis.value} for rule in rules],
    })


def decode_commission(body: Mapping[str, Any]) -> tuple[CommissionRule, ...]:
    root = Fields(body, COMMISSION)
    rules = root.children("rules", _commission_rule, required=True)
    root.finish()
    return unique_by_code(COMMISSION, rules, "rules")


def _commission_rule(fields: Fields) -> CommissionRule:
    code = fields.identify()
    return fields.build(
        CommissionRule,
        code=code,
        basis=fields.choice("basis", CommissionBasis, required=True),
        product_code=fields.text("product_code"),
        category=fields.text("category"),
        card_type=fields.text("card_type"),
        fixed_per_unit=fields.money("fixed_per_unit"),
        rate_bp=fields.integer("rate_bp"),
    )
