"""HQ's rules for prepaid time and timed sessions (membership.time_rules): the core's honest
decisions (membership.counter_operations) pass, what a terminal changes in them is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from membership import counter_operations as counter
from membership.counter_operations import CounterDecision
from membership.events import entry_from_dict
from membership.ledger import LedgerEntry
from membership.tenders import Tender, TenderKind
from membership.time_rules import (
    SESSION_BILL,
    SESSION_ENTRIES,
    SESSION_NOT_PAID,
    SESSION_PASS_UNKNOWN,
    SESSION_RATE_UNKNOWN,
    SESSION_START_MISSING,
    TIME_ENTRIES,
    TIME_NOT_OFFERED,
    TIME_NOT_PAID,
    session_reason,
    time_purchase_reason,
)
from tests.support.counter_world import STUDY, A, K, member, money, op, setup

STARTED = datetime(2026, 11, 23, 10, 0)
ENDED = datetime(2026, 11, 23, 12, 30)  # 150 minutes: 3 started hours after 10 grace, ¥45
PASS_LOT = "SETUP:STUDY-M"


def pass_known(lot: str, service: str, day: date) -> bool:
    return (lot, service) == (PASS_LOT, "study") and date(2026, 11, 1) <= day <= date(2026, 11, 30)


def checked(decision: CounterDecision, ended: datetime = ENDED, rates=(STUDY,),
            started: datetime | None = None, entries=None, **changes) -> str:
    payload = {**decision.events[0].payload, **changes}
    sent = entries if entries is not None else [entry_from_dict(raw) for raw in payload["entries"]]
    start = started if started is not None else datetime.fromisoformat(payload["started_at"])
    return session_reason(payload, sent, start, ended, rates, pass_known)


def session(history=(), tenders=()) -> CounterDecision:
    return counter.close_session(op(9, at=ENDED), member(list(history)), STUDY, STARTED,
                                 list(tenders))


def test_a_session_paid_in_money_by_a_pass_or_by_prepaid_minutes_passes():
    paid = session(tenders=[Tender(TenderKind.CASH, 5000)])
    assert paid.events[0].payload["started_at"] == STARTED.isoformat()
    assert checked(paid) == ""
    by_card = session([setup(A.PRINCIPAL, 10_000, K.TOPUP)],
                      [Tender(TenderKind.STORED_VALUE, 4500)])
    assert checked(by_card) == ""
    covered = session([setup(A.PASS, 1, K.PURCHASE, lot=PASS_LOT, service="study",
                             valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 30))])
    assert covered.events[0].payload["pass"] == PASS_LOT
    assert checked(covered) == ""
    prepaid = session([setup(A.TIME, 600, K.PURCHASE)])
    assert checked(prepaid) == ""
    within_grace = counter.close_session(op(9, at=datetime(2026, 11, 23, 10, 10)), member(),
                                         STUDY, STARTED, [])
    assert checked(within_grace, ended=datetime(2026, 11, 23, 10, 10)) == ""


def test_a_session_billed_otherwise_than_its_times_give_is_named():
    paid = session(tenders=[Tender(TenderKind.CASH, 4500)])
    # Started an hour later than it says: 90 minutes, 2 hours billed, not 3.
    assert checked(paid, started=datetime(2026, 11, 23, 11, 0)) == SESSION_BILL
    assert checked(paid, minutes=20) == SESSION_BILL
    assert checked(paid, ended=STARTED.replace(hour=9)) == SESSION_BILL  # ends before it starts
    assert checked(paid, amount_due=1500, tenders=[
        {"kind": "cash", "amount": 1500, "reference": ""}]) == SESSION_ENTRIES
    assert checked(paid, tenders=[]) == SESSION_NOT_PAID
    assert checked(paid, service="karaoke") == SESSION_RATE_UNKNOWN
    assert checked(paid, rates=(replace(STUDY, unit_price=500),)) == SESSION_ENTRIES
    payload = dict(paid.events[0].payload)
    del payload["started_at"]
    assert session_reason(payload, [], None, ENDED, (STUDY,), pass_known) == SESSION_START_MISSING


def test_free_sessions_need_a_known_pass_and_prepaid_minutes_the_exact_bill():
    covered = session([setup(A.PASS, 1, K.PURCHASE, lot=PASS_LOT, service="study",
                             valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 30))])
    assert checked(covered, **{"pass": "NO-SUCH-PASS"}) == SESSION_PASS_UNKNOWN
    december = datetime(2026, 12, 3, 10, 0)
    assert checked(covered, started=december, ended=december.replace(hour=12, minute=30)
                   ) == SESSION_PASS_UNKNOWN  # the pass had ended
    prepaid = session([setup(A.TIME, 600, K.PURCHASE)])
    (used,) = [entry_from_dict(raw) for raw in prepaid.events[0].payload["entries"]]
    assert checked(prepaid, entries=[replace(used, delta=-1)]) == SESSION_ENTRIES
    assert checked(prepaid, prepaid_minutes=1, entries=[replace(used, delta=-1)]
                   ) == SESSION_ENTRIES
    minted = LedgerEntry("SH001-T1-9", used.card_no, A.TIME, 600, K.PURCHASE, ENDED)
    assert checked(prepaid, entries=[used, minted]) == SESSION_ENTRIES


def time_bought(tenders, balances=None) -> CounterDecision:
    return counter.buy_time(op(5), member(balances or []), 600, 12000, tenders)


def test_prepaid_time_is_one_purchase_of_its_minutes_paid_in_full():
    cash = time_bought([Tender(TenderKind.CASH, 12000)])
    entries = list(cash.entries)
    assert time_purchase_reason(cash.events[0].payload, entries, True) == ""
    assert time_purchase_reason(cash.events[0].payload, entries, False) == TIME_NOT_OFFERED
    by_card = time_bought([Tender(TenderKind.STORED_VALUE, 12000)], money(45000, 5000))
    assert time_purchase_reason(by_card.events[0].payload, list(by_card.entries), True) == ""
    doubled = [replace(entries[0], delta=1200)]
    assert time_purchase_reason(cash.events[0].payload, doubled, True) == TIME_ENTRIES
    unpaid = {**cash.events[0].payload, "tenders": []}
    assert time_purchase_reason(unpaid, entries, True) == TIME_NOT_PAID
