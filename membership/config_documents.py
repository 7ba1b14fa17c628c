"""A store's configuration as the core's objects, built from the bodies of HQ's configuration
documents (docs/protocol.md, "Configuration documents" and "Configuration document bodies").

Each document has an `encode_<name>` (objects -> JSON-ready body) and a strict
`decode_<name>` (body -> objects; no unknown key, no float, no negative money, no unknown enum
value, no repeated code; every error a ConfigError or the core's own error naming the document,
the item and the field). They live in config_codec_cards and config_codec_rules and are
re-exported here.

`StoreConfiguration.from_documents` takes whichever documents a terminal holds. A missing
document gives:
- catalogue: no products;  prices: the catalogue's prices unchanged;  card_types: none;
- levels: None (no member levels: no level discount, points ×1);
- promotions: none, and the default StackingRules;  coupons: none;
- points_rules: no earning rule (no points are earned), no points offset, no gifts;
- commission: no commission.
`offline_limits`, `blacklist` and `coupons_used` are read where they are used, each with
its own reader (membership.offline_limits, membership.config_codec_blacklist,
terminal.cashier.coupons), and ignored here; any other name is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from membership.cards import CardType
from membership.catalogue import Catalogue, Product
from membership.commission import CommissionRule
from membership.config_codec_blacklist import (
    BLACKLIST,
    Blacklist,
    decode_blacklist,
    encode_blacklist,
)
from membership.config_codec_cards import (
    CARD_TYPES,
    LEVELS,
    decode_card_types,
    decode_levels,
    encode_card_types,
    encode_levels,
)
from membership.config_codec_rules import (
    CATALOGUE,
    COMMISSION,
    COUPONS,
    POINTS_RULES,
    PRICES,
    PROMOTIONS,
    PointsRules,
    PromotionRules,
    apply_prices,
    decode_catalogue,
    decode_commission,
    decode_coupons,
    decode_points_rules,
    decode_prices,
    decode_promotions,
    encode_catalogue,
    encode_commission,
    encode_coupons,
    encode_points_rules,
    encode_prices,
    encode_promotions,
)
from membership.coupons import Coupon
from membership.errors import ConfigError
from membership.gift_stock import GIFT_STOCK
from membership.levels import LevelPolicy
from membership.points import EarningRule, Gift
from membership.pricing import PointsOffsetRule, StackingRules
from membership.promotions import Promotion
from membership.sale import SaleRules
from membership.sale_inputs import ConfigVersions

__all__ = [
    "BLACKLIST", "CARD_TYPES", "CATALOGUE", "COMMISSION", "COUPONS", "COUPONS_USED",
    "DOCUMENT_NAMES", "LEVELS",
    "POINTS_RULES", "PRICES", "PROMOTIONS", "READ_ELSEWHERE", "Blacklist", "PointsRules",
    "PromotionRules", "StoreConfiguration", "apply_prices", "by_code", "decode_blacklist",
    "decode_card_types", "decode_catalogue",
    "decode_commission", "decode_coupons", "decode_levels", "decode_points_rules",
    "decode_prices", "decode_promotions", "encode_blacklist", "encode_card_types",
    "encode_catalogue",
    "encode_commission", "encode_coupons", "encode_levels", "encode_points_rules",
    "encode_prices", "encode_promotions",
]

# The documents a StoreConfiguration is built from. `commission` is not in the protocol's
# original list: commission rules are neither points nor promotions, so they have their own.
DOCUMENT_NAMES = (CATALOGUE, PRICES, CARD_TYPES, LEVELS, PROMOTIONS, COUPONS, POINTS_RULES,
                  COMMISSION)
# HQ derives these from its own tables (hq.card_documents); each is read where it is used.
COUPONS_USED = "coupons_used"  # {"codes": [code, ...]}
READ_ELSEWHERE = frozenset({"offline_limits", BLACKLIST, COUPONS_USED, GIFT_STOCK})

T = TypeVar("T")


def by_code(items: Iterable[Any]) -> Mapping[str, Any]:
    """Items by their `code`, in their order (a repeated code is refused by the decoders)."""
    return MappingProxyType({item.code: item for item in items})


@dataclass(frozen=True)
class StoreConfiguration:
    products: Mapping[str, Product] = field(default_factory=dict)
    card_types: Mapping[str, CardType] = field(default_factory=dict)
    levels: LevelPolicy | None = None
    promotions: tuple[Promotion, ...] = ()
    stacking: StackingRules = field(default_factory=StackingRules)
    coupons: Mapping[str, Coupon] = field(default_factory=dict)
    earning: EarningRule | None = None
    points_offset: PointsOffsetRule | None = None
    gifts: Mapping[str, Gift] = field(default_factory=dict)
    commission_rules: tuple[CommissionRule, ...] = ()
    # name -> (scope, version) of the documents this was built from, named by every sale
    versions: ConfigVersions = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("products", "card_types", "coupons", "gifts"):
            table = getattr(self, name)
            wrong = [key for key, item in table.items() if key != item.code]
            if wrong:
                raise ValueError(f"{name}: keys {wrong} are not the items' codes")
            object.__setattr__(self, name, MappingProxyType(dict(table)))
        object.__setattr__(self, "versions", MappingProxyType(dict(self.versions)))

    @classmethod
    def from_documents(cls, bodies: Mapping[str, Mapping[str, Any]],
                       versions: ConfigVersions | None = None) -> StoreConfiguration:
        """Build from document bodies by name; see the module's docstring for missing ones.
        `versions` gives each body's (scope, version), for the sales' events."""
        unknown = sorted(set(bodies) - set(DOCUMENT_NAMES) - READ_ELSEWHERE)
        if unknown:
            raise ConfigError("config.document_unknown", document=unknown[0])
        products: tuple[Product, ...] = _decoded(bodies, CATALOGUE, decode_catalogue, ())
        if PRICES in bodies:
            products = apply_prices(products, decode_prices(bodies[PRICES]))
        products_by_code = by_code(products)
        promotions = _decoded(bodies, PROMOTIONS, decode_promotions, PromotionRules())
        points = _decoded(bodies, POINTS_RULES, decode_points_rules, PointsRules())
        coupons: tuple[Coupon, ...] = _decoded(
            bodies, COUPONS, lambda body: decode_coupons(body, products_by_code), ()
        )
        return cls(
            products=products_by_code,
            card_types=by_code(_decoded(bodies, CARD_TYPES, decode_card_types, ())),
            levels=_decoded(bodies, LEVELS, decode_levels, None),
            promotions=promotions.promotions,
            stacking=promotions.stacking,
            coupons=by_code(coupons),
            earning=points.earning,
            points_offset=points.points_offset,
            gifts=by_code(points.gifts),
            commission_rules=_decoded(bodies, COMMISSION, decode_commission, ()),
            versions={name: version for name, version in (versions or {}).items()
                      if name in bodies},
        )

    def to_documents(self) -> dict[str, dict[str, Any]]:
        """The bodies HQ publishes. Prices are written into the catalogue, so there is no
        `prices` document; without levels there is no `levels` document."""
        documents = {
            CATALOGUE: encode_catalogue(self.products.values()),
            CARD_TYPES: encode_card_types(self.card_types.values()),
            PROMOTIONS: encode_promotions(PromotionRules(self.promotions, self.stacking)),
            COUPONS: encode_coupons(self.coupons.values()),
            POINTS_RULES: encode_points_rules(
                PointsRules(self.earning, self.points_offset, tuple(self.gifts.values()))
            ),
            COMMISSION: encode_commission(self.commission_rules),
        }
        if self.levels is not None:
            documents[LEVELS] = encode_levels(self.levels)
        return documents

    def sale_rules(self) -> SaleRules:
        """What membership.sale.decide_sale needs besides the sale itself."""
        return SaleRules(
            promotions=self.promotions,
            earning=self.earning,
            points_offset=self.points_offset,
            stacking=self.stacking,
            commission_rules=self.commission_rules,
            config_versions=self.versions,
        )

    def catalogue(self) -> Catalogue:
        return Catalogue(self.products.values())


def _decoded(
    bodies: Mapping[str, Mapping[str, Any]], name: str, decode: Callable[[Any], T], default: T
) -> T:
    return decode(bodies[name]) if name in bodies else default
