"""Offline debits beyond the card's or the terminal's offline limit, flagged at ingest (issue 10,
point 3; the rule is membership.offline_excess). The debit is applied (the money is spent at the
counter); an `overdrafts` row with reason `offline_limit_card` or `offline_limit_terminal` shows
it to an operator, next to the balances left below zero.

Judged, like overdrafts, once the watermark covers the events: the window is the terminal's
events above the watermark HQ held before the batch, up to the new watermark. A limit is the
card's or terminal's own (`hq limits ...`) or else the published default.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from hq.db import HqDatabase
from hq.ingest.rows import PreparedEvent
from membership.offline_excess import (
    OfflineExcess,
    WindowDebit,
    held_amounts,
    offline_excesses,
    window_debits,
)
from membership.offline_limits import COUNT, OfflineLimits

_DEFAULTS = OfflineLimits()
Entry = tuple[int, str, str, str, str, str, int]  # seq, op_id, card_no, account, kind, ...


def record_offline_excesses(db: HqDatabase, terminal_id: str,
                            new_events: Sequence[PreparedEvent], old_watermark: int,
                            watermark: int, detected_at: datetime) -> None:
    if watermark <= old_watermark:
        return
    debits = window_debits(_window_entries(db, terminal_id, new_events, old_watermark,
                                           watermark), {})
    if not any(debit.guarded for debit in debits):
        return
    held = held_amounts(_holds(db, terminal_id, sorted({debit.op_id for debit in debits})))
    debits = [WindowDebit(d.seq, d.op_id, d.card_no, d.kind, d.service, d.total, d.guarded,
                          held.get((d.op_id, d.card_no, d.kind, d.service), 0))
              for d in debits]
    if not any(debit.offline for debit in debits):
        return
    card_limits = _card_limits(db, {debit.card_no for debit in debits})

    def card_limit(card_no: str, kind: str) -> int:
        own = card_limits.get(card_no, (None, None))[1 if kind == COUNT else 0]
        return _DEFAULTS.for_card(card_no, kind) if own is None else own

    excesses = offline_excesses(debits, card_limit, _terminal_limit(db, terminal_id))
    db.bulk_insert(db.overdrafts, [_row(terminal_id, excess, detected_at)
                                   for excess in excesses])


def _row(terminal_id: str, excess: OfflineExcess, detected_at: datetime) -> dict[str, object]:
    debit = excess.debit
    return {"card_no": debit.card_no, "terminal_id": terminal_id, "seq": debit.seq,
            "op_id": debit.op_id, "kind": debit.kind, "service": debit.service,
            "amount_over": excess.amount_over, "detected_at": detected_at,
            "reason": excess.reason}


def _window_entries(db: HqDatabase, terminal_id: str, new_events: Sequence[PreparedEvent],
                    after: int, up_to: int) -> list[Entry]:
    """The debit entries of the terminal's applied events with after < seq <= up_to: from the
    batch when it is the whole window, else from the ledger (events stored earlier above a
    gap, or some quarantined)."""
    covered = [event for event in new_events if after < event.event.seq <= up_to]
    if len(covered) == up_to - after:
        return [(event.event.seq, entry.op_id, entry.card_no, entry.account.value,
                 entry.kind.value, entry.service, entry.delta)
                for event in covered for entry in event.entries if entry.delta < 0]
    param = db.database.param
    rows = db.database.execute_sql(
        'SELECT "seq", "op_id", "card_no", "account", "kind", "service", "delta" '
        f'FROM "ledger_entries" WHERE "terminal_id" = {param} AND "seq" > {param} '
        f'AND "seq" <= {param} AND "delta" < 0 ORDER BY "seq", "id"',
        [terminal_id, after, up_to])
    return [(int(seq), op_id, card_no, account, kind, service, int(delta))
            for seq, op_id, card_no, account, kind, service, delta in rows]


def _holds(db: HqDatabase, terminal_id: str, op_ids: list[str]
           ) -> list[tuple[str, str, str, str, int]]:
    """The terminal's holds HQ approved for these operations (consumed by now, or not)."""
    rows = db.database.execute_sql(
        'SELECT "op_id", "card_no", "kind", "service", "amount" FROM "holds" '
        f'WHERE "terminal_id" = {db.database.param} AND {db.among("op_id")} '
        "AND \"state\" IN ('active', 'consumed', 'expired')",
        [terminal_id, db.list_parameter(op_ids)])
    return [(op_id, card_no, kind, service, int(amount))
            for op_id, card_no, kind, service, amount in rows]


def _card_limits(db: HqDatabase, card_nos: Collection[str]
                 ) -> dict[str, tuple[int | None, int | None]]:
    rows = db.database.execute_sql(
        'SELECT "card_no", "offline_limit_fen", "offline_limit_uses" FROM "cards" '
        f'WHERE {db.among("card_no")} AND ("offline_limit_fen" IS NOT NULL '
        'OR "offline_limit_uses" IS NOT NULL)', [db.list_parameter(sorted(card_nos))])
    return {card_no: (fen, uses) for card_no, fen, uses in rows}


def _terminal_limit(db: HqDatabase, terminal_id: str) -> int:
    row = db.database.execute_sql(
        f'SELECT "offline_limit_fen" FROM "terminals" WHERE "id" = {db.database.param}',
        [terminal_id]).fetchone()
    return _DEFAULTS.per_terminal_fen if row is None or row[0] is None else int(row[0])
