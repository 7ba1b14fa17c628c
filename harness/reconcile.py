"""Compare every terminal's journal with HQ: nothing missing, nothing doubled, balances equal.

Used by the fleet simulator and the fault tests; each count is a real discrepancy found by
comparison, never assumed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from peewee import fn

from hq.balances import card_balances
from hq.db import HqDatabase
from membership.ledger import CardBalances


class TerminalLedger(Protocol):
    """What reconciliation reads of a terminal's store (TerminalStore has it)."""

    def known_card_nos(self) -> list[str]: ...
    def next_seq(self) -> int: ...
    def card_balances(self, card_no: str) -> CardBalances: ...


@dataclass(frozen=True)
class Reconciliation:
    events_issued: int = 0
    events_at_hq: int = 0
    missing: int = 0
    duplicated: int = 0
    balance_mismatches: int = 0
    quarantined: int = 0  # an honest terminal's events HQ quarantined: each a false alarm

    def __add__(self, other: Reconciliation) -> Reconciliation:
        return Reconciliation(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def clean(self) -> bool:
        return (self.missing == self.duplicated == self.balance_mismatches == 0
                and self.quarantined == 0)


def _values(result: Reconciliation) -> tuple[int, ...]:
    return (result.events_issued, result.events_at_hq, result.missing, result.duplicated,
            result.balance_mismatches, result.quarantined)


def reconcile_terminal(db: HqDatabase, terminal_id: str, store: TerminalLedger,
                       card_nos: list[str] | None = None) -> Reconciliation:
    """`card_nos` default to every card the terminal's store knows."""
    if card_nos is None:
        card_nos = store.known_card_nos()
    issued = store.next_seq() - 1
    events = db.events
    at_hq = events.select().where(events.terminal_id == terminal_id).count()
    stored_seqs = {row.seq for row in events.select(events.seq)
                   .where(events.terminal_id == terminal_id)}
    missing = sum(1 for seq in range(1, issued + 1) if seq not in stored_seqs)
    doubled_ops = (events.select(events.op_id, fn.COUNT(events.seq).alias("copies"))
                   .where(events.terminal_id == terminal_id).group_by(events.op_id)
                   .having(fn.COUNT(events.seq) > 1))
    duplicated = sum(row.copies - 1 for row in doubled_ops)
    mismatches = sum(1 for card_no in card_nos
                     if _comparable(card_balances(db, card_no))
                     != _comparable(store.card_balances(card_no)))
    quarantined = db.quarantined_events.select().where(
        db.quarantined_events.terminal_id == terminal_id).count()
    return Reconciliation(issued, at_hq, missing, duplicated, mismatches, quarantined)


def _comparable(balances) -> tuple:
    lots = sorted((lot.lot, lot.remaining) for lot in
                  (*balances.points_lots, *balances.count_lots, *balances.pass_lots))
    return balances.principal, balances.bonus, balances.time_minutes, tuple(lots)
