"""Overdrafts (decision 6): the balances an offline terminal's debits left below zero at HQ,
each recorded against the last event that debited it, for an operator to settle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hq.db import HqDatabase
from hq.ingest.rows import POINTS_OVERDRAFT, Debit, PreparedEvent, debits_by_last_event
from hq.ingest.sql import balance_sums, debits_stored_between


def record_overdrafts(db: HqDatabase, terminal_id: str, new_events: Sequence[PreparedEvent],
                      old_watermark: int, watermark: int, received_at: datetime) -> None:
    """Each balance left negative by the events the watermark now covers. An event stored above
    a gap is judged only when the gap is filled: the missing events may credit the card first
    (a top-up rung up before the sale), and judging it early flagged overdrafts that never were
    (seen in the broker-outage fault test). Points redeemed beyond HQ's balance are flagged so
    too (reason `points`), never quarantined: an honest offline terminal may have spent points
    HQ no longer has."""
    covered = [event for event in new_events if event.event.seq <= watermark]
    debits = {debit: (event.event.seq, event.event.op_id)
              for debit, event in debits_by_last_event(covered).items()}
    if watermark - old_watermark > len(covered):  # events stored earlier above a gap
        new_seqs = {event.event.seq for event in new_events}
        for card_no, account, service, seq, op_id in debits_stored_between(
                db, terminal_id, old_watermark, watermark):
            debit = Debit.of(card_no, account, service)
            if seq not in new_seqs and seq > debits.get(debit, (0, ""))[0]:
                debits[debit] = (seq, op_id)
    if not debits:
        return
    balances = _debited_balances(db, {debit.card_no for debit in debits})
    rows = [
        {"card_no": debit.card_no, "terminal_id": terminal_id, "seq": seq, "op_id": op_id,
         "kind": debit.kind, "service": debit.service, "amount_over": -balances[debit],
         "detected_at": received_at,
         "reason": POINTS_OVERDRAFT if debit.kind == POINTS_OVERDRAFT else "balance"}
        for debit, (seq, op_id) in debits.items() if balances.get(debit, 0) < 0
    ]
    db.bulk_insert(db.overdrafts, rows)


def _debited_balances(db: HqDatabase, card_nos: set[str]) -> dict[Debit, int]:
    """Stored value (principal + bonus), uses per service, points and prepaid minutes of the
    cards, from the ledger."""
    balances: dict[Debit, int] = {}
    for card_no, account, service, total in balance_sums(db, card_nos):
        debit = Debit.of(card_no, account, service)
        balances[debit] = balances.get(debit, 0) + total
    return balances
