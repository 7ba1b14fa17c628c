"""Codecs of the `card_types` and `levels` configuration documents.

`encode_*` writes every field of the core's objects as JSON-ready data (money in fen, rates in
bp, enums as their values, sets as sorted lists); `decode_*` reads a body strictly
(membership.config_fields: no unknown key, no float, no negative money) and builds the core's
objects, whose own validation then runs. Shapes: docs/protocol.md, "Configuration document
bodies".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from operator import attrgetter
from typing import Any, TypeVar

from membership.cards import (
    BonusTier,
    CardType,
    CountPackage,
    DrawOrder,
    Feature,
    Fees,
    PeriodPass,
    QuotaPeriod,
    SubsidiaryPolicy,
    TimeRate,
)
from membership.config_fields import ABSENT, Fields, checked_body, unique_by_code
from membership.levels import Level, LevelPolicy

T = TypeVar("T")

CARD_TYPES = "card_types"
LEVELS = "levels"


# --- card_types ---------------------------------------------------------------------------------

def encode_card_types(card_types: Iterable[CardType]) -> dict[str, Any]:
    return checked_body(CARD_TYPES, {"card_types": [_card_type_body(t) for t in card_types]})


def _card_type_body(card_type: CardType) -> dict[str, Any]:
    policy = card_type.subsidiary
    return {
        "code": card_type.code,
        "name": card_type.name,
        "features": sorted(feature.value for feature in card_type.features),
        "validity_days": card_type.validity_days,
        "fees": asdict(card_type.fees),
        "bonus_tiers": [asdict(tier) for tier in card_type.bonus_tiers],
        "discount_bp": card_type.discount_bp,
        "category_discount_bp": dict(sorted(card_type.category_discount_bp.items())),
        "count_packages": [asdict(package) for package in card_type.count_packages],
        "time_rates": [asdict(rate) for rate in card_type.time_rates],
        "passes": [asdict(period_pass) for period_pass in card_type.passes],
        "draw_order": card_type.draw_order.value,
        "min_topup": card_type.min_topup,
        "max_balance": card_type.max_balance,
        "subsidiary": {**asdict(policy), "period": policy.period.value},
    }


def decode_card_types(body: Mapping[str, Any]) -> tuple[CardType, ...]:
    root = Fields(body, CARD_TYPES)
    card_types = root.children("card_types", _card_type, required=True)
    root.finish()
    return unique_by_code(CARD_TYPES, card_types, "card_types")


def _card_type(fields: Fields) -> CardType:
    code = fields.identify()
    return fields.build(
        CardType,
        code=code,
        name=fields.text("name", required=True),
        features=fields.choices("features", Feature, required=True),
        validity_days=fields.integer("validity_days", nullable=True),
        fees=fields.child("fees", _fees),
        bonus_tiers=fields.children("bonus_tiers", _bonus_tier),
        discount_bp=fields.integer("discount_bp"),
        category_discount_bp=fields.whole_numbers("category_discount_bp"),
        count_packages=_unique(fields, "count_packages", _count_package),
        time_rates=_unique(fields, "time_rates", _time_rate, attrgetter("service")),
        passes=_unique(fields, "passes", _period_pass),
        draw_order=fields.choice("draw_order", DrawOrder),
        min_topup=fields.money("min_topup"),
        max_balance=fields.money("max_balance", nullable=True),
        subsidiary=fields.child("subsidiary", _subsidiary),
    )


def _unique(
    fields: Fields,
    name: str,
    decode: Callable[[Fields], T],
    code: Callable[[T], str] = attrgetter("code"),
) -> Any:
    """Packages, passes and time rates are found by code (or service) within their card type."""
    items = fields.children(name, decode)
    return items if items is ABSENT else unique_by_code(CARD_TYPES, items, name, code, fields.item)


def _fees(fields: Fields) -> Fees:
    return fields.build(
        Fees,
        join=fields.money("join"),
        annual=fields.money("annual"),
        replacement=fields.money("replacement"),
        cancellation=fields.money("cancellation"),
    )


def _bonus_tier(fields: Fields) -> BonusTier:
    return fields.build(
        BonusTier,
        min_paid=fields.money("min_paid", required=True),
        bonus=fields.money("bonus"),
        bonus_rate_bp=fields.integer("bonus_rate_bp"),
        repeat=fields.boolean("repeat"),
    )


def _count_package(fields: Fields) -> CountPackage:
    return fields.build(
        CountPackage,
        code=fields.text("code", required=True),
        name=fields.text("name", required=True),
        service=fields.text("service", required=True),
        uses=fields.integer("uses", required=True, minimum=1),
        price=fields.money("price", required=True),
        validity_days=fields.integer("validity_days", nullable=True, minimum=1),
    )


def _time_rate(fields: Fields) -> TimeRate:
    return fields.build(
        TimeRate,
        service=fields.text("service", required=True),
        unit_minutes=fields.integer("unit_minutes", required=True, minimum=1),
        unit_price=fields.money("unit_price", required=True),
        grace_minutes=fields.integer("grace_minutes"),
        cap=fields.money("cap", nullable=True),
    )


def _period_pass(fields: Fields) -> PeriodPass:
    return fields.build(
        PeriodPass,
        code=fields.text("code", required=True),
        name=fields.text("name", required=True),
        service=fields.text("service", required=True),
        days=fields.integer("days", required=True, minimum=1),
        price=fields.money("price", required=True),
    )


def _subsidiary(fields: Fields) -> SubsidiaryPolicy:
    return fields.build(
        SubsidiaryPolicy,
        allowed=fields.boolean("allowed"),
        max_children=fields.integer("max_children"),
        default_quota=fields.money("default_quota"),
        period=fields.choice("period", QuotaPeriod),
    )


# --- levels -------------------------------------------------------------------------------------

def encode_levels(policy: LevelPolicy) -> dict[str, Any]:
    return checked_body(LEVELS, {
        "window_days": policy.window_days,
        "levels": [_level_body(level) for level in policy.levels],
    })


def _level_body(level: Level) -> dict[str, Any]:
    return {
        "code": level.code,
        "name": level.name,
        "rank": level.rank,
        "discount_bp": level.discount_bp,
        "category_discount_bp": dict(sorted(level.category_discount_bp.items())),
        "points_multiplier_bp": level.points_multiplier_bp,
        "upgrade_spend": level.upgrade_spend,
        "upgrade_points": level.upgrade_points,
        "keep_spend": level.keep_spend,
        "keep_points": level.keep_points,
    }


def decode_levels(body: Mapping[str, Any]) -> LevelPolicy:
    root = Fields(body, LEVELS)
    levels = root.children("levels", _level, required=True)
    unique_by_code(LEVELS, levels, "levels")
    return root.build(LevelPolicy, levels=levels, window_days=root.integer("window_days"))


def _level(fields: Fields) -> Level:
    code = fields.identify()
    return fields.build(
        Level,
        code=code,
        name=fields.text("name", required=True),
        rank=fields.integer("rank", required=True),
        discount_bp=fields.integer("discount_bp"),
        category_discount_bp=fields.whole_numbers("category_discount_bp"),
        points_multiplier_bp=fields.integer("points_multiplier_bp"),
        upgrade_spend=fields.money("upgrade_spend", nullable=True),
        upgrade_points=fields.integer("upgrade_points", nullable=True),
        keep_spend=fields.money("keep_spend", nullable=True),
        keep_points=fields.integer("keep_points", nullable=True),
    )
