"""Stored value: top-up bonus tiers, the principal/bonus draw, spend entries and withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.cards import BonusTier, Card, CardStatus, CardType, DrawOrder, Feature
from membership.errors import CardStateError, InsufficientBalance, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, derive_balances
from membership.stored_value import (
    Draw,
    allocate_draw,
    bonus_for,
    draw,
    spend_entries,
    top_up,
    withdraw,
)

AT = datetime(2025, 6, 1, 14, 5)
TIERS = (BonusTier(min_paid=50000, bonus=3000), BonusTier(min_paid=100000, bonus=10000))
SV = CardType(
    code="SV", name="储值卡", features=frozenset({Feature.STORED_VALUE}), bonus_tiers=TIERS,
    min_topup=10000, max_balance=500000,
)
DISCOUNT_ONLY = CardType(code="SV", name="折扣卡", features=frozenset({Feature.DISCOUNT}))
CARD = Card("C001", "M001", "SV", expires_on=date(2025, 12, 31))
CHILD = Card("C001-1", "M002", "SV", parent_card_no="C001", quota=10000)


# --- bonus tiers ------------------------------------------------------------------------------


@pytest.mark.parametrize(("paid", "bonus"), [
    (49999, 0),  # below the lowest tier
    (50000, 3000),  # ≥ ¥500 → +¥30
    (99999, 3000),
    (100000, 10000),  # ≥ ¥1000 → +¥100, the ¥500 tier does not add on
    (250000, 10000),  # not repeating: still +¥100
])
def test_highest_tier_met_applies(paid, bonus):
    assert bonus_for(TIERS, paid) == bonus


def test_repeat_tier_gives_the_bonus_per_full_multiple():
    every_thousand = [BonusTier(min_paid=100000, bonus=10000, repeat=True)]
    assert bonus_for(every_thousand, 250000) == 20000  # ¥2500 = 2 full ¥1000 → 2 × ¥100
    assert bonus_for(every_thousand, 99999) == 0


def test_rate_bonus_adds_to_the_fixed_bonus_and_rounds_half_up():
    tiers = [BonusTier(min_paid=10000, bonus=500, bonus_rate_bp=250)]
    # ¥123.45 × 2.5 % = 308.625 fen → 309, plus ¥5.00
    assert bonus_for(tiers, 12345) == 809


def test_negative_payment_is_invalid():
    with pytest.raises(InvalidInput):
        bonus_for(TIERS, -1)


# --- top-up -----------------------------------------------------------------------------------


def test_top_up_credits_principal_and_bonus_apart():
    decision = top_up(CARD, SV, CardBalances(), 100000, "op-top", AT)
    assert (decision.paid, decision.bonus) == (100000, 10000)
    balances = derive_balances(decision.entries)
    assert (balances.principal, balances.bonus) == (100000, 10000)
    assert [e.kind for e in decision.entries] == [EntryKind.TOPUP, EntryKind.TOPUP_BONUS]


def test_top_up_without_bonus_writes_one_entry():
    decision = top_up(CARD, SV, CardBalances(), 20000, "op-top", AT)
    assert [(e.account, e.delta) for e in decision.entries] == [(Account.PRINCIPAL, 20000)]


@pytest.mark.parametrize(("card", "card_type", "paid", "key"), [
    (CARD, SV, 9999, "topup.below_minimum"),
    (CARD, replace(SV, min_topup=0), 0, "topup.below_minimum"),
    (CARD, SV, -100, "topup.below_minimum"),
    (CHILD, SV, 20000, "topup.subsidiary_card"),
    (CARD, DISCOUNT_ONLY, 20000, "card.no_stored_value"),
    (replace(CARD, status=CardStatus.FROZEN), SV, 20000, "card.frozen"),
    (replace(CARD, expires_on=date(2025, 5, 31)), SV, 20000, "card.expired"),
])
def test_top_up_refused(card, card_type, paid, key):
    with pytest.raises((InvalidInput, CardStateError)) as raised:
        top_up(card, card_type, CardBalances(), paid, "op-top", AT)
    assert raised.value.key == key


def test_top_up_over_the_maximum_balance_counts_the_bonus():
    balances = CardBalances(principal=380000, bonus=10000)
    # ¥3900 held + ¥1000 paid + ¥100 bonus = ¥5000: exactly the maximum
    top_up(CARD, SV, balances, 100000, "op-top", AT)
    with pytest.raises(InvalidInput) as raised:
        top_up(CARD, SV, replace(balances, bonus=10001), 100000, "op-top", AT)
    assert raised.value.key == "topup.over_maximum"
    assert raised.value.params["balance_after"] == 500001


# --- draw -------------------------------------------------------------------------------------

BALANCES = CardBalances(principal=100000, bonus=10000)


@pytest.mark.parametrize(("order", "amount", "expected"), [
    # ¥55.00 × 100/1100 = ¥5.00 bonus, ¥50.00 principal
    (DrawOrder.PROPORTIONAL, 5500, Draw(principal=5000, bonus=500)),
    # ¥0.05 × 1/11 = 0.4545 fen → 0 bonus; ¥0.06 × 1/11 = 0.5454 → 1 fen
    (DrawOrder.PROPORTIONAL, 5, Draw(principal=5, bonus=0)),
    (DrawOrder.PROPORTIONAL, 6, Draw(principal=5, bonus=1)),
    (DrawOrder.PROPORTIONAL, 110000, Draw(principal=100000, bonus=10000)),
    (DrawOrder.PRINCIPAL_FIRST, 5500, Draw(principal=5500, bonus=0)),
    (DrawOrder.PRINCIPAL_FIRST, 105000, Draw(principal=100000, bonus=5000)),
    (DrawOrder.BONUS_FIRST, 5500, Draw(principal=0, bonus=5500)),
    (DrawOrder.BONUS_FIRST, 15000, Draw(principal=5000, bonus=10000)),
])
def test_draw_orders(order, amount, expected):
    assert draw(BALANCES, amount, order) == expected


def test_proportional_is_the_default():
    assert draw(BALANCES, 5500) == Draw(principal=5000, bonus=500)


def test_proportional_draw_of_the_whole_balance_empties_both_accounts():
    # 2 × 2/3 = 1.33 → 1 fen bonus; 3 × 2/3 = 2 exactly
    assert draw(CardBalances(principal=1, bonus=2), 2) == Draw(principal=1, bonus=1)
    assert draw(CardBalances(principal=1, bonus=2), 3) == Draw(principal=1, bonus=2)
    assert draw(CardBalances(principal=0, bonus=700), 700) == Draw(principal=0, bonus=700)


def test_draw_more_than_held_is_refused_with_what_is_available():
    with pytest.raises(InsufficientBalance) as raised:
        draw(BALANCES, 110001, DrawOrder.PROPORTIONAL)
    assert raised.value.key == "balance.insufficient"
    assert raised.value.params == {"needed": 110001, "available": 110000}


def test_overdrawn_account_counts_as_empty():
    assert draw(CardBalances(principal=-300, bonus=1000), 600) == Draw(principal=0, bonus=600)


@pytest.mark.parametrize("amount", [0, -1])
def test_draw_needs_a_positive_amount(amount):
    with pytest.raises(InvalidInput):
        draw(BALANCES, amount, DrawOrder.PROPORTIONAL)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(-1000, 10_000_000), bonus=st.integers(-1000, 1_000_000),
    share=st.floats(0, 1), order=st.sampled_from(list(DrawOrder)),
)
def test_draw_never_overdraws_and_adds_up(principal, bonus, share, order):
    available = max(principal, 0) + max(bonus, 0)
    amount = max(1, int(available * share))
    if amount > available:
        with pytest.raises(InsufficientBalance):
            draw(CardBalances(principal=principal, bonus=bonus), amount, order)
        return
    drawn = draw(CardBalances(principal=principal, bonus=bonus), amount, order)
    assert drawn.principal + drawn.bonus == amount == drawn.total
    assert 0 <= drawn.principal <= max(principal, 0)
    assert 0 <= drawn.bonus <= max(bonus, 0)


# --- spend entries ----------------------------------------------------------------------------


def test_spend_entries_one_per_account():
    entries = spend_entries("C001", "op-sale", Draw(principal=5000, bonus=500), AT)
    assert [(e.account, e.delta, e.kind, e.line_no) for e in entries] == [
        (Account.PRINCIPAL, -5000, EntryKind.SPEND, None),
        (Account.BONUS, -500, EntryKind.SPEND, None),
    ]


def test_spend_entries_per_line_for_a_subsidiary_card():
    parts = [(1, 3000, 300), (2, 2000, 200)]
    entries = spend_entries("C001", "op-sale", Draw(5000, 500), AT, actor_card_no="C001-1",
                            line_parts=parts)
    assert [(e.line_no, e.account, e.delta) for e in entries] == [
        (1, Account.PRINCIPAL, -3000), (1, Account.BONUS, -300),
        (2, Account.PRINCIPAL, -2000), (2, Account.BONUS, -200),
    ]
    assert {(e.card_no, e.actor_card_no) for e in entries} == {("C001", "C001-1")}


def test_spend_entries_skip_a_zero_account():
    entries = spend_entries("C001", "op-sale", Draw(principal=700, bonus=0), AT)
    assert [(e.account, e.delta) for e in entries] == [(Account.PRINCIPAL, -700)]


def test_line_parts_must_add_up_to_the_draw():
    with pytest.raises(InvalidInput) as raised:
        spend_entries("C001", "op-sale", Draw(5000, 500), AT, line_parts=[(1, 5000, 400)])
    assert raised.value.key == "spend.parts_mismatch"


def test_allocate_draw_spreads_principal_and_bonus_exactly():
    # ¥55.00 drawn as ¥50.00 + ¥5.00 over lines of ¥33.00 and ¥22.00
    parts = allocate_draw(Draw(5000, 500), [(1, 3300), (2, 2200)])
    assert parts == [(1, 3000, 300), (2, 2000, 200)]
    assert len(spend_entries("C001", "op", Draw(5000, 500), AT, line_parts=parts)) == 4
    with pytest.raises(InvalidInput):
        allocate_draw(Draw(5000, 500), [(1, 3300)])


# --- withdraw ---------------------------------------------------------------------------------


def test_withdraw_takes_principal_only():
    entries = withdraw(CARD, SV, BALANCES, 100000, "op-out", AT)
    assert [(e.account, e.delta, e.kind) for e in entries] == [
        (Account.PRINCIPAL, -100000, EntryKind.WITHDRAW)]


def test_withdraw_cannot_reach_the_bonus():
    with pytest.raises(InsufficientBalance) as raised:
        withdraw(CARD, SV, BALANCES, 100001, "op-out", AT)
    assert raised.value.key == "balance.insufficient_principal"
    assert raised.value.params == {"needed": 100001, "available": 100000}


@pytest.mark.parametrize(("card", "amount", "key"), [
    (CHILD, 100, "withdraw.subsidiary_card"),
    (replace(CARD, status=CardStatus.LOST), 100, "card.lost"),
    (CARD, 0, "input.invalid"),
])
def test_withdraw_refused(card, amount, key):
    with pytest.raises((InvalidInput, CardStateError)) as raised:
        withdraw(card, SV, BALANCES, amount, "op-out", AT)
    assert raised.value.key == key
