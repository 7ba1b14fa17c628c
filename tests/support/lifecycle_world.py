"""Shared cards, rules and helpers for test_lifecycle.py and test_lifecycle_replace_cancel.py."""

from __future__ import annotations

from datetime import date, datetime

from membership.cards import Card, CardStatus, CardType, Feature, Fees, SubsidiaryPolicy
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry
from membership.lifecycle import (
    TRANSITIONS,
    CardAction,
    cancel_card,
    cancel_loss,
    expire,
    extend,
    freeze,
    replace_card,
    report_loss,
    unfreeze,
)

TODAY = date(2025, 6, 1)
AT = datetime(2025, 6, 1, 10, 30)
GOLD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.COUNT, Feature.TIME, Feature.POINTS}),
    validity_days=365,
    fees=Fees(join=2000, annual=5000, replacement=1000, cancellation=500),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000),
)
FOREVER = CardType(code="PLAIN", name="普通卡", features=frozenset({Feature.STORED_VALUE}))


def gold_card(status: CardStatus = CardStatus.ACTIVE, expires_on: date | None = None,
              **changes) -> Card:
    return Card(
        card_no="C001", member_id="M001", type_code="GOLD", status=status,
        issued_on=date(2025, 1, 1), expires_on=expires_on or date(2025, 12, 31), level="VIP",
        **changes,
    )


def holding_entries(card_no: str) -> list[LedgerEntry]:
    """¥1000 principal, ¥100 bonus, 120 prepaid minutes, 300 points, a 10-use package of which
    3 are used, and a monthly pass."""
    def entry(account, delta, kind, **lot_terms):
        return LedgerEntry(op_id="op-setup", card_no=card_no, account=account, delta=delta,
                           kind=kind, at=datetime(2025, 5, 1, 9), **lot_terms)

    return [
        entry(Account.PRINCIPAL, 100000, EntryKind.TOPUP),
        entry(Account.BONUS, 10000, EntryKind.TOPUP_BONUS),
        entry(Account.TIME, 120, EntryKind.PURCHASE),
        entry(Account.POINTS, 300, EntryKind.EARN, lot="pts-2025-05",
              valid_until=date(2026, 5, 31)),
        entry(Account.COUNT, 10, EntryKind.PURCHASE, lot="op-setup:WASH10", service="wash",
              valid_from=date(2025, 5, 1), valid_until=date(2025, 10, 31)),
        entry(Account.COUNT, -3, EntryKind.USE, lot="op-setup:WASH10", service="wash"),
        entry(Account.PASS, 1, EntryKind.PURCHASE, lot="op-setup:MONTH", service="gym",
              valid_from=date(2025, 5, 15), valid_until=date(2025, 6, 13)),
    ]


def lot_view(balances: CardBalances) -> dict:
    """Balances without the lots' opening time (the transfer time on the new card) and without
    lots that are used up."""
    def lots(group):
        return sorted((lot.lot, lot.service, lot.valid_from, lot.valid_until, lot.remaining)
                      for lot in group if lot.remaining)

    return {
        "principal": balances.principal, "bonus": balances.bonus, "time": balances.time_minutes,
        "points": lots(balances.points_lots), "count": lots(balances.count_lots),
        "pass": lots(balances.pass_lots),
    }


# --- the transition table -------------------------------------------------------------------


def perform(action: CardAction, card: Card) -> CardStatus:
    if action is CardAction.REPORT_LOSS:
        return report_loss(card, TODAY).status
    if action is CardAction.CANCEL_LOSS:
        return cancel_loss(card, TODAY).status
    if action is CardAction.FREEZE:
        return freeze(card, TODAY).status
    if action is CardAction.UNFREEZE:
        return unfreeze(card, TODAY).status
    if action is CardAction.EXPIRE:
        return expire(card, TODAY).status
    if action is CardAction.EXTEND:
        return extend(card, GOLD, TODAY).card.status
    if action is CardAction.REPLACE:
        return replace_card(card, "C002", CardBalances(), GOLD, "op-1", AT).old_card.status
    return cancel_card(card, CardBalances(), GOLD, "op-1", AT).card.status


ALL_MOVES = [(action, status) for action in CardAction for status in CardStatus]
LEGAL_MOVES = [(a, s) for a, s in ALL_MOVES if s in TRANSITIONS[a][0]]
ILLEGAL_MOVES = [(a, s) for a, s in ALL_MOVES if s not in TRANSITIONS[a][0]]


def card_for_move(action: CardAction, status: CardStatus) -> Card:
    # Expiring needs a card whose last valid day has passed; everything else a card still valid.
    past = status is CardStatus.EXPIRED or action is CardAction.EXPIRE
    return gold_card(status, expires_on=date(2025, 5, 31) if past else date(2025, 12, 31))
