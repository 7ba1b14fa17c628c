"""The test's own bookkeeping for the operation-sequence properties, kept apart from the ledger:
a running tally per card, money counters, subsidiary spending and what each sale has left.

Nothing here calls the decision functions; it only records what the test expects them to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from membership.cards import Card, CardStatus
from membership.errors import DomainError
from membership.ledger import CardBalances, LedgerEntry
from membership.refunds import RefundRecord
from membership.sale_record import SaleRecord
from membership.tenders import Settlement

T = TypeVar("T")

BLOCKED_KEYS = {
    CardStatus.LOST: "card.lost",
    CardStatus.FROZEN: "card.frozen",
    CardStatus.EXPIRED: "card.expired",
    CardStatus.REPLACED: "card.replaced",
    CardStatus.CANCELLED: "card.cancelled",
}

# The card state machine as the issue states it: action -> statuses it may start from.
_S = CardStatus
ALLOWED_FROM = {
    "report_loss": {_S.ACTIVE, _S.EXPIRED},
    "cancel_loss": {_S.LOST},
    "freeze": {_S.ACTIVE, _S.EXPIRED},
    "unfreeze": {_S.FROZEN},
    "replace": {_S.ACTIVE, _S.LOST},
    "cancel": {_S.ACTIVE, _S.LOST, _S.EXPIRED},
}
ENDS_IN = {
    "report_loss": _S.LOST,
    "cancel_loss": _S.ACTIVE,
    "freeze": _S.FROZEN,
    "unfreeze": _S.ACTIVE,
}


@dataclass
class Tally:
    """One card's balances as the test expects them, updated from its own arithmetic."""

    principal: int = 0
    bonus: int = 0
    points: int = 0
    time: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add_counts(self, service: str, uses: int) -> None:
        self.counts[service] = self.counts.get(service, 0) + uses


@dataclass
class Money:
    """Fen that entered and left the system, counted from what the test asked for."""

    topups: int = 0
    bonus_given: int = 0
    principal_spent: int = 0
    bonus_spent: int = 0
    principal_refunded: int = 0
    bonus_refunded: int = 0
    card_tendered: int = 0
    card_refunded: int = 0
    withdrawn: int = 0
    cancelled_principal: int = 0
    bonus_forfeited: int = 0

    def expected_principal(self) -> int:
        return (self.topups - self.principal_spent + self.principal_refunded - self.withdrawn
                - self.cancelled_principal)

    def expected_bonus(self) -> int:
        return self.bonus_given - self.bonus_spent + self.bonus_refunded - self.bonus_forfeited

    def expected_stored_value(self) -> int:
        return (self.topups + self.bonus_given - self.card_tendered + self.card_refunded
                - self.withdrawn - self.cancelled_principal - self.bonus_forfeited)


@dataclass
class Sold:
    """A committed sale and the refunds made of it so far."""

    record: SaleRecord
    settlement: Settlement
    refunds: list[RefundRecord] = field(default_factory=list)
    refunded: dict[int, int] = field(default_factory=dict)

    def left(self) -> dict[int, int]:
        return {line.line_no: line.qty - self.refunded.get(line.line_no, 0)
                for line in self.record.lines}

    @property
    def units_left(self) -> int:
        return sum(self.left().values())


@dataclass(frozen=True)
class ChildMoney:
    """A subsidiary card's spend (or refund of one) on its parent's stored value."""

    child_no: str
    op_id: str  # the sale; for a refund, the sale it reverses
    at: datetime
    amount: int


def same_period(period: str, first: datetime, second: datetime) -> bool:
    if period == "day":
        return first.date() == second.date()
    if period == "week":
        return first.isocalendar()[:2] == second.isocalendar()[:2]
    return (first.year, first.month) == (second.year, second.month)


def quota_used(period: str, child_no: str, spends: list[ChildMoney],
               refunds: list[ChildMoney], at: datetime) -> int:
    """Spent in the period containing `at`, less refunds in it of spending in it."""
    spent = {s.op_id: s.amount for s in spends
             if s.child_no == child_no and same_period(period, s.at, at)}
    refunded = sum(r.amount for r in refunds
                   if r.child_no == child_no and same_period(period, r.at, at)
                   and r.op_id in spent)
    return max(sum(spent.values()) - refunded, 0)


def is_empty(balances: CardBalances) -> bool:
    lots = (*balances.points_lots, *balances.count_lots, *balances.pass_lots)
    money = (balances.principal, balances.bonus, balances.time_minutes)
    return all(value == 0 for value in money) and all(lot.remaining == 0 for lot in lots)


def blocked(*cards: Card) -> set[str]:
    """The error keys a payment with these cards must fail with (cards never expire here)."""
    return {BLOCKED_KEYS[card.status] for card in cards if card.status is not CardStatus.ACTIVE}


def attempt(ledger: list[LedgerEntry], call: Callable[[], T], must: set[str],
            may: frozenset[str] = frozenset()) -> T | None:
    """Run a decision. If the model says it must fail (`must` not empty) it has to raise one of
    `must` or `may`; otherwise only one of `may`. A DomainError leaves the ledger untouched."""
    before = tuple(ledger)
    try:
        result = call()
    except DomainError as error:
        assert error.key in must | may, f"unexpected {error!r}; allowed: {sorted(must | may)}"
        assert tuple(ledger) == before
        return None
    assert not must, f"expected one of {sorted(must)}, but the call succeeded"
    return result
