"""Count packages: purchase, first-in first-out use across packages, expiry, restoring uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from membership.cards import Card, CardStatus, CardType, CountPackage, Feature
from membership.count_packages import find_package, purchase_entries, restore_entries, use_entries
from membership.errors import CardStateError, CountError, InvalidInput, RefundError
from membership.ledger import Account, EntryKind, derive_balances

WASH10 = CountPackage("WASH10", "洗车10次", "wash", uses=10, price=30000, validity_days=90)
WASH5 = CountPackage("WASH5", "洗车5次", "wash", uses=5, price=18000, validity_days=30)
WASH_FOREVER = CountPackage("WASHX", "洗车不限期", "wash", uses=3, price=12000)
CUT3 = CountPackage("CUT3", "剪发3次", "haircut", uses=3, price=9000, validity_days=365)
COUNT_TYPE = CardType(
    code="CNT", name="次卡", features=frozenset({Feature.COUNT}),
    count_packages=(WASH10, WASH5, WASH_FOREVER, CUT3),
)
CARD = Card("C001", "M001", "CNT")
MAY_1 = datetime(2025, 5, 1, 10)
JUNE_1 = datetime(2025, 6, 1, 10)


def two_wash_packages() -> list:
    """WASH10 bought 1 May (usable to 29 July) and WASH5 bought 1 June (usable to 30 June):
    the later purchase expires first."""
    return (purchase_entries(CARD, COUNT_TYPE, WASH10, "op-may", MAY_1)
            + purchase_entries(CARD, COUNT_TYPE, WASH5, "op-june", JUNE_1))


# --- purchase ---------------------------------------------------------------------------------


def test_purchase_opens_one_lot_with_its_terms():
    [entry] = purchase_entries(CARD, COUNT_TYPE, WASH10, "op-1", MAY_1, qty=2)
    # 90 days from 1 May: 1 May is day 1, 29 July is day 90
    assert (entry.lot, entry.service, entry.delta, entry.kind) == (
        "op-1:WASH10", "wash", 20, EntryKind.PURCHASE)
    assert (entry.valid_from, entry.valid_until) == (date(2025, 5, 1), date(2025, 7, 29))
    assert entry.account is Account.COUNT


def test_package_without_validity_never_expires():
    [entry] = purchase_entries(CARD, COUNT_TYPE, WASH_FOREVER, "op-1", MAY_1)
    assert entry.valid_until is None


@pytest.mark.parametrize(("card", "card_type", "package", "qty", "key"), [
    (CARD, replace(COUNT_TYPE, features=frozenset({Feature.STORED_VALUE})), WASH10, 1,
     "card.no_count"),
    (CARD, COUNT_TYPE, replace(WASH10, code="WASH99"), 1, "count.unknown_package"),
    (CARD, COUNT_TYPE, WASH10, 0, "input.invalid"),
    (replace(CARD, parent_card_no="C000"), COUNT_TYPE, WASH10, 1, "purchase.subsidiary_card"),
    (replace(CARD, status=CardStatus.LOST), COUNT_TYPE, WASH10, 1, "card.lost"),
])
def test_purchase_refused(card, card_type, package, qty, key):
    with pytest.raises((CardStateError, InvalidInput)) as raised:
        purchase_entries(card, card_type, package, "op-1", MAY_1, qty=qty)
    assert raised.value.key == key


def test_find_package_by_code():
    assert find_package(COUNT_TYPE, "CUT3") is CUT3
    with pytest.raises(InvalidInput) as raised:
        find_package(COUNT_TYPE, "NOPE")
    assert raised.value.key == "count.unknown_package"


# --- use --------------------------------------------------------------------------------------


def test_use_takes_from_the_package_that_expires_first_then_the_next():
    entries = two_wash_packages()
    balances = derive_balances(entries)
    taken = use_entries(CARD, balances, "wash", 7, "op-use", datetime(2025, 6, 10, 9), line_no=1)
    # WASH5 (ends 30 June) gives all 5, WASH10 (ends 29 July) the other 2
    assert [(e.lot, e.delta, e.line_no) for e in taken] == [
        ("op-june:WASH5", -5, 1), ("op-may:WASH10", -2, 1)]
    assert all(e.kind is EntryKind.USE for e in taken)
    assert derive_balances(entries + taken).counts_for("wash", date(2025, 6, 10)) == 8


def test_expired_package_is_skipped():
    balances = derive_balances(two_wash_packages())
    taken = use_entries(CARD, balances, "wash", 2, "op-use", datetime(2025, 7, 1, 9))
    # WASH5 ended 30 June; on 1 July only WASH10 is usable
    assert [(e.lot, e.delta) for e in taken] == [("op-may:WASH10", -2)]


def test_uses_left_only_in_expired_packages_says_expired():
    balances = derive_balances(two_wash_packages())
    with pytest.raises(CountError) as raised:
        use_entries(CARD, balances, "wash", 1, "op-use", datetime(2025, 7, 30, 9))
    assert raised.value.key == "count.expired"
    assert raised.value.params["expired_on"] == date(2025, 7, 29)
    assert raised.value.params["expired_uses"] == 15


def test_not_enough_uses_says_how_many_remain():
    balances = derive_balances(two_wash_packages())
    with pytest.raises(CountError) as raised:
        use_entries(CARD, balances, "wash", 16, "op-use", datetime(2025, 6, 10, 9))
    assert raised.value.key == "count.insufficient"
    assert raised.value.params == {"service": "wash", "needed": 16, "remaining": 15}


def test_other_service_is_not_touched():
    balances = derive_balances(two_wash_packages())
    with pytest.raises(CountError) as raised:
        use_entries(CARD, balances, "haircut", 1, "op-use", datetime(2025, 6, 10, 9))
    assert raised.value.key == "count.insufficient"
    assert raised.value.params["remaining"] == 0


@pytest.mark.parametrize("uses", [0, -2])
def test_use_needs_a_positive_number(uses):
    with pytest.raises(CountError) as raised:
        use_entries(CARD, derive_balances(two_wash_packages()), "wash", uses, "op", JUNE_1)
    assert raised.value.key == "input.invalid"


def test_blocked_card_cannot_use():
    with pytest.raises(CardStateError) as raised:
        use_entries(replace(CARD, status=CardStatus.FROZEN), derive_balances(two_wash_packages()),
                    "wash", 1, "op", JUNE_1)
    assert raised.value.key == "card.frozen"


# --- restore ----------------------------------------------------------------------------------


def test_restore_puts_uses_back_into_their_packages_latest_expiry_first():
    entries = two_wash_packages()
    used = use_entries(CARD, derive_balances(entries), "wash", 7, "op-use",
                       datetime(2025, 6, 10, 9), line_no=1)
    back = restore_entries("C001", used, 3, "op-refund", datetime(2025, 6, 11, 9))
    # 2 back into WASH10 (taken last), then 1 into WASH5
    assert [(e.lot, e.delta, e.reverses_op, e.line_no) for e in back] == [
        ("op-may:WASH10", 2, "op-use", 1), ("op-june:WASH5", 1, "op-use", 1)]
    assert all(e.kind is EntryKind.REFUND for e in back)
    lots = {lot.lot: lot.remaining for lot in derive_balances(entries + used + back).count_lots}
    assert lots == {"op-june:WASH5": 1, "op-may:WASH10": 10}


def test_restore_never_gives_back_more_than_was_taken():
    entries = two_wash_packages()
    used = use_entries(CARD, derive_balances(entries), "wash", 7, "op-use", JUNE_1)
    first = restore_entries("C001", used, 4, "op-refund-1", JUNE_1)
    rest = restore_entries("C001", used, 3, "op-refund-2", JUNE_1, already_restored=first)
    assert sum(e.delta for e in first + rest) == 7
    with pytest.raises(RefundError) as raised:
        restore_entries("C001", used, 1, "op-refund-3", JUNE_1, already_restored=first + rest)
    assert raised.value.key == "refund.count_exceeds_used"
    assert raised.value.params == {"requested": 1, "available": 0}
    with pytest.raises(RefundError):
        restore_entries("C001", used, 8, "op-refund-3", JUNE_1)


def test_restore_needs_the_use_entries_of_one_operation():
    entries = two_wash_packages()
    with pytest.raises(InvalidInput) as raised:
        restore_entries("C001", entries, 1, "op-refund", JUNE_1)  # purchases, not uses
    assert raised.value.key == "count.not_uses_of_one_operation"
    with pytest.raises(CountError):
        restore_entries("C001", [], 0, "op-refund", JUNE_1)
