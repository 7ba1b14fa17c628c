"""Configuration documents: decoding is strict (types, floats, negative money, unknown keys and
values, repeated codes, unknown references) and every refusal names the document, the item and
the field, in a message translated into both languages."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from membership.catalogue import Product
from membership.config_documents import (
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
    encode_catalogue,
    encode_coupons,
    encode_promotions,
)
from membership.config_fields import EXPECTED_TYPES
from membership.coupons import Coupon, CouponKind
from membership.errors import ConfigError, DomainError, PromotionError
from membership.promotions import Promotion, PromotionKind
from terminal.demo import store as demo
from terminal.demo.documents import demo_documents
from terminal.i18n import error_message

YEAR_START = datetime(2026, 1, 1)


# --- refusals -----------------------------------------------------------------------------------

def broken(name: str, change) -> dict[str, Any]:
    """The demo store's `name` document with one fault put in by `change(body)`."""
    body = copy.deepcopy(demo_documents()[name])
    change(body)
    return body


def first(body: dict[str, Any], items: str = "") -> dict[str, Any]:
    return body[items or next(iter(body))][0]


def product(body):
    return first(body, "products")


def gold(body):
    return first(body, "card_types")


def afternoon(body):
    return first(body, "promotions")


def manjian(body):
    return body["promotions"][1]


def welcome(body):
    return first(body, "coupons")


DECODERS = {"catalogue": decode_catalogue, "card_types": decode_card_types,
            "levels": decode_levels, "promotions": decode_promotions,
            "coupons": lambda body: decode_coupons(body, demo.PRODUCTS),
            "points_rules": decode_points_rules, "commission": decode_commission,
            "prices": decode_prices}

REFUSALS = [
    # (document, fault, key, item, field, more expected params)
    ("catalogue", lambda b: product(b).update(unit_price=28.0), "config.float_refused",
     "LATTE", "unit_price", {"value": 28.0}),
    ("catalogue", lambda b: product(b).update(unit_price=-1), "config.money_negative",
     "LATTE", "unit_price", {"value": -1}),
    ("catalogue", lambda b: product(b).update(unit_price="2800"), "config.field_type",
     "LATTE", "unit_price", {"expected": "integer"}),
    ("catalogue", lambda b: product(b).update(unit_price=True), "config.field_type",
     "LATTE", "unit_price", {"expected": "integer"}),
    ("catalogue", lambda b: product(b).update(name=5), "config.field_type",
     "LATTE", "name", {"expected": "text"}),
    ("catalogue", lambda b: product(b).update(is_service=1), "config.field_type",
     "LATTE", "is_service", {"expected": "boolean"}),
    ("catalogue", lambda b: product(b).pop("name"), "config.field_missing", "LATTE", "name", {}),
    ("catalogue", lambda b: product(b).pop("code"), "config.field_missing",
     "products[0]", "code", {}),
    ("catalogue", lambda b: product(b).update(barcode="6901234567892"), "config.field_unknown",
     "LATTE", "barcode", {}),
    ("catalogue", lambda b: b.update(version=3), "config.field_unknown", "-", "version", {}),
    ("catalogue", lambda b: b["products"].append(product(b)), "config.code_duplicate",
     "LATTE", "products[6]", {"value": "LATTE"}),
    ("catalogue", lambda b: b.update(products={}), "config.field_type",
     "-", "products", {"expected": "list"}),
    ("catalogue", lambda b: product(b).update(code=""), "catalogue.code_missing",
     "products[0]", None, {}),
    ("card_types", lambda b: gold(b)["fees"].update(join=-1), "config.money_negative",
     "GOLD", "fees.join", {}),
    ("card_types", lambda b: gold(b)["features"].append("gift"), "config.value_unknown",
     "GOLD", "features[5]", {"value": "gift"}),
    ("card_types", lambda b: gold(b)["count_packages"][0].update(uses=0),
     "config.value_out_of_range", "GOLD", "count_packages[0].uses", {"minimum": 1}),
    ("card_types", lambda b: gold(b)["bonus_tiers"][0].update(bonus_rate=5),
     "config.field_unknown", "GOLD", "bonus_tiers[0].bonus_rate", {}),
    ("card_types", lambda b: gold(b)["subsidiary"].update(period="year"), "config.value_unknown",
     "GOLD", "subsidiary.period", {"value": "year"}),
    ("card_types", lambda b: gold(b).update(discount_bp=None), "config.field_type",
     "GOLD", "discount_bp", {"expected": "integer"}),
    ("card_types", lambda b: gold(b).update(discount_bp=12000), "config.rate_out_of_range",
     "GOLD", None, {"code": "GOLD"}),
    ("card_types", lambda b: gold(b)["passes"].append(gold(b)["passes"][0]),
     "config.code_duplicate", "GOLD", "passes[1]", {"value": "STUDY-M"}),
    ("levels", lambda b: b["levels"][1].update(rank=0), "config.level_rank_duplicate",
     "-", None, {}),
    ("levels", lambda b: b["levels"][2].update(upgrade_spend=-5), "config.money_negative",
     "GOLD", "upgrade_spend", {}),
    ("levels", lambda b: b["levels"][1]["category_discount_bp"].update(drinks=9000.5),
     "config.float_refused", "SILVER", "category_discount_bp.drinks", {}),
    ("promotions", lambda b: afternoon(b).update(kind="flash_sale"), "config.value_unknown",
     "AFTERNOON", "kind", {"value": "flash_sale"}),
    ("promotions", lambda b: afternoon(b).update(starts_at="2026-13-01"), "config.field_type",
     "AFTERNOON", "starts_at", {"expected": "datetime"}),
    ("promotions", lambda b: afternoon(b).update(ends_at=20270101), "config.field_type",
     "AFTERNOON", "ends_at", {"expected": "datetime"}),
    ("promotions", lambda b: afternoon(b).update(ends_at=1.5), "config.float_refused",
     "AFTERNOON", "ends_at", {}),
    ("promotions", lambda b: afternoon(b).update(starts_at="2026-01-01T00:00:00+08:00"),
     "config.field_type", "AFTERNOON", "starts_at", {"expected": "datetime"}),
    ("promotions", lambda b: afternoon(b).update(daily_from="25:00"), "config.field_type",
     "AFTERNOON", "daily_from", {"expected": "time"}),
    ("promotions", lambda b: afternoon(b).update(pay_rate_bp=0.8), "config.float_refused",
     "AFTERNOON", "pay_rate_bp", {}),
    ("promotions", lambda b: afternoon(b).update(stores=["SH001", "SH001"]),
     "config.code_duplicate", "AFTERNOON", "stores[1]", {"value": "SH001"}),
    ("promotions", lambda b: manjian(b)["tiers"][0].update(saving=20000),
     "promotion.tier_invalid", "MANJIAN", None, {"code": "MANJIAN"}),
    ("promotions", lambda b: afternoon(b).update(weekdays=[7]), "promotion.weekday_invalid",
     "AFTERNOON", None, {}),
    ("promotions", lambda b: b["stacking"].update(member_discount_on_top=True),
     "config.field_unknown", "stacking", "member_discount_on_top", {}),
    ("coupons", lambda b: welcome(b).update(kind="gift_item", gift_product="NOPE"),
     "config.reference_unknown", "WELCOME10", "gift_product", {"value": "NOPE"}),
    ("coupons", lambda b: welcome(b).update(value=-100), "config.money_negative",
     "WELCOME10", "value", {}),
    ("coupons", lambda b: welcome(b).update(used=True), "config.field_unknown",
     "WELCOME10", "used", {}),
    ("coupons", lambda b: welcome(b).update(kind="lottery"), "config.value_unknown",
     "WELCOME10", "kind", {"allowed": "cash_off, percent_off, gift_item"}),
    ("points_rules", lambda b: b["earning"].update(fen_per_point=0), "config.value_out_of_range",
     "earning", "fen_per_point", {"minimum": 1}),
    ("points_rules", lambda b: b["earning"]["expiry"].update(kind="monthly"),
     "config.value_unknown", "earning", "expiry.kind", {}),
    ("points_rules", lambda b: b["points_offset"].update(max_share_bp=20000),
     "config.points_rule_invalid", "points_offset", None, {}),
    ("commission", lambda b: first(b, "rules").update(basis="tips"), "config.value_unknown",
     "FACIAL-SALE", "basis", {}),
    ("commission", lambda b: first(b, "rules").update(category="beauty"),
     "config.commission_rule_invalid", "FACIAL-SALE", None, {}),
]


@pytest.mark.parametrize(("document", "fault", "key", "item", "field", "params"), REFUSALS)
def test_a_faulty_document_is_refused_with_where_and_why(document, fault, key, item, field,
                                                         params):
    with pytest.raises(DomainError) as caught:
        DECODERS[document](broken(document, fault))
    error = caught.value
    expected = {"document": document, "item": item, **params}
    if field is not None:
        expected["field"] = field
    assert (error.key, {name: error.params.get(name) for name in expected}) == (key, expected)
    assert_translated(error)


def assert_translated(error: DomainError) -> None:
    """Every parameter a message uses is there, in both languages."""
    for lang in ("zh_CN", "en"):
        message = error_message(error, lang)
        assert "{" not in message and error.key not in message, message


def test_the_cores_own_errors_keep_their_class():
    with pytest.raises(PromotionError):
        decode_promotions(broken("promotions", lambda b: afternoon(b).update(weekdays=[7])))


DOCUMENT_SET_REFUSALS = [
        ({"promotion": {"promotions": []}}, "config.document_unknown",
         {"document": "promotion"}),
        ({"catalogue": [], "card_types": {"card_types": []}}, "config.field_type",
         {"document": "catalogue", "item": "-", "field": "-", "expected": "object"}),
        ({**demo_documents(), "prices": {"prices": {"MATCHA": 3000}}},
         "config.reference_unknown", {"document": "prices", "item": "MATCHA"}),
        ({"prices": {"prices": {"LATTE": 29.5}}}, "config.float_refused",
         {"document": "prices", "item": "LATTE", "field": "prices.LATTE"}),
        ({"prices": {"prices": {"LATTE": -1}}}, "config.money_negative",
         {"document": "prices", "item": "LATTE", "field": "prices.LATTE"}),
        ({"points_rules": {"gifts": [{"code": "MUG", "name": "杯", "points_cost": 1.5}]}},
         "config.float_refused", {"document": "points_rules", "item": "MUG"}),
]


@pytest.mark.parametrize(("bodies", "key", "params"), DOCUMENT_SET_REFUSALS)
def test_faulty_sets_of_documents_are_refused(bodies, key, params):
    with pytest.raises(ConfigError) as caught:
        StoreConfiguration.from_documents(bodies)
    assert caught.value.key == key
    assert {name: caught.value.params.get(name) for name in params} == params
    assert_translated(caught.value)


USED = Coupon("USED1", CouponKind.CASH_OFF, YEAR_START, YEAR_START, value=100, used=True)
AWARE = Promotion("TZ", "带时区", PromotionKind.TIMED_DISCOUNT,
                  datetime(2026, 1, 1, tzinfo=UTC),
                  datetime(2026, 2, 1, tzinfo=UTC), pay_rate_bp=9000)
AWARE_DAILY = Promotion("NIGHT", "夜场", PromotionKind.TIMED_DISCOUNT, YEAR_START,
                        YEAR_START + timedelta(days=1), pay_rate_bp=9000,
                        daily_from=time(22, tzinfo=UTC))
ENCODING_REFUSALS = [
    (lambda: encode_coupons([USED]), "config.coupon_used", "used"),
    (lambda: encode_promotions(PromotionRules((AWARE,))), "config.field_type", "starts_at"),
    (lambda: encode_promotions(PromotionRules((AWARE_DAILY,))), "config.field_type",
     "daily_from"),
    (lambda: encode_catalogue([Product("X", "x", "c", 12.5)]), "config.float_refused",
     "products[0].unit_price"),
]


@pytest.mark.parametrize(("encode", "key", "field"), ENCODING_REFUSALS)
def test_objects_that_cannot_be_published_are_refused_on_encoding(encode, key, field):
    with pytest.raises(ConfigError) as caught:
        encode()
    assert (caught.value.key, caught.value.params["field"]) == (key, field)
    assert_translated(caught.value)


def test_every_new_configuration_key_and_type_is_tested():
    new_keys = {"config.field_missing", "config.field_unknown", "config.field_type",
                "config.float_refused", "config.money_negative", "config.value_out_of_range",
                "config.value_unknown", "config.code_duplicate", "config.reference_unknown",
                "config.document_unknown", "config.coupon_used"}
    tested = {row[2] for row in REFUSALS} | {row[1] for row in DOCUMENT_SET_REFUSALS}
    tested |= {row[1] for row in ENCODING_REFUSALS}
    assert new_keys <= tested
    expected_types = {row[5].get("expected") for row in REFUSALS}
    expected_types |= {row[2].get("expected") for row in DOCUMENT_SET_REFUSALS}
    assert set(EXPECTED_TYPES) <= expected_types
