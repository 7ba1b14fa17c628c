"""Card state machine: every transition in the table, issue, extend, replace and cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from membership.cards import CardStatus
from membership.errors import CardStateError, IllegalTransition, InvalidInput
from membership.ledger import CardBalances
from membership.lifecycle import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    cancel_loss,
    effective_status,
    ensure_can_pay,
    expire,
    extend,
    issue_card,
    replace_card,
    report_loss,
    transitions_table,
)
from tests.support.lifecycle_world import (
    AT,
    FOREVER,
    GOLD,
    ILLEGAL_MOVES,
    LEGAL_MOVES,
    TODAY,
    card_for_move,
    gold_card,
    perform,
)


@pytest.mark.parametrize(("action", "status"), LEGAL_MOVES)
def test_legal_move_reaches_its_target(action, status):
    assert perform(action, card_for_move(action, status)) is TRANSITIONS[action][1]


@pytest.mark.parametrize(("action", "status"), ILLEGAL_MOVES)
def test_illegal_move_raises_with_from_and_to(action, status):
    with pytest.raises(IllegalTransition) as raised:
        perform(action, card_for_move(action, status))
    assert raised.value.key == "card.transition_illegal"
    assert raised.value.params["from"] == status.value
    assert raised.value.params["to"] == TRANSITIONS[action][1].value


def test_replaced_and_cancelled_are_terminal():
    assert {CardStatus.REPLACED, CardStatus.CANCELLED} == TERMINAL_STATUSES
    for sources, _ in TRANSITIONS.values():
        assert not sources & TERMINAL_STATUSES


def test_transitions_table_is_the_documented_one():
    # The parametrised tests follow the table; this pins the table itself (docs/domain.md).
    assert transitions_table() == [
        ("cancel", "active", "cancelled"),
        ("cancel", "expired", "cancelled"),
        ("cancel", "lost", "cancelled"),
        ("cancel_loss", "lost", "active"),
        ("expire", "active", "expired"),
        ("extend", "active", "active"),
        ("extend", "expired", "active"),
        ("freeze", "active", "frozen"),
        ("freeze", "expired", "frozen"),
        ("replace", "active", "replaced"),
        ("replace", "lost", "replaced"),
        ("report_loss", "active", "lost"),
        ("report_loss", "expired", "lost"),
        ("unfreeze", "frozen", "active"),
    ]
    assert len(LEGAL_MOVES) == 14


# --- effective status and paying ------------------------------------------------------------


def test_active_card_is_valid_through_its_last_day_and_expired_after():
    card = gold_card(expires_on=date(2025, 6, 1))
    assert effective_status(card, date(2025, 6, 1)) is CardStatus.ACTIVE
    assert effective_status(card, date(2025, 6, 2)) is CardStatus.EXPIRED


def test_card_without_expiry_never_expires_and_lost_card_stays_lost():
    assert effective_status(replace(gold_card(), expires_on=None), date(2099, 1, 1)) is (
        CardStatus.ACTIVE)
    lost = gold_card(CardStatus.LOST, expires_on=date(2025, 1, 31))
    assert effective_status(lost, TODAY) is CardStatus.LOST


@pytest.mark.parametrize(("status", "key"), [
    (CardStatus.LOST, "card.lost"),
    (CardStatus.FROZEN, "card.frozen"),
    (CardStatus.EXPIRED, "card.expired"),
    (CardStatus.CANCELLED, "card.cancelled"),
    (CardStatus.REPLACED, "card.replaced"),
])
def test_blocked_card_cannot_pay(status, key):
    with pytest.raises(CardStateError) as raised:
        ensure_can_pay(gold_card(status), TODAY)
    assert raised.value.key == key


def test_active_card_can_pay_but_not_once_past_expiry():
    ensure_can_pay(gold_card(expires_on=TODAY), TODAY)
    with pytest.raises(CardStateError) as raised:
        ensure_can_pay(gold_card(expires_on=TODAY - timedelta(days=1)), TODAY)
    assert raised.value.key == "card.expired"
    assert raised.value.params["expires_on"] == date(2025, 5, 31)


def test_card_past_expiry_behaves_as_expired_before_the_nightly_job():
    unrecorded = gold_card(expires_on=date(2025, 5, 31))  # still ACTIVE in the record
    assert report_loss(unrecorded, TODAY).status is CardStatus.LOST
    with pytest.raises(IllegalTransition) as raised:
        replace_card(unrecorded, "C002", CardBalances(), GOLD, "op-1", AT)
    assert raised.value.params["from"] == "expired"


def test_expire_before_the_last_valid_day_passes_is_refused():
    with pytest.raises(IllegalTransition) as raised:
        expire(gold_card(expires_on=TODAY), TODAY)
    assert raised.value.key == "card.not_yet_expired"


def test_loss_and_recovery_round_trip():
    lost = report_loss(gold_card(), TODAY)
    with pytest.raises(CardStateError):
        ensure_can_pay(lost, TODAY)
    recovered = cancel_loss(lost, TODAY)
    assert recovered == gold_card()


# --- issue ------------------------------------------------------------------------------------


def test_issue_sets_last_valid_day_and_asks_for_the_join_fee():
    decision = issue_card("C100", "M100", GOLD, date(2025, 1, 1), level="VIP")
    # 365 days from 1 Jan 2025: 1 Jan is day 1, 31 Dec is day 365.
    assert decision.card.expires_on == date(2025, 12, 31)
    assert decision.card.issued_on == date(2025, 1, 1)
    assert decision.card.status is CardStatus.ACTIVE
    assert decision.card.level == "VIP"
    assert decision.join_fee == 2000


def test_issue_without_validity_never_expires():
    assert issue_card("C100", "M100", FOREVER, TODAY).card.expires_on is None


@pytest.mark.parametrize(("card_no", "member_id", "quota", "key"), [
    ("", "M1", 0, "input.invalid"),
    ("C1", " ", 0, "input.invalid"),
    ("C1", "M1", 1000, "subsidiary.quota_without_parent"),
])
def test_issue_rejects_bad_input(card_no, member_id, quota, key):
    with pytest.raises(InvalidInput) as raised:
        issue_card(card_no, member_id, GOLD, TODAY, quota=quota)
    assert raised.value.key == key


def test_issue_subsidiary_card_under_parent():
    decision = issue_card("C001-1", "M002", GOLD, TODAY, parent=gold_card(), quota=30000)
    child = decision.card
    assert (child.parent_card_no, child.quota, child.expires_on) == ("C001", 30000, None)
    assert child.level == "VIP"
    assert decision.join_fee == 0


@pytest.mark.parametrize(("parent", "card_type", "key"), [
    (gold_card(parent_card_no="C000"), GOLD, "subsidiary.nested"),
    (gold_card(CardStatus.LOST), GOLD, "card.lost"),
    (replace(gold_card(), type_code="PLAIN"), FOREVER, "subsidiary.not_allowed"),
])
def test_issue_subsidiary_refused(parent, card_type, key):
    with pytest.raises(CardStateError) as raised:
        issue_card("C001-1", "M001", card_type, TODAY, parent=parent)
    assert raised.value.key == key


# --- extend -----------------------------------------------------------------------------------


def test_extend_active_card_counts_on_from_its_last_day():
    decision = extend(gold_card(expires_on=date(2025, 6, 30)), GOLD, TODAY)
    assert decision.card.expires_on == date(2026, 6, 30)  # 30 Jun 2025 + 365 days
    assert decision.old_expires_on == date(2025, 6, 30)
    assert decision.fee == 5000


def test_extend_expired_card_counts_from_today():
    expired = gold_card(CardStatus.EXPIRED, expires_on=date(2025, 3, 31))
    decision = extend(expired, GOLD, TODAY, days=30)
    assert decision.card.status is CardStatus.ACTIVE
    assert decision.card.expires_on == date(2025, 6, 30)  # 1 Jun is day 1, 30 Jun day 30


def test_extend_to_a_given_day():
    decision = extend(gold_card(), GOLD, TODAY, new_expires_on=date(2026, 12, 31))
    assert decision.card.expires_on == date(2026, 12, 31)


@pytest.mark.parametrize(("card", "kwargs", "key"), [
    (gold_card(), {"new_expires_on": date(2025, 12, 31)}, "card.extension_not_later"),
    (gold_card(CardStatus.EXPIRED, expires_on=date(2025, 3, 31)),
     {"new_expires_on": date(2025, 5, 31)}, "card.extension_not_later"),
    (gold_card(), {"days": 0}, "input.invalid"),
    (gold_card(), {"days": 10, "new_expires_on": date(2026, 1, 1)}, "card.extension_ambiguous"),
    (replace(gold_card(), expires_on=None), {"days": 10}, "card.never_expires"),
    (replace(gold_card(), type_code="PLAIN"), {"days": 10}, "card.type_mismatch"),
])
def test_extend_rejects(card, kwargs, key):
    with pytest.raises(InvalidInput) as raised:
        extend(card, GOLD, TODAY, **kwargs)
    assert raised.value.key == key


# --- replace ----------------------------------------------------------------------------------
