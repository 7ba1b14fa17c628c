"""Card types as configuration data, and the state of one issued card.

A card type may combine several features (a stored-value card that also gives a discount and
earns points is the common case). Everything here is plain, immutable data that HQ publishes as a
configuration document; the rules that use it live in the other modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from membership.errors import ConfigError
from membership.money import FULL_RATE_BP, Fen


class Feature(StrEnum):
    STORED_VALUE = "stored_value"  # 储值卡
    DISCOUNT = "discount"  # 折扣卡
    COUNT = "count"  # 计次卡
    TIME = "time"  # 计时卡
    POINTS = "points"  # 积分卡


class DrawOrder(StrEnum):
    """How a stored-value payment draws on principal and bonus (default: proportional)."""

    PROPORTIONAL = "proportional"  # 按比例扣除本金和赠送金
    PRINCIPAL_FIRST = "principal_first"
    BONUS_FIRST = "bonus_first"


class QuotaPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"


class CardStatus(StrEnum):
    ACTIVE = "active"  # 正常
    LOST = "lost"  # 挂失
    FROZEN = "frozen"  # 冻结
    EXPIRED = "expired"  # 过期
    REPLACED = "replaced"  # 已换卡 (blocked for good)
    CANCELLED = "cancelled"  # 已退卡


@dataclass(frozen=True)
class BonusTier:
    """Top-up bonus: pay at least `min_paid`, get `bonus` fen plus `bonus_rate_bp` of the payment.

    With `repeat`, the fixed bonus is given for every full `min_paid` (每充1000送100).
    """

    min_paid: Fen
    bonus: Fen = 0
    bonus_rate_bp: int = 0
    repeat: bool = False


@dataclass(frozen=True)
class CountPackage:
    """A package of `uses` of one service (计次), sold for `price`, valid `validity_days`."""

    code: str
    name: str
    service: str
    uses: int
    price: Fen
    validity_days: int | None = None


@dataclass(frozen=True)
class TimeRate:
    """Metered time (计时): billed per started unit after grace minutes, capped per session."""

    service: str
    unit_minutes: int
    unit_price: Fen
    grace_minutes: int = 0
    cap: Fen | None = None


@dataclass(frozen=True)
class PeriodPass:
    """A pass giving unlimited sessions of a service for a period (月卡, 季卡, 年卡)."""

    code: str
    name: str
    service: str
    days: int
    price: Fen


@dataclass(frozen=True)
class Fees:
    join: Fen = 0  # 开卡费 / 工本费
    annual: Fen = 0  # 年费
    replacement: Fen = 0  # 补卡费
    cancellation: Fen = 0  # 退卡手续费, kept from the refunded principal


@dataclass(frozen=True)
class SubsidiaryPolicy:
    """子母卡: subsidiary cards spend the parent's balance within a quota per period."""

    allowed: bool = False
    max_children: int = 0
    default_quota: Fen = 0
    period: QuotaPeriod = QuotaPeriod.MONTH


@dataclass(frozen=True)
class CardType:
    code: str
    name: str
    features: frozenset[Feature]
    validity_days: int | None = None  # None: the card never expires
    fees: Fees = Fees()
    bonus_tiers: tuple[BonusTier, ...] = ()
    discount_bp: int = FULL_RATE_BP  # the card's own discount (折扣卡), 10000 = none
    category_discount_bp: Mapping[str, int] = field(default_factory=dict)
    count_packages: tuple[CountPackage, ...] = ()
    time_rates: tuple[TimeRate, ...] = ()
    passes: tuple[PeriodPass, ...] = ()
    draw_order: DrawOrder = DrawOrder.PROPORTIONAL
    min_topup: Fen = 0
    max_balance: Fen | None = None
    subsidiary: SubsidiaryPolicy = SubsidiaryPolicy()

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "category_discount_bp", MappingProxyType(dict(self.category_discount_bp))
        )
        _validate_card_type(self)

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    def discount_for(self, category: str) -> int:
        """The card's discount rate in bp for a category (10000 when it gives none)."""
        if not self.has(Feature.DISCOUNT):
            return FULL_RATE_BP
        return self.category_discount_bp.get(category, self.discount_bp)


def _validate_card_type(card_type: CardType) -> None:
    if not card_type.code or not card_type.features:
        raise ConfigError("config.card_type_incomplete", code=card_type.code)
    rates = [card_type.discount_bp, *card_type.category_discount_bp.values()]
    if any(not 0 <= rate <= FULL_RATE_BP for rate in rates):
        raise ConfigError("config.rate_out_of_range", code=card_type.code)
    fees = card_type.fees
    if min(fees.join, fees.annual, fees.replacement, fees.cancellation) < 0:
        raise ConfigError("config.negative_fee", code=card_type.code)
    if card_type.validity_days is not None and card_type.validity_days <= 0:
        raise ConfigError("config.validity_not_positive", code=card_type.code)
    for tier in card_type.bonus_tiers:
        if tier.min_paid <= 0 or tier.bonus < 0 or tier.bonus_rate_bp < 0:
            raise ConfigError("config.bonus_tier_invalid", code=card_type.code)
    for package in card_type.count_packages:
        if package.uses <= 0 or package.price < 0:
            raise ConfigError("config.count_package_invalid", code=package.code)
    for rate in card_type.time_rates:
        if rate.unit_minutes <= 0 or rate.unit_price < 0 or rate.grace_minutes < 0:
            raise ConfigError("config.time_rate_invalid", service=rate.service)


@dataclass(frozen=True)
class Card:
    """One issued card. Changes of state return a new Card (see membership.lifecycle)."""

    card_no: str
    member_id: str
    type_code: str
    status: CardStatus = CardStatus.ACTIVE
    issued_on: date | None = None
    expires_on: date | None = None  # last valid day; None: never expires
    level: str = ""  # member level code (会员等级)
    parent_card_no: str = ""  # set on a subsidiary card (副卡)
    quota: Fen = 0  # subsidiary card: spending quota per period of the parent's card type
    replaced_by: str = ""  # set when the card was replaced (换卡)
    previous_card_nos: tuple[str, ...] = ()  # the cards this one replaced, oldest first

    @property
    def all_card_nos(self) -> tuple[str, ...]:
        """This card's number and every number it had before a replacement."""
        return (*self.previous_card_nos, self.card_no)

    @property
    def is_subsidiary(self) -> bool:
        return bool(self.parent_card_no)
