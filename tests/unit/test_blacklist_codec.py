"""The `blacklist` document's codec: one strict rule for HQ, the member desk and the debit
guard (membership.config_codec_blacklist)."""

import pytest

from membership.cards import CardStatus
from membership.config_codec_blacklist import (
    MAX_LISTED_CARDS,
    Blacklist,
    decode_blacklist,
    encode_blacklist,
)
from membership.errors import ConfigError

LOST_CARD = "8800000000001234"
FROZEN_CARD = "8800000000005678"


def test_a_listed_card_has_its_status_and_another_none():
    blacklist = decode_blacklist({"cards": {LOST_CARD: "lost", FROZEN_CARD: "frozen"}})
    assert blacklist.status_of(LOST_CARD) is CardStatus.LOST
    assert blacklist.status_of(FROZEN_CARD) is CardStatus.FROZEN
    assert blacklist.status_of("8800000000009999") is None


def test_an_empty_list_blocks_nothing():
    assert decode_blacklist({"cards": {}}) == Blacklist()


def test_encoding_lists_the_cards_in_number_order_and_decodes_back():
    blacklist = Blacklist({FROZEN_CARD: CardStatus.FROZEN, LOST_CARD: CardStatus.LOST,
                           "8800000000000001": CardStatus.CANCELLED})
    body = encode_blacklist(blacklist)
    assert list(body["cards"].items()) == [
        ("8800000000000001", "cancelled"), (LOST_CARD, "lost"), (FROZEN_CARD, "frozen")]
    assert decode_blacklist(body) == blacklist


@pytest.mark.parametrize("status", sorted(set(CardStatus) - {CardStatus.ACTIVE}))
def test_every_status_that_forbids_paying_may_be_listed(status):
    assert decode_blacklist({"cards": {LOST_CARD: status.value}}).status_of(LOST_CARD) is status


def test_a_blacklist_cannot_be_built_with_a_status_that_allows_paying():
    with pytest.raises(ValueError, match=LOST_CARD):
        Blacklist({LOST_CARD: CardStatus.ACTIVE})


def refusal(body) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        decode_blacklist(body)
    assert caught.value.params["document"] == "blacklist"
    return caught.value


@pytest.mark.parametrize(("body", "key", "field"), [
    (["not", "an", "object"], "config.field_type", "-"),
    ({}, "config.field_missing", "cards"),
    ({"cards": {}, "version": 3}, "config.field_unknown", "version"),
    ({"cards": [LOST_CARD]}, "config.field_type", "cards"),
    ({"cards": None}, "config.field_type", "cards"),
])
def test_a_malformed_body_is_refused_naming_the_field(body, key, field):
    error = refusal(body)
    assert (error.key, error.params["field"]) == (key, field)


@pytest.mark.parametrize(("status", "key"), [
    ("active", "config.value_unknown"),  # an active card on a blacklist is a contradiction
    ("stolen", "config.value_unknown"),
    ("", "config.value_unknown"),
    (1, "config.field_type"),
    (None, "config.field_type"),
    (True, "config.field_type"),
    (1.5, "config.float_refused"),
])
def test_a_status_that_is_not_a_blocking_card_status_is_refused(status, key):
    error = refusal({"cards": {FROZEN_CARD: "frozen", LOST_CARD: status}})
    assert (error.key, error.params["item"], error.params["field"]) == (
        key, LOST_CARD, f"cards.{LOST_CARD}")


def test_an_unknown_status_is_refused_with_the_statuses_allowed():
    error = refusal({"cards": {LOST_CARD: "stolen"}})
    assert error.params["allowed"] == "cancelled, expired, frozen, lost, replaced"


@pytest.mark.parametrize("card_no", ["", "8" * 65, "8800\x00", "8800\n1234"])
def test_a_malformed_card_number_is_refused_by_its_place_without_repeating_it(card_no):
    error = refusal({"cards": {LOST_CARD: "lost", card_no: "lost"}})
    assert (error.key, error.params["item"]) == ("config.card_no_invalid", "cards[1]")
    if card_no:
        assert card_no not in str(error)


def test_a_card_number_of_the_longest_length_is_accepted():
    longest = "8" * 64
    assert decode_blacklist({"cards": {longest: "lost"}}).status_of(longest) is CardStatus.LOST


def test_more_cards_than_the_bound_are_refused():
    too_many = dict.fromkeys((f"{n:016d}" for n in range(MAX_LISTED_CARDS + 1)), "lost")
    error = refusal({"cards": too_many})
    assert (error.key, error.params["maximum"]) == ("config.list_too_long", MAX_LISTED_CARDS)
