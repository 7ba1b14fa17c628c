"""Subsidiary cards (子母卡): a subsidiary card (副卡) spends its parent's (主卡) stored value
within a quota per day, ISO week or calendar month.

A subsidiary card holds nothing itself. Its payments are entries on the parent's card number
with `actor_card_no` set to the subsidiary card, and its quota is measured from those entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from membership.cards import Card, CardType, QuotaPeriod
from membership.errors import CardStateError, InvalidInput, QuotaExceeded
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.lifecycle import TERMINAL_STATUSES, ensure_can_pay, ensure_type_matches, issue_card
from membership.money import Fen

_MONEY_ACCOUNTS = frozenset({Account.PRINCIPAL, Account.BONUS})


def add_subsidiary(
    parent: Card, parent_type: CardType, existing_children: Sequence[Card], child_card_no: str,
    today: date, quota: Fen | None = None, member_id: str = "",
) -> Card:
    """Issue a subsidiary card under `parent`. `existing_children` are the parent's subsidiary
    cards; replaced and cancelled ones do not count toward max_children. The subsidiary card
    belongs to the parent's member unless `member_id` names another (a family member)."""
    policy = parent_type.subsidiary
    if not policy.allowed:
        raise CardStateError("subsidiary.not_allowed", type_code=parent_type.code)
    live = [
        child for child in existing_children
        if child.parent_card_no == parent.card_no and child.status not in TERMINAL_STATUSES
    ]
    if len(live) >= policy.max_children:
        raise CardStateError("subsidiary.too_many", max_children=policy.max_children)
    quota = policy.default_quota if quota is None else quota
    decision = issue_card(
        child_card_no, member_id or parent.member_id, parent_type, today, parent=parent,
        quota=quota,
    )
    return decision.card


def period_bounds(period: QuotaPeriod, at: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the day, ISO week (from Monday) or calendar month containing `at`."""
    day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is QuotaPeriod.DAY:
        return day_start, day_start + timedelta(days=1)
    if period is QuotaPeriod.WEEK:
        monday = day_start - timedelta(days=at.weekday())
        return monday, monday + timedelta(days=7)
    month_start = day_start.replace(day=1)
    if month_start.month == 12:
        return month_start, month_start.replace(year=month_start.year + 1, month=1)
    return month_start, month_start.replace(month=month_start.month + 1)


def quota_used(
    child_card_no: str | Iterable[str], parent_entries: Iterable[LedgerEntry],
    period: QuotaPeriod, at: datetime,
) -> Fen:
    """What the subsidiary card spent of its parent's stored value in the period containing `at`.

    `child_card_no` may be every number the card has had: a replaced subsidiary card keeps the
    quota its old plastic already used this period.

    Refunds in the period reduce it, but only refunds of spending in the same period (or
    refunds that name no original): giving back last month's purchase must not raise this
    month's quota. Never below zero.
    """
    start, end = period_bounds(period, at)
    actors = {child_card_no} if isinstance(child_card_no, str) else set(child_card_no)
    in_period = [
        entry for entry in parent_entries
        if entry.actor_card_no in actors
        and entry.account in _MONEY_ACCOUNTS
        and start <= entry.at < end
    ]
    spends = [entry for entry in in_period if entry.kind is EntryKind.SPEND]
    spent_ops = {entry.op_id for entry in spends}
    refunds = [
        entry for entry in in_period
        if entry.kind is EntryKind.REFUND
        and (not entry.reverses_op or entry.reverses_op in spent_ops)
    ]
    spent = -sum(entry.delta for entry in spends)
    refunded = sum(entry.delta for entry in refunds)
    return max(spent - refunded, 0)


def ensure_within_quota(
    child: Card, parent_type: CardType, parent_entries: Iterable[LedgerEntry], amount: Fen,
    at: datetime,
) -> None:
    """Raise QuotaExceeded unless `amount` more fits in the child's quota for the period.
    A quota of 0 allows no spending at all."""
    if not child.is_subsidiary:
        raise InvalidInput("subsidiary.not_subsidiary", card_no=child.card_no)
    ensure_type_matches(child, parent_type)
    if amount <= 0:
        raise InvalidInput("input.invalid", field="amount", value=amount)
    used = quota_used(child.all_card_nos, parent_entries, parent_type.subsidiary.period, at)
    if used + amount > child.quota:
        raise QuotaExceeded(
            "subsidiary.quota_exceeded", quota=child.quota, used=used, requested=amount,
            left=max(child.quota - used, 0),
        )


def ensure_subsidiary_can_spend(
    child: Card, parent: Card, parent_type: CardType, parent_entries: Iterable[LedgerEntry],
    amount: Fen, at: datetime,
) -> None:
    """All checks before a subsidiary card pays: both cards usable, the right parent, the quota."""
    if child.parent_card_no != parent.card_no:
        raise InvalidInput("subsidiary.wrong_parent", card_no=child.card_no,
                           parent_card_no=parent.card_no)
    ensure_can_pay(child, at.date())
    ensure_can_pay(parent, at.date())
    ensure_within_quota(child, parent_type, parent_entries, amount, at)
