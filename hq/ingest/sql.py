"""The ingest transaction's reads and writes of terminals, cards, holds and balances, as SQL
text for SQLite and PostgreSQL.

Peewee's query builder renders a node per value on every call: at a hundred batches a second
that cost the ingest worker more CPU than the database spent running the statements. Here each
statement is plain text, a list travels as one parameter (hq.db.HqDatabase.among), and the
cards to lock and the holds on them are found in one round trip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from hq.card_events import CardState
from hq.db import HqDatabase

_CARD_FIELDS = tuple(field.name for field in dataclasses.fields(CardState))
_CARD_COLUMNS = ", ".join(f'"{name}"' for name in _CARD_FIELDS)
# The accounts whose balance an overdraft is judged on (hq.ingest.rows.DEBITED_ACCOUNTS).
_DEBITED = "'principal', 'bonus', 'count', 'points', 'time'"


@dataclass(frozen=True)
class TerminalState:
    """What the ingest reads of a terminal's row (locked)."""

    id: str
    store_id: str
    watermark: int
    highest_seen: int


@dataclass(frozen=True)
class LockedCards:
    cards: dict[str, CardState]  # by card number
    held: list[str]  # those with an active hold for one of the batch's operations


def lock_terminal(db: HqDatabase, terminal_id: str) -> TerminalState | None:
    """The terminal's row, locked until the transaction ends (see hq.ingest for why)."""
    statement = db.locking_sql(
        'SELECT "id", "store_id", "watermark", "highest_seen" FROM "terminals" '
        f'WHERE "id" = {db.database.param}')
    row = db.database.execute_sql(statement, [terminal_id]).fetchone()
    return None if row is None else TerminalState(*row)


def lock_cards(db: HqDatabase, card_nos: Collection[str], terminal_id: str, op_ids: list[str]
               ) -> LockedCards:
    """Lock `card_nos` and the cards with an active hold of the terminal for one of `op_ids`,
    in card order (two batches locking the same cards then cannot deadlock). A hold's card
    always exists: hq.authority refuses a card it does not know."""
    held = (f'SELECT "card_no" FROM "holds" WHERE "terminal_id" = {db.database.param} AND '
            f'{db.among("op_id")} AND "state" = \'active\'')
    statement = db.locking_sql(
        f'SELECT {_CARD_COLUMNS}, "card_no" IN ({held}) FROM "cards" '
        f'WHERE {db.among("card_no")} OR "card_no" IN ({held}) ORDER BY "card_no"')
    ops = db.list_parameter(op_ids)
    rows = db.database.execute_sql(
        statement, [terminal_id, ops, db.list_parameter(sorted(card_nos)), terminal_id, ops]
    ).fetchall()
    fields = [db.cards._meta.fields[name] for name in _CARD_FIELDS]
    cards = {row[0]: CardState(*(field.python_value(value)
                                 for field, value in zip(fields, row[:-1], strict=True)))
             for row in rows}
    return LockedCards(cards, [row[0] for row in rows if row[-1]])


def consume_holds(db: HqDatabase, terminal_id: str, op_ids: list[str], card_nos: list[str],
                  consumed_at: datetime) -> None:
    """The batch's sales took what the terminal's holds reserved: they reserve nothing any
    more. Only the batch's own terminal's holds: another terminal's are not its to consume."""
    param = db.database.param
    db.database.execute_sql(
        f'UPDATE "holds" SET "state" = \'consumed\', "consumed_at" = {param} '
        f'WHERE "terminal_id" = {param} AND {db.among("op_id")} AND "state" = \'active\' '
        f'AND {db.among("card_no")}',
        [db.holds.consumed_at.db_value(consumed_at), terminal_id, db.list_parameter(op_ids),
         db.list_parameter(card_nos)])


def balance_sums(db: HqDatabase, card_nos: Collection[str]) -> list[tuple[str, str, str, int]]:
    """(card_no, account, service, sum of deltas) of the cards' stored value, counts, points
    and prepaid minutes."""
    rows = db.database.execute_sql(
        'SELECT "card_no", "account", "service", SUM("delta") FROM "ledger_entries" '
        f'WHERE {db.among("card_no")} AND "account" IN ({_DEBITED}) '
        'GROUP BY "card_no", "account", "service"', [db.list_parameter(sorted(card_nos))])
    return [(card_no, account, service, int(total)) for card_no, account, service, total in rows]


def stored_seqs_above(db: HqDatabase, terminal_id: str, watermark: int) -> list[int]:
    param = db.database.param
    rows = db.database.execute_sql(
        f'SELECT "seq" FROM "events" WHERE "terminal_id" = {param} AND "seq" > {param} '
        'ORDER BY "seq"', [terminal_id, watermark])
    return [seq for (seq,) in rows]


def debits_stored_between(db: HqDatabase, terminal_id: str, after: int, up_to: int
                          ) -> list[tuple[str, str, str, int, str]]:
    """(card_no, account, service, seq, op_id) of the terminal's stored debits of stored value,
    counts, points and prepaid minutes with after < seq <= up_to, in seq order."""
    param = db.database.param
    rows = db.database.execute_sql(
        'SELECT "card_no", "account", "service", "seq", "op_id" FROM "ledger_entries" '
        f'WHERE "terminal_id" = {param} AND "seq" > {param} AND "seq" <= {param} '
        f'AND "delta" < 0 AND "account" IN ({_DEBITED}) ORDER BY "seq"',
        [terminal_id, after, up_to])
    return [(card_no, account, service, int(seq), op_id)
            for card_no, account, service, seq, op_id in rows]
