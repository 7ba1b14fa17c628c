"""Subsidiary cards: issuing under a parent, period bounds, quota use net of refunds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from membership.cards import Card, CardStatus, CardType, Feature, QuotaPeriod, SubsidiaryPolicy
from membership.errors import CardStateError, InvalidInput, QuotaExceeded
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.stored_value import Draw, spend_entries
from membership.subsidiary import (
    add_subsidiary,
    ensure_subsidiary_can_spend,
    ensure_within_quota,
    period_bounds,
    quota_used,
)


def family_type(period: QuotaPeriod = QuotaPeriod.MONTH, allowed: bool = True) -> CardType:
    return CardType(
        code="FAM", name="家庭卡", features=frozenset({Feature.STORED_VALUE}),
        subsidiary=SubsidiaryPolicy(allowed=allowed, max_children=2, default_quota=50000,
                                    period=period),
    )


FAMILY = family_type()
PARENT = Card("P001", "M001", "FAM", expires_on=date(2026, 12, 31))
CHILD = Card("K001", "M002", "FAM", parent_card_no="P001", quota=10000)
AT = datetime(2025, 6, 11, 15, 0)  # a Wednesday


def spend(amount: int, at: datetime, op_id: str, actor: str = "K001") -> list[LedgerEntry]:
    return spend_entries("P001", op_id, Draw(principal=amount, bonus=0), at, actor_card_no=actor)


def refund(amount: int, at: datetime, reverses_op: str, actor: str = "K001") -> LedgerEntry:
    return LedgerEntry(f"r-{reverses_op}", "P001", Account.PRINCIPAL, amount, EntryKind.REFUND,
                       at, actor_card_no=actor, reverses_op=reverses_op)


# --- issuing ----------------------------------------------------------------------------------


def test_add_subsidiary_uses_the_default_quota_and_the_parents_member():
    child = add_subsidiary(PARENT, FAMILY, [], "K009", date(2025, 6, 1))
    assert (child.parent_card_no, child.quota, child.member_id, child.type_code) == (
        "P001", 50000, "M001", "FAM")
    assert child.is_subsidiary
    other = add_subsidiary(PARENT, FAMILY, [], "K010", date(2025, 6, 1), quota=0,
                           member_id="M003")
    assert (other.quota, other.member_id) == (0, "M003")


def test_replaced_and_cancelled_children_do_not_count_toward_the_maximum():
    children = [CHILD, replace(CHILD, card_no="K002", status=CardStatus.CANCELLED),
                replace(CHILD, card_no="K003", status=CardStatus.REPLACED),
                replace(CHILD, card_no="K004", parent_card_no="P999")]
    assert add_subsidiary(PARENT, FAMILY, children, "K005", date(2025, 6, 1)).card_no == "K005"
    with pytest.raises(CardStateError) as raised:
        add_subsidiary(PARENT, FAMILY, [*children, replace(CHILD, card_no="K005")], "K006",
                       date(2025, 6, 1))
    assert raised.value.key == "subsidiary.too_many"
    assert raised.value.params == {"max_children": 2}


@pytest.mark.parametrize(("parent", "card_type", "key"), [
    (PARENT, family_type(allowed=False), "subsidiary.not_allowed"),
    (CHILD, FAMILY, "subsidiary.nested"),
    (replace(PARENT, status=CardStatus.FROZEN), FAMILY, "card.frozen"),
    (replace(PARENT, expires_on=date(2025, 5, 31)), FAMILY, "card.expired"),
])
def test_add_subsidiary_refused(parent, card_type, key):
    with pytest.raises(CardStateError) as raised:
        add_subsidiary(parent, card_type, [], "K009", date(2025, 6, 1))
    assert raised.value.key == key


def test_negative_quota_is_invalid():
    with pytest.raises(InvalidInput):
        add_subsidiary(PARENT, FAMILY, [], "K009", date(2025, 6, 1), quota=-1)


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "at", "start", "end"), [
    (QuotaPeriod.DAY, AT, datetime(2025, 6, 11), datetime(2025, 6, 12)),
    (QuotaPeriod.WEEK, AT, datetime(2025, 6, 9), datetime(2025, 6, 16)),
    (QuotaPeriod.WEEK, datetime(2025, 6, 15, 23, 59), datetime(2025, 6, 9), datetime(2025, 6, 16)),
    (QuotaPeriod.WEEK, datetime(2025, 6, 16), datetime(2025, 6, 16), datetime(2025, 6, 23)),
    (QuotaPeriod.MONTH, AT, datetime(2025, 6, 1), datetime(2025, 7, 1)),
    (QuotaPeriod.MONTH, datetime(2025, 12, 31, 23), datetime(2025, 12, 1), datetime(2026, 1, 1)),
    (QuotaPeriod.WEEK, datetime(2025, 12, 31), datetime(2025, 12, 29), datetime(2026, 1, 5)),
])
def test_period_bounds(period, at, start, end):
    assert period_bounds(period, at) == (start, end)


# --- quota use --------------------------------------------------------------------------------


def test_day_quota_counts_only_todays_spending_by_this_child():
    entries = [
        *spend(3000, datetime(2025, 6, 10, 20, 0), "yesterday"),
        *spend(2000, datetime(2025, 6, 11, 9, 0), "morning"),
        *spend(1500, datetime(2025, 6, 11, 12, 0), "other-child", actor="K002"),
        *spend(9000, datetime(2025, 6, 11, 12, 0), "parent-itself", actor=""),
        *spend_entries("P001", "bonus-too", Draw(principal=900, bonus=100),
                       datetime(2025, 6, 11, 13), actor_card_no="K001"),
    ]
    # ¥20.00 this morning + ¥10.00 (principal ¥9 + bonus ¥1) at 13:00
    assert quota_used("K001", entries, QuotaPeriod.DAY, AT) == 3000
    # the week from Monday 9 June also holds yesterday's ¥30.00
    assert quota_used("K001", entries, QuotaPeriod.WEEK, AT) == 6000


def test_refund_in_the_period_gives_quota_back():
    entries = [
        *spend(4000, datetime(2025, 6, 2, 10), "sale-1"),
        *spend(5000, datetime(2025, 6, 5, 10), "sale-2"),
        refund(1500, datetime(2025, 6, 6, 10), "sale-2"),
    ]
    # ¥40 + ¥50 - ¥15 refunded = ¥75 used of the month
    assert quota_used("K001", entries, QuotaPeriod.MONTH, AT) == 7500


def test_refund_of_last_months_spending_does_not_raise_this_months_quota():
    entries = [
        *spend(8000, datetime(2025, 5, 30, 10), "may-sale"),
        *spend(2000, datetime(2025, 6, 2, 10), "june-sale"),
        refund(8000, datetime(2025, 6, 3, 10), "may-sale"),
    ]
    assert quota_used("K001", entries, QuotaPeriod.MONTH, AT) == 2000
    assert quota_used("K001", entries, QuotaPeriod.MONTH, datetime(2025, 5, 31)) == 8000


def test_week_quota_resets_on_monday():
    entries = spend(9000, datetime(2025, 6, 15, 22, 0), "sunday")  # Sunday
    assert quota_used("K001", entries, QuotaPeriod.WEEK, datetime(2025, 6, 15, 23)) == 9000
    assert quota_used("K001", entries, QuotaPeriod.WEEK, datetime(2025, 6, 16, 0)) == 0


def test_ensure_within_quota_allows_up_to_the_quota_exactly():
    entries = spend(6000, datetime(2025, 6, 3, 10), "sale-1")
    ensure_within_quota(CHILD, FAMILY, entries, 4000, AT)  # ¥60 + ¥40 = ¥100 quota
    with pytest.raises(QuotaExceeded) as raised:
        ensure_within_quota(CHILD, FAMILY, entries, 4001, AT)
    assert raised.value.key == "subsidiary.quota_exceeded"
    assert raised.value.params == {"quota": 10000, "used": 6000, "requested": 4001, "left": 4000}


def test_day_quota_on_a_new_day_is_whole_again():
    entries = spend(10000, datetime(2025, 6, 10, 18), "sale-1")
    day_type = family_type(QuotaPeriod.DAY)
    ensure_within_quota(CHILD, day_type, entries, 10000, AT)
    with pytest.raises(QuotaExceeded):
        ensure_within_quota(CHILD, family_type(QuotaPeriod.WEEK), entries, 1, AT)


def test_zero_quota_allows_no_spending():
    with pytest.raises(QuotaExceeded):
        ensure_within_quota(replace(CHILD, quota=0), FAMILY, [], 1, AT)


@pytest.mark.parametrize(("child", "amount", "key"), [
    (PARENT, 100, "subsidiary.not_subsidiary"),
    (CHILD, 0, "input.invalid"),
])
def test_ensure_within_quota_rejects_bad_input(child, amount, key):
    with pytest.raises(InvalidInput) as raised:
        ensure_within_quota(child, FAMILY, [], amount, AT)
    assert raised.value.key == key


def test_both_cards_must_be_able_to_pay():
    ensure_subsidiary_can_spend(CHILD, PARENT, FAMILY, [], 100, AT)
    with pytest.raises(CardStateError) as raised:
        ensure_subsidiary_can_spend(CHILD, replace(PARENT, status=CardStatus.LOST), FAMILY, [],
                                    100, AT)
    assert raised.value.key == "card.lost"
    with pytest.raises(CardStateError) as raised:
        ensure_subsidiary_can_spend(replace(CHILD, status=CardStatus.FROZEN), PARENT, FAMILY, [],
                                    100, AT)
    assert raised.value.key == "card.frozen"
    with pytest.raises(InvalidInput) as raised:
        ensure_subsidiary_can_spend(CHILD, replace(PARENT, card_no="P002"), FAMILY, [], 100, AT)
    assert raised.value.key == "subsidiary.wrong_parent"
