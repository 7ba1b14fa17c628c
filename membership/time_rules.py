"""The rules HQ checks for metered time (计时, membership.timecards): a purchase of prepaid
minutes (`time.purchased`) and the bill of a timed session (`time.session_closed`).

Each returns "" when its event's entries are what the rule gives, else the reason HQ
quarantines it under (hq.ingest.time_checks). Pure: HQ passes in what it knows (the time rates
and features of every published version of the card's type, the passes it knows on the card).

- `time.purchased`: a card type with the time feature, one prepaid-minutes `purchase` entry of
  exactly the minutes the event names, paid in full by its tenders (stored value drawn as its
  tender says). No published document prices prepaid minutes yet: the price is the cashier's.
- `time.session_closed`: the session's minutes and billed units are what its start
  (`started_at`, the terminal's wall clock) and its end (the event's `at`) give under a
  published time rate of the card type for its service; then it is settled as
  `membership.timecards.charge_session` settles it: free within grace; covered by a pass HQ
  knows on the card for that service on the start day (nothing taken); prepaid minutes,
  exactly `prepaid_minutes_for` the bill; or the bill's amount paid in full by tenders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeGuard

from membership.cards import TimeRate
from membership.errors import DomainError
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.purchase_rules import paid_reason
from membership.timecards import bill_session, prepaid_minutes_for

TIME_PURCHASE = "time.purchased"
SESSION = "time.session_closed"
TIME_EVENTS = frozenset({TIME_PURCHASE, SESSION})

TIME_NOT_OFFERED = "time_not_offered"  # no published version of the card's type times anything
TIME_ENTRIES = "time_entries"
TIME_NOT_PAID = "time_not_paid"
SESSION_START_MISSING = "session_start_missing"  # no `started_at`: a build from before it
SESSION_RATE_UNKNOWN = "session_rate_unknown"  # no published rate for its card type's service
SESSION_BILL = "session_bill"  # minutes or units not what its start and end give
SESSION_PASS_UNKNOWN = "session_pass_unknown"  # a pass HQ does not know on the card that day
SESSION_ENTRIES = "session_entries"
SESSION_NOT_PAID = "session_not_paid"

_STORED_VALUE = (Account.PRINCIPAL, Account.BONUS)
# Whether HQ knows a pass lot (its name) on the card for a service on a day.
PassKnown = Callable[[str, str, date], bool]


def time_purchase_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                         offers_time: bool) -> str:
    """`offers_time`: some published version of the card's type has the time feature."""
    if not offers_time:
        return TIME_NOT_OFFERED
    minutes, price = payload.get("minutes"), payload.get("price")
    if not _whole(minutes) or minutes <= 0 or not _whole(price) or price < 0:
        return TIME_ENTRIES
    lots = [entry for entry in entries if entry.account not in _STORED_VALUE]
    if len(lots) != 1 or lots[0].account is not Account.TIME or (
            lots[0].kind is not EntryKind.PURCHASE or lots[0].delta != minutes):
        return TIME_ENTRIES
    return TIME_NOT_PAID if paid_reason(payload, entries, price) else ""


def session_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                   started_at: datetime | None, ended_at: datetime,
                   rates: Iterable[TimeRate], pass_known: PassKnown) -> str:
    """`started_at` and `ended_at` in one clock (the store's wall clock); `rates`: the rates
    for the event's service of every published version of the card's type."""
    if started_at is None:
        return SESSION_START_MISSING
    rates = [rate for rate in rates if rate.service == payload.get("service")]
    if not rates:
        return SESSION_RATE_UNKNOWN
    reasons = [_settled_reason(payload, entries, rate, started_at, ended_at, pass_known)
               for rate in rates]
    return "" if "" in reasons else reasons[0]


def _settled_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry], rate: TimeRate,
                    started_at: datetime, ended_at: datetime, pass_known: PassKnown) -> str:
    try:
        bill = bill_session(rate, started_at, ended_at)
    except DomainError:
        return SESSION_BILL
    if (payload.get("minutes"), payload.get("units")) != (bill.minutes, bill.units):
        return SESSION_BILL
    if any(entry.account not in (*_STORED_VALUE, Account.TIME) for entry in entries):
        return SESSION_ENTRIES
    used = [entry for entry in entries if entry.account is Account.TIME]
    covering, prepaid = payload.get("pass"), payload.get("prepaid_minutes")
    if covering:
        if bill.amount == 0 or entries or prepaid or payload.get("amount_due"):
            return SESSION_ENTRIES
        known = isinstance(covering, str) and pass_known(covering, rate.service, started_at.date())
        return "" if known else SESSION_PASS_UNKNOWN
    if prepaid:
        expected = prepaid_minutes_for(rate, bill)
        fits = (bill.amount > 0 and prepaid == expected and payload.get("amount_due") == 0
                and len(used) == len(entries) and all(
                    entry.kind is EntryKind.USE and entry.service == rate.service
                    for entry in used) and -sum(entry.delta for entry in used) == expected)
        return "" if fits else SESSION_ENTRIES
    if used or payload.get("amount_due") != bill.amount:
        return SESSION_ENTRIES
    return SESSION_NOT_PAID if paid_reason(payload, entries, bill.amount) else ""


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
