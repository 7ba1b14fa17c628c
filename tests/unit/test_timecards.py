"""Metered time: billing at the boundaries, passes, prepaid minutes, purchases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from membership.cards import Card, CardStatus, CardType, Feature, PeriodPass, TimeRate
from membership.errors import CardStateError, ConfigError, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, derive_balances
from membership.timecards import (
    SessionBill,
    bill_session,
    charge_session,
    find_pass,
    next_pass_start,
    purchase_pass_entries,
    purchase_time_entries,
)

# ¥10.00 per started hour after 15 free minutes, at most ¥35.00 a session
BILLIARDS = TimeRate(service="billiards", unit_minutes=60, unit_price=1000, grace_minutes=15,
                     cap=3500)
MONTHLY = PeriodPass("BIL30", "台球月卡", "billiards", days=30, price=30000)
TIME_TYPE = CardType(code="TIME", name="计时卡", features=frozenset({Feature.TIME}),
                     time_rates=(BILLIARDS,), passes=(MONTHLY,))
CARD = Card("C001", "M001", "TIME")
START = datetime(2025, 6, 1, 14, 0)


def after(minutes: int, seconds: int = 0) -> datetime:
    return START + timedelta(minutes=minutes, seconds=seconds)


# --- billing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "seconds", "bill"), [
    (0, 0, SessionBill(minutes=0, units=0, amount=0)),
    (15, 0, SessionBill(minutes=15, units=0, amount=0)),  # grace exactly: free
    (15, 1, SessionBill(minutes=16, units=1, amount=1000)),  # a started minute past grace
    (75, 0, SessionBill(minutes=75, units=1, amount=1000)),  # 15 + 60: one whole unit
    (76, 0, SessionBill(minutes=76, units=2, amount=2000)),  # the second unit has started
    (195, 0, SessionBill(minutes=195, units=3, amount=3000)),
    (196, 0, SessionBill(minutes=196, units=4, amount=3500)),  # 4 × ¥10 capped at ¥35
    (24 * 60, 0, SessionBill(minutes=1440, units=24, amount=3500)),
])
def test_bill_boundaries(minutes, seconds, bill):
    assert bill_session(BILLIARDS, START, after(minutes, seconds)) == bill


def test_bill_without_grace_or_cap():
    rate = TimeRate(service="ktv", unit_minutes=30, unit_price=4500)
    assert bill_session(rate, START, after(0, 1)) == SessionBill(1, 1, 4500)
    assert bill_session(rate, START, after(300)) == SessionBill(300, 10, 45000)


def test_end_before_start_is_refused():
    with pytest.raises(InvalidInput) as raised:
        bill_session(BILLIARDS, START, after(-1))
    assert raised.value.key == "time.end_before_start"


# --- charging ---------------------------------------------------------------------------------


def pass_balances(valid_from: date, valid_until: date, service: str = "billiards"):
    return derive_balances([LedgerEntry(
        "op-pass", "C001", Account.PASS, 1, EntryKind.PURCHASE, datetime(2025, 5, 3, 9),
        lot="op-pass:BIL30", service=service, valid_from=valid_from, valid_until=valid_until,
    )])


def test_pass_for_the_service_makes_the_session_free():
    balances = pass_balances(date(2025, 5, 3), date(2025, 6, 1))
    charge = charge_session(CARD, balances, BILLIARDS, START, after(180), "op-s")
    assert charge.covered_by_pass == "op-pass:BIL30"
    assert (charge.amount_due, charge.prepaid_minutes, charge.entries) == (0, 0, ())
    assert charge.bill.amount == 3000


def test_pass_counts_on_the_day_the_session_started():
    # The pass ends 1 June; a session from 23:00 to 01:00 is still covered.
    balances = pass_balances(date(2025, 5, 3), date(2025, 6, 1))
    late = datetime(2025, 6, 1, 23, 0)
    charge = charge_session(CARD, balances, BILLIARDS, late, late + timedelta(hours=2), "op-s")
    assert charge.covered_by_pass == "op-pass:BIL30"
    next_day = datetime(2025, 6, 2, 0, 30)
    charge = charge_session(CARD, balances, BILLIARDS, next_day, next_day + timedelta(hours=1),
                            "op-s")
    assert (charge.covered_by_pass, charge.amount_due) == ("", 1000)


def test_pass_for_another_service_does_not_cover():
    balances = pass_balances(date(2025, 5, 3), date(2025, 6, 1), service="ktv")
    charge = charge_session(CARD, balances, BILLIARDS, START, after(60), "op-s")
    assert (charge.covered_by_pass, charge.amount_due) == ("", 1000)


def test_prepaid_minutes_pay_for_the_billed_units():
    balances = CardBalances(time_minutes=200)
    charge = charge_session(CARD, balances, BILLIARDS, START, after(100), "op-s")
    # 100 minutes - 15 grace = 85 → 2 started hours → 120 prepaid minutes
    assert (charge.prepaid_minutes, charge.amount_due) == (120, 0)
    [entry] = charge.entries
    assert (entry.account, entry.delta, entry.kind, entry.at) == (
        Account.TIME, -120, EntryKind.USE, after(100))


def test_prepaid_minutes_never_cost_more_than_the_cap():
    charge = charge_session(CARD, CardBalances(time_minutes=1000), BILLIARDS, START, after(600),
                            "op-s")
    # 10 units would be 600 minutes, but the ¥35 cap is worth 3.5 hours = 210 minutes
    assert (charge.bill.amount, charge.prepaid_minutes) == (3500, 210)


def test_too_few_prepaid_minutes_means_paying_money():
    charge = charge_session(CARD, CardBalances(time_minutes=119), BILLIARDS, START, after(100),
                            "op-s")
    assert (charge.prepaid_minutes, charge.amount_due, charge.entries) == (0, 2000, ())


def test_session_within_grace_is_free_and_takes_nothing():
    charge = charge_session(CARD, CardBalances(time_minutes=500), BILLIARDS, START, after(15),
                            "op-s")
    assert (charge.amount_due, charge.prepaid_minutes, charge.covered_by_pass) == (0, 0, "")


def test_blocked_card_cannot_settle_a_session():
    with pytest.raises(CardStateError) as raised:
        charge_session(replace(CARD, status=CardStatus.LOST), CardBalances(), BILLIARDS, START,
                       after(60), "op-s")
    assert raised.value.key == "card.lost"


# --- purchases --------------------------------------------------------------------------------


def test_purchase_time_adds_minutes():
    [entry] = purchase_time_entries(CARD, TIME_TYPE, 600, "op-buy", START)
    assert (entry.account, entry.delta, entry.kind) == (Account.TIME, 600, EntryKind.PURCHASE)


@pytest.mark.parametrize(("card", "card_type", "minutes", "key"), [
    (CARD, replace(TIME_TYPE, features=frozenset({Feature.COUNT})), 60, "card.no_time"),
    (CARD, TIME_TYPE, 0, "input.invalid"),
    (replace(CARD, parent_card_no="C000"), TIME_TYPE, 60, "purchase.subsidiary_card"),
])
def test_purchase_time_refused(card, card_type, minutes, key):
    with pytest.raises((CardStateError, InvalidInput)) as raised:
        purchase_time_entries(card, card_type, minutes, "op-buy", START)
    assert raised.value.key == key


def test_purchase_pass_is_valid_for_its_days():
    [entry] = purchase_pass_entries(CARD, TIME_TYPE, MONTHLY, "op-buy", START)
    # 30 days from 1 June: through 30 June
    assert (entry.lot, entry.delta, entry.service) == ("op-buy:BIL30", 1, "billiards")
    assert (entry.valid_from, entry.valid_until) == (date(2025, 6, 1), date(2025, 6, 30))
    later = purchase_pass_entries(CARD, TIME_TYPE, MONTHLY, "op-buy", START,
                                  start_day=date(2025, 7, 1))[0]
    assert (later.valid_from, later.valid_until) == (date(2025, 7, 1), date(2025, 7, 30))


@pytest.mark.parametrize(("period_pass", "start_day", "error", "key"), [
    (replace(MONTHLY, code="BIL90"), None, InvalidInput, "pass.unknown"),
    (MONTHLY, date(2025, 5, 31), InvalidInput, "pass.start_in_past"),
])
def test_purchase_pass_refused(period_pass, start_day, error, key):
    with pytest.raises(error) as raised:
        purchase_pass_entries(CARD, TIME_TYPE, period_pass, "op-buy", START, start_day=start_day)
    assert raised.value.key == key


def test_pass_with_no_days_is_a_configuration_error():
    broken = replace(MONTHLY, days=0)
    with pytest.raises(ConfigError):
        purchase_pass_entries(CARD, replace(TIME_TYPE, passes=(broken,)), broken, "op", START)


def test_find_pass_by_code():
    assert find_pass(TIME_TYPE, "BIL30") is MONTHLY
    with pytest.raises(InvalidInput):
        find_pass(TIME_TYPE, "NOPE")


def test_renewal_starts_the_day_after_the_passes_held():
    june = purchase_pass_entries(CARD, TIME_TYPE, MONTHLY, "op-1", START)
    july = purchase_pass_entries(CARD, TIME_TYPE, MONTHLY, "op-2", START,
                                 start_day=date(2025, 7, 1))
    balances = derive_balances(june + july)
    assert next_pass_start(balances, "billiards", date(2025, 6, 10)) == date(2025, 7, 31)
    assert next_pass_start(balances, "ktv", date(2025, 6, 10)) == date(2025, 6, 10)
    assert next_pass_start(balances, "billiards", date(2025, 8, 5)) == date(2025, 8, 5)
