"""A card's history as this terminal recorded it (消费记录): its operations newest first, a page
at a time, each with what it changed on the card (stored value, points, uses, minutes, passes).

An operation belongs to a card's history when it wrote an entry on the card or one the card made
(a subsidiary card spends its parent's money: `actor_card_no`), or when it is a sale or counter
operation of the card or a refund of such a sale (a cash sale may write no entry at all).
Operations at the same time come in the order of their seq.
Operations made on other terminals are not here: only HQ holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from membership.ledger import Account
from terminal.store.access import StoreAccess

MAX_PAGE = 100

_OPS_OF_CARD = """
    SELECT "op_id", MAX("at") AS "at" FROM (
        SELECT "op_id", "at", NULL AS "seq" FROM "ledger_entry"
            WHERE "card_no" = ?1 OR "actor_card_no" = ?1
        UNION ALL
        SELECT "op_id", "at", "seq" FROM "sale" WHERE "card_no" = ?1 OR "actor_card_no" = ?1
        UNION ALL
        SELECT "op_id", "at", "seq" FROM "counter_op" WHERE "card_no" = ?1
        UNION ALL
        SELECT "refund"."op_id", "refund"."at", "refund"."seq" FROM "refund"
            JOIN "sale" ON "sale"."op_id" = "refund"."original_op"
            WHERE "sale"."card_no" = ?1 OR "sale"."actor_card_no" = ?1
    ) GROUP BY "op_id" ORDER BY "at" DESC, MAX("seq") DESC, "op_id" DESC LIMIT ?2 OFFSET ?3
"""


@dataclass(frozen=True)
class HistoryItem:
    """One operation of a card. `kind` is "sale", "refund", "void" or a counter operation's
    event type (card.topped_up, package.purchased...); `amount` what it came to in fen (a sale's
    amount due, a refund's amount, what a counter operation's tenders paid in); `changes` the
    sum of its entries' deltas on the card per ledger account (fen for principal and bonus)."""

    op_id: str
    at: datetime
    kind: str
    amount: int = 0
    changes: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", MappingProxyType(dict(self.changes)))

    @property
    def stored_value(self) -> int:
        return self.changes.get(Account.PRINCIPAL.value, 0) + self.changes.get(
            Account.BONUS.value, 0)


def card_history(store: StoreAccess, card_no: str, offset: int, limit: int
                 ) -> tuple[HistoryItem, ...]:
    """At most `limit` operations of the card, newest first, skipping the `offset` newest."""
    limit, offset = max(0, min(limit, MAX_PAGE)), max(0, offset)
    with store.reading():
        found = store.database.execute_sql(_OPS_OF_CARD, (card_no, limit, offset)).fetchall()
        return tuple(_item(store, card_no, op_id, at) for op_id, at in found)


def _item(store: StoreAccess, card_no: str, op_id: str, at: str) -> HistoryItem:
    kind, amount = _kind_and_amount(store, op_id)
    rows = store.database.execute_sql(
        'SELECT "account", SUM("delta") FROM "ledger_entry" WHERE "op_id" = ? '
        'AND ("card_no" = ? OR "actor_card_no" = ?) GROUP BY "account"',
        (op_id, card_no, card_no)).fetchall()
    return HistoryItem(op_id, datetime.fromisoformat(at), kind, amount,
                       {account: total for account, total in rows})


def _kind_and_amount(store: StoreAccess, op_id: str) -> tuple[str, int]:
    execute = store.database.execute_sql
    sale = execute('SELECT "amount_due" FROM "sale" WHERE "op_id" = ?', (op_id,)).fetchone()
    if sale is not None:
        return "sale", int(sale[0])
    refund = execute('SELECT "amount", "is_void" FROM "refund" WHERE "op_id" = ?',
                     (op_id,)).fetchone()
    if refund is not None:
        return ("void" if refund[1] else "refund"), int(refund[0])
    counter = execute('SELECT "event_type", "amount" FROM "counter_op" WHERE "op_id" = ?',
                      (op_id,)).fetchone()
    if counter is not None:
        return str(counter[0]), int(counter[1])
    return "other", 0
