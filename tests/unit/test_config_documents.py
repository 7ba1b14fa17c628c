"""Configuration documents: every document round-trips the core's objects exactly, through JSON
(the demo store, generated objects, the protocol's examples). Refusals:
test_config_documents_refusals.py."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from membership.catalogue import Product
from membership.config_documents import (
    DOCUMENT_NAMES,
    PointsRules,
    PromotionRules,
    StoreConfiguration,
    decode_card_types,
    decode_catalogue,
    decode_commission,
    decode_coupons,
    decode_levels,
    decode_points_rules,
    decode_prices,
    decode_promotions,
    encode_card_types,
    encode_catalogue,
    encode_commission,
    encode_coupons,
    encode_levels,
    encode_points_rules,
    encode_prices,
    encode_promotions,
)
from membership.coupons import Coupon, CouponKind
from membership.points import Gift
from membership.promotions import Promotion, PromotionKind, SpendTier
from membership.sale import SaleRules
from terminal.demo import store as demo
from terminal.demo.documents import demo_configuration, demo_documents
from terminal.store.staff import decode_staff_document

YEAR_START = datetime(2026, 1, 1)
PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, allow_nan=False))


# --- the demo store -----------------------------------------------------------------------------

def test_the_demo_documents_decode_to_exactly_the_demo_objects():
    documents = through_json(demo_documents())
    assert set(documents) == {"catalogue", "card_types", "levels", "promotions", "coupons",
                              "points_rules", "commission"}
    config = StoreConfiguration.from_documents(documents)
    assert config.products == demo.PRODUCTS
    assert config.card_types == {"GOLD": demo.GOLD_CARD}
    assert config.levels == demo.LEVELS
    assert config.promotions == demo.PROMOTIONS
    assert config.coupons == {"WELCOME10": demo.WELCOME_COUPON}
    assert config.sale_rules() == demo.RULES
    assert config == demo_configuration()
    assert config.catalogue().product("LATTE") == demo.PRODUCTS["LATTE"]


def test_every_card_type_and_coupon_of_the_demo_store_is_published():
    config = StoreConfiguration.from_documents(demo_documents())
    objects = vars(demo).values()
    card_types = [value for value in objects if isinstance(value, CardType)]
    coupons = [value for value in objects if isinstance(value, Coupon)]
    assert card_types and coupons
    assert all(config.card_types.get(card_type.code) == card_type for card_type in card_types)
    assert all(config.coupons.get(coupon.code) == coupon for coupon in coupons)


@pytest.mark.parametrize(
    ("encode", "decode", "value"),
    [
        (encode_catalogue, decode_catalogue, tuple(demo.PRODUCTS.values())),
        (encode_card_types, decode_card_types, (demo.GOLD_CARD,)),
        (encode_levels, decode_levels, demo.LEVELS),
        (encode_promotions, decode_promotions, PromotionRules(demo.PROMOTIONS)),
        (encode_coupons, decode_coupons, (demo.WELCOME_COUPON,)),
        (encode_points_rules, decode_points_rules,
         PointsRules(demo.EARNING, demo.RULES.points_offset, (Gift("MUG", "马克杯", 500, 20),))),
        (encode_commission, decode_commission, demo.RULES.commission_rules),
        (encode_prices, decode_prices, {"LATTE": 2900, "CAKE": 0}),
    ],
)
def test_each_document_round_trips_through_json(encode, decode, value):
    body = encode(value)
    assert through_json(body) == body
    assert decode(through_json(body)) == value


def test_missing_documents_give_the_documented_defaults():
    empty = StoreConfiguration.from_documents({})
    assert empty == StoreConfiguration()
    assert empty.levels is None and empty.earning is None and empty.points_offset is None
    assert empty.sale_rules() == SaleRules()
    assert StoreConfiguration().to_documents()["points_rules"] == {
        "earning": None, "points_offset": None, "gifts": []}


def test_offline_limits_and_blacklist_are_left_to_their_readers():
    bodies = {"offline_limits": {"per_card_fen": 1}, "blacklist": {"cards": {}}}
    assert StoreConfiguration.from_documents(bodies) == StoreConfiguration()


def test_absent_fields_take_the_cores_defaults():
    body = {"products": [{"code": "TEA", "name": "茶", "category": "drinks", "unit_price": 900}]}
    assert decode_catalogue(body) == (Product("TEA", "茶", "drinks", 900),)
    minimal = {"card_types": [{"code": "SV", "name": "储值卡", "features": ["stored_value"]}]}
    assert decode_card_types(minimal) == (
        CardType("SV", "储值卡", frozenset({Feature.STORED_VALUE})),)


def test_the_prices_document_replaces_catalogue_prices_and_gift_coupons_see_them():
    gift = Coupon("FREECAKE", CouponKind.GIFT_ITEM, YEAR_START, YEAR_START + timedelta(days=30),
                  gift_product=demo.PRODUCTS["CAKE"])
    documents = {**demo_documents(), "coupons": encode_coupons([gift]),
                 "prices": encode_prices({"CAKE": 3500})}
    config = StoreConfiguration.from_documents(documents)
    assert config.products["CAKE"].unit_price == 3500
    assert config.products["LATTE"] == demo.PRODUCTS["LATTE"]
    assert config.coupons["FREECAKE"].gift_product == config.products["CAKE"]
    assert StoreConfiguration.from_documents(through_json(config.to_documents())) == config


def protocol_examples() -> dict[str, Any]:
    """The example body of each document in docs/protocol.md, by name."""
    section = PROTOCOL.read_text().split("## Configuration document bodies")[1]
    section = section.split("\n## ")[0]
    examples = {}
    for bullet in re.split(r"\n- ", section)[1:]:
        name = re.match(r"`(\w+)`", bullet)
        example = (re.search(r"```json\n(.*?)```", bullet, re.S)
                   or re.search(r"`(\{.*\})`", bullet, re.S))
        assert name and example, bullet
        examples[name.group(1)] = json.loads(example.group(1))
    return examples


def test_the_protocols_examples_are_valid_documents():
    examples = protocol_examples()
    staff = examples.pop("staff")  # the terminal's store reads it, not StoreConfiguration
    assert [member.staff_id for member in decode_staff_document(staff)] == ["S01", "M01"]
    assert set(examples) == set(DOCUMENT_NAMES)
    config = StoreConfiguration.from_documents(examples)
    assert config.products["LATTE"].unit_price == 2900  # the prices example
    assert config.gifts["MUG"].points_cost == 500


# --- property: generated objects round-trip -----------------------------------------------------

codes = st.text(min_size=1, max_size=6)
names = st.text(max_size=8)
fen = st.integers(0, 10**9)
code_sets = st.frozensets(codes, max_size=3)


products = st.builds(Product, code=codes, name=names, category=names, unit_price=fen,
                     is_service=st.booleans(), member_discount=st.booleans(),
                     earns_points=st.booleans())


@st.composite
def promotions(draw: st.DrawFn) -> Promotion:
    kind = draw(st.sampled_from(PromotionKind))
    starts_at = draw(st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1)))
    extra: dict[str, Any] = {}
    if kind is PromotionKind.TIMED_DISCOUNT:
        extra["pay_rate_bp"] = draw(st.integers(0, 9999))
    elif kind is PromotionKind.SPEND_SAVE:
        extra.update(tiers=draw(spend_tiers()), repeat=draw(st.booleans()),
                     max_saving=draw(st.none() | st.integers(1, 10**6)))
    else:
        extra.update(buy_qty=draw(st.integers(1, 9)), free_qty=draw(st.integers(1, 9)))
    window = draw(st.lists(st.times(), min_size=2, max_size=2, unique=True))
    return Promotion(
        code=draw(codes), name=draw(names), kind=kind, starts_at=starts_at,
        ends_at=starts_at + timedelta(seconds=draw(st.integers(1, 10**8))),
        stores=draw(code_sets), products=draw(code_sets), categories=draw(code_sets),
        weekdays=draw(st.frozensets(st.integers(0, 6))),
        daily_from=draw(st.none() | st.just(window[0])),
        daily_until=draw(st.none() | st.just(window[1])),
        members_only=draw(st.booleans()), **extra,
    )


@st.composite
def spend_tiers(draw: st.DrawFn) -> tuple[SpendTier, ...]:
    thresholds = sorted(draw(st.sets(st.integers(1, 10**7), min_size=1, max_size=4)))
    tiers, saving = [], 1
    for threshold in thresholds:
        saving = draw(st.integers(saving, threshold))
        tiers.append(SpendTier(threshold, saving))
    return tuple(tiers)


def unique_list(strategy: st.SearchStrategy, key: Any) -> st.SearchStrategy:
    return st.lists(strategy, max_size=3, unique_by=key).map(tuple)


card_types = st.builds(
    CardType,
    code=codes, name=names,
    features=st.frozensets(st.sampled_from(Feature), min_size=1),
    validity_days=st.none() | st.integers(1, 10**4),
    fees=st.builds(Fees, fen, fen, fen, fen),
    bonus_tiers=st.lists(st.builds(BonusTier, st.integers(1, 10**7), fen, st.integers(0, 10**4),
                                   st.booleans()), max_size=3).map(tuple),
    discount_bp=st.integers(0, 10_000),
    category_discount_bp=st.dictionaries(codes, st.integers(0, 10_000), max_size=3),
    count_packages=unique_list(st.builds(CountPackage, codes, names, codes, st.integers(1, 99),
                                         fen, st.none() | st.integers(1, 999)),
                               lambda package: package.code),
    time_rates=unique_list(st.builds(TimeRate, codes, st.integers(1, 240), fen,
                                     st.integers(0, 60), st.none() | fen),
                           lambda rate: rate.service),
    passes=unique_list(st.builds(PeriodPass, codes, names, codes, st.integers(1, 366), fen),
                       lambda item: item.code),
    draw_order=st.sampled_from(DrawOrder),
    min_topup=fen,
    max_balance=st.none() | fen,
    subsidiary=st.builds(SubsidiaryPolicy, st.booleans(), st.integers(0, 9), fen,
                         st.sampled_from(QuotaPeriod)),
)


@given(st.lists(products, max_size=5, unique_by=lambda product: product.code).map(tuple))
def test_products_round_trip(generated):
    assert decode_catalogue(through_json(encode_catalogue(generated))) == generated


@given(st.lists(promotions(), max_size=4, unique_by=lambda promotion: promotion.code).map(tuple))
def test_promotions_round_trip(generated):
    rules = PromotionRules(generated)
    assert decode_promotions(through_json(encode_promotions(rules))) == rules


@given(st.lists(card_types, max_size=3, unique_by=lambda card_type: card_type.code).map(tuple))
def test_card_types_round_trip(generated):
    assert decode_card_types(through_json(encode_card_types(generated))) == generated
