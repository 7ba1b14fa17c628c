"""Metered time (计时): billing a session, and paying it with a period pass (月卡 / 季卡 / 年卡),
prepaid minutes (预付时长) or money.

A session is billed per started unit once the grace minutes (免费时长) are used up, capped per
session (封顶). A session belongs to the day it started: that day decides whether a pass covers
it and whether the card was valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from membership.cards import Card, CardType, Feature, PeriodPass, TimeRate
from membership.errors import CardStateError, ConfigError, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry
from membership.lifecycle import ensure_can_pay, ensure_type_matches
from membership.money import Fen

_MINUTE = timedelta(minutes=1)


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


@dataclass(frozen=True)
class SessionBill:
    minutes: int  # started minutes: 61 s is 2 minutes
    units: int  # billed units after grace
    amount: Fen  # units × unit price, capped


def bill_session(rate: TimeRate, started_at: datetime, ended_at: datetime) -> SessionBill:
    """Billed per started unit, grace minutes forgiven: with 15 grace minutes and ¥10 per hour,
    75 minutes is 1 unit (¥10), 76 minutes is 2 units (¥20); a session within grace is free."""
    if ended_at < started_at:
        raise InvalidInput("time.end_before_start", started_at=started_at, ended_at=ended_at)
    minutes = -(-(ended_at - started_at) // _MINUTE)
    if minutes <= rate.grace_minutes:
        return SessionBill(minutes=minutes, units=0, amount=0)
    units = _ceil_div(minutes - rate.grace_minutes, rate.unit_minutes)
    amount = units * rate.unit_price
    if rate.cap is not None:
        amount = min(amount, rate.cap)
    return SessionBill(minutes=minutes, units=units, amount=amount)


@dataclass(frozen=True)
class SessionCharge:
    bill: SessionBill
    covered_by_pass: str  # the pass lot that made the session free, or ""
    prepaid_minutes: int  # prepaid minutes taken
    amount_due: Fen  # money still to be paid by tenders
    entries: tuple[LedgerEntry, ...]


def charge_session(
    card: Card, balances: CardBalances, rate: TimeRate, started_at: datetime,
    ended_at: datetime, op_id: str,
) -> SessionCharge:
    """Settle a session: free within grace; else a pass for the service valid on the start day;
    else prepaid minutes when the balance covers the whole session; else money."""
    _require_op(op_id)
    bill = bill_session(rate, started_at, ended_at)
    start_day = started_at.date()
    ensure_can_pay(card, start_day)
    if bill.amount == 0:
        return SessionCharge(bill, "", 0, 0, ())
    covering = next(
        (lot for lot in balances.pass_lots
         if lot.service == rate.service and lot.usable_on(start_day)),
        None,
    )
    if covering is not None:
        return SessionCharge(bill, covering.lot, 0, 0, ())
    minutes_due = prepaid_minutes_for(rate, bill)
    if 0 < minutes_due <= balances.time_minutes:
        entry = LedgerEntry(
            op_id=op_id, card_no=card.card_no, account=Account.TIME, delta=-minutes_due,
            kind=EntryKind.USE, at=ended_at, service=rate.service,
        )
        return SessionCharge(bill, "", minutes_due, 0, (entry,))
    return SessionCharge(bill, "", 0, bill.amount, ())


def prepaid_minutes_for(rate: TimeRate, bill: SessionBill) -> int:
    """Prepaid minutes a session takes: its billed units in minutes, but never more than the
    cap is worth in minutes (rounded up), so prepaid time never costs more than money would."""
    minutes = bill.units * rate.unit_minutes
    if rate.cap is not None and rate.unit_price > 0:
        minutes = min(minutes, _ceil_div(rate.cap * rate.unit_minutes, rate.unit_price))
    return minutes


def purchase_time_entries(
    card: Card, card_type: CardType, minutes: int, op_id: str, at: datetime
) -> list[LedgerEntry]:
    """购买时长: prepaid minutes, spent by later sessions."""
    _ensure_can_buy(card, card_type, op_id, at)
    if not card_type.has(Feature.TIME):
        raise CardStateError("card.no_time", card_no=card.card_no)
    if minutes <= 0:
        raise InvalidInput("input.invalid", field="minutes", value=minutes)
    return [LedgerEntry(
        op_id=op_id, card_no=card.card_no, account=Account.TIME, delta=minutes,
        kind=EntryKind.PURCHASE, at=at,
    )]


def find_pass(card_type: CardType, code: str) -> PeriodPass:
    for period_pass in card_type.passes:
        if period_pass.code == code:
            return period_pass
    raise InvalidInput("pass.unknown", code=code, type_code=card_type.code)


def purchase_pass_entries(
    card: Card, card_type: CardType, period_pass: PeriodPass, op_id: str, at: datetime,
    start_day: date | None = None,
) -> list[LedgerEntry]:
    """购买月卡 etc.: a pass lot valid from start_day (default today) through start + days - 1.
    A later start_day lets a member buy next month's pass before this one ends."""
    _ensure_can_buy(card, card_type, op_id, at)
    if period_pass not in card_type.passes:
        raise InvalidInput("pass.unknown", code=period_pass.code, type_code=card_type.code)
    if period_pass.days <= 0 or period_pass.price < 0:
        raise ConfigError("config.pass_invalid", code=period_pass.code)
    start = at.date() if start_day is None else start_day
    if start < at.date():
        raise InvalidInput("pass.start_in_past", start_day=start, today=at.date())
    return [LedgerEntry(
        op_id=op_id, card_no=card.card_no, account=Account.PASS, delta=1,
        kind=EntryKind.PURCHASE, at=at, lot=f"{op_id}:{period_pass.code}",
        service=period_pass.service, valid_from=start,
        valid_until=start + timedelta(days=period_pass.days - 1),
    )]


def next_pass_start(balances: CardBalances, service: str, day: date) -> date:
    """The first day from `day` on not covered by a pass the member holds for `service`: the
    natural start for a renewal, so the passes run back to back."""
    start = day
    for lot in sorted(
        (lot for lot in balances.pass_lots if lot.service == service and lot.remaining > 0),
        key=lambda lot: lot.valid_from or date.min,
    ):
        if lot.usable_on(start) and lot.valid_until is not None:
            start = lot.valid_until + timedelta(days=1)
    return start


def _ensure_can_buy(card: Card, card_type: CardType, op_id: str, at: datetime) -> None:
    _require_op(op_id)
    ensure_type_matches(card, card_type)
    ensure_can_pay(card, at.date())
    if card.is_subsidiary:
        raise CardStateError("purchase.subsidiary_card", card_no=card.card_no,
                             parent_card_no=card.parent_card_no)


def _require_op(op_id: str) -> None:
    if not op_id.strip():
        raise InvalidInput("input.invalid", field="op_id")
