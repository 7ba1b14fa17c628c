"""Gift stock (membership.gift_stock): what is left, the document's codec, and the offline
decision that bounds a terminal HQ cannot hear."""

from __future__ import annotations

import pytest

from membership.gift_stock import (
    OFFLINE_GIFT_LIMIT,
    OUT_OF_STOCK,
    decide_offline_gift,
    decode_gift_stock,
    encode_gift_stock,
    known_left,
    redeemed_units,
    stock_left,
)
from membership.offline_limits import DEFAULT_TERMINAL_GIFTS, DebitDecision, OfflineLimits
from membership.points import Gift
from protocol.wire import WireError
from protocol.wire_auth import AuthRequest, parse_auth_request

UMBRELLA = Gift("UMBRELLA", "晴雨伞", points_cost=200, stock=10)
MUG = Gift("MUG", "马克杯", points_cost=100)  # unlimited


def test_what_is_left_is_the_stock_less_the_units_redeemed_never_below_zero():
    redeemed = redeemed_units([{"gift": "UMBRELLA", "qty": 4}, {"gift": "UMBRELLA", "qty": 9},
                               {"gift": "MUG", "qty": 3}])
    assert redeemed == {"UMBRELLA": 13, "MUG": 3}
    assert stock_left([UMBRELLA, MUG], redeemed) == {"UMBRELLA": 0}  # the mug has no stock
    assert stock_left([UMBRELLA], {"UMBRELLA": 3}) == {"UMBRELLA": 7}


@pytest.mark.parametrize("payload", [
    {"gift": "UMBRELLA", "qty": 0}, {"gift": "UMBRELLA", "qty": True},
    {"gift": "UMBRELLA", "qty": "2"}, {"gift": 7, "qty": 1}, {"qty": 1},
])
def test_a_malformed_redemption_counts_for_nothing(payload):
    assert redeemed_units([payload]) == {}


def test_the_document_round_trips_and_a_bad_entry_is_left_out():
    assert decode_gift_stock(encode_gift_stock({"MUG": 0, "UMBRELLA": 7})) == {
        "MUG": 0, "UMBRELLA": 7}
    assert decode_gift_stock({"left": {"A": -1, "B": True, "C": "3", "D": 2}}) == {"D": 2}
    assert decode_gift_stock(None) == {} and decode_gift_stock({"left": []}) == {}


def test_what_a_terminal_knows_is_left():
    assert known_left(UMBRELLA, {"UMBRELLA": 4}) == 4
    assert known_left(UMBRELLA, {}) == 10  # no document yet: the stock as published
    assert known_left(MUG, {"MUG": 0}) is None  # no stock kept: unlimited


@pytest.mark.parametrize(("qty", "left", "mine", "all_mine", "allowance", "expected"), [
    (1, 4, 0, 0, 2, DebitDecision(True, False, "", 1)),
    (2, 4, 1, 1, 2, DebitDecision(False, False, OFFLINE_GIFT_LIMIT, 1)),  # the allowance stops it
    (2, 4, 3, 3, 5, DebitDecision(False, False, OUT_OF_STOCK, 1)),  # 4 left, 3 handed out here
    (1, 0, 0, 0, 2, DebitDecision(False, False, OUT_OF_STOCK, 0)),
    (2, None, 0, 1, 3, DebitDecision(True, False, "", 0)),  # unlimited: the allowance only
    (1, None, 0, 3, 3, DebitDecision(False, False, OFFLINE_GIFT_LIMIT, 0)),
    (1, 2, 5, 5, 9, DebitDecision(False, False, OUT_OF_STOCK, 0)),  # never a negative left
])
def test_offline_redemptions_are_bounded_by_the_stock_known_and_the_allowance(
        qty, left, mine, all_mine, allowance, expected):
    assert decide_offline_gift(qty, left, mine, all_mine, allowance) == expected


def test_the_offline_limits_document_carries_the_gift_allowance():
    assert OfflineLimits().per_terminal_gifts == DEFAULT_TERMINAL_GIFTS
    limits = OfflineLimits.from_document({"per_terminal_gifts": 5})
    assert limits.per_terminal_gifts == 5
    assert OfflineLimits.from_document(limits.to_document()) == limits
    assert OfflineLimits.from_document({"per_terminal_gifts": -1}).per_terminal_gifts == (
        DEFAULT_TERMINAL_GIFTS)


def test_a_gift_authorisation_names_its_gift_on_the_wire():
    request = AuthRequest("T1", "T1-000001", "8800000000000001", "gift", 2, "UMBRELLA")
    assert parse_auth_request("hy/v1/t/T1/auth/req", request.to_bytes()) == request
    nameless = AuthRequest("T1", "T1-000001", "8800000000000001", "gift", 2, "")
    with pytest.raises(WireError):
        parse_auth_request("hy/v1/t/T1/auth/req", nameless.to_bytes())
