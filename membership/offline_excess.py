"""Offline debits beyond the offline limits, as HQ sees them when the events arrive (decision 6,
issue 10 point 3). Pure: HQ passes the debits and the limits in.

A terminal approves an offline debit (membership.offline_limits.decide_offline_debit) when it
fits the card's limit less every debit of that card the terminal has made that HQ has not
acknowledged yet, and the terminal's limit less every stored-value debit of any card not
acknowledged yet. HQ cannot see when an acknowledgement reached the terminal, but every event
above the watermark HQ held before a batch was unacknowledged when it was made (watermarks only
grow). So HQ checks each offline debit against the debits of that window: what it counts is at
most what an honest terminal counted, and an honest terminal is never flagged. A debit is
offline when no hold of its terminal covers it (a hold is HQ's online approval); of a debit
larger than its hold, the part beyond the hold is offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from membership.ledger import Account, EntryKind
from membership.offline_limits import COUNT, STORED_VALUE

OFFLINE_LIMIT_CARD = "offline_limit_card"
OFFLINE_LIMIT_TERMINAL = "offline_limit_terminal"
# What the terminal's debit guard approves (terminal.cashier.operations.common.card_debits).
_GUARDED_MONEY = frozenset({EntryKind.SPEND, EntryKind.WITHDRAW, EntryKind.CANCEL_REFUND,
                            EntryKind.FEE})
_MONEY = frozenset({Account.PRINCIPAL.value, Account.BONUS.value})


@dataclass(frozen=True)
class WindowDebit:
    """What one event took from one balance: `total` is every debit entry (as the terminal's
    unsynced count has it), `guarded` the part its debit guard approved (sales, withdrawals,
    cancellations and fees from stored value; count uses), `held` what HQ's holds approved."""

    seq: int
    op_id: str
    card_no: str
    kind: str  # stored_value or count
    service: str
    total: int
    guarded: int
    held: int = 0

    @property
    def offline(self) -> int:
        return max(self.guarded - self.held, 0)


@dataclass(frozen=True)
class OfflineExcess:
    reason: str  # OFFLINE_LIMIT_CARD or OFFLINE_LIMIT_TERMINAL
    debit: WindowDebit  # the last debit beyond the limit in the window
    amount_over: int  # fen (or uses) beyond the limit at that debit


def offline_excesses(debits: Iterable[WindowDebit], card_limit: Callable[[str, str], int],
                     terminal_limit: int) -> list[OfflineExcess]:
    """The card and terminal limits the window's offline debits went beyond: at most one per
    balance (card, kind, service) and one for the terminal, at the last debit beyond it.
    `debits` is one terminal's window in seq order; `card_limit(card_no, kind)`."""
    taken: dict[tuple[str, str, str], int] = {}
    terminal_taken = 0
    beyond: dict[tuple[str, str, str], OfflineExcess] = {}
    for debit in debits:
        key = (debit.card_no, debit.kind, debit.service)
        before = taken.get(key, 0)
        if debit.offline and before + debit.offline > card_limit(debit.card_no, debit.kind):
            beyond[key] = OfflineExcess(
                OFFLINE_LIMIT_CARD, debit,
                before + debit.offline - card_limit(debit.card_no, debit.kind))
        taken[key] = before + debit.total
        if debit.kind != STORED_VALUE:
            continue
        if debit.offline and terminal_taken + debit.offline > terminal_limit:
            beyond[("", OFFLINE_LIMIT_TERMINAL, "")] = OfflineExcess(
                OFFLINE_LIMIT_TERMINAL, debit, terminal_taken + debit.offline - terminal_limit)
        terminal_taken += debit.total
    return list(beyond.values())


def held_amounts(holds: Iterable[tuple[str, str, str, str, int]]
                 ) -> Mapping[tuple[str, str, str, str], int]:
    """(op_id, card_no, kind, service) -> amount held, from (op_id, card_no, kind, service,
    amount) rows of a terminal's holds."""
    held: dict[tuple[str, str, str, str], int] = {}
    for op_id, card_no, kind, service, amount in holds:
        key = (op_id, card_no, kind, "" if kind != COUNT else service)
        held[key] = held.get(key, 0) + amount
    return held


def window_debits(entries: Iterable[tuple[int, str, str, str, str, str, int]],
                  held: Mapping[tuple[str, str, str, str], int]) -> list[WindowDebit]:
    """One WindowDebit per event and balance, in seq order, from (seq, op_id, card_no,
    account, kind, service, delta) ledger rows; rows other than debits of stored value or
    counts are left out."""
    debits: dict[tuple[int, str, str, str, str], list[int]] = {}
    for seq, op_id, card_no, account, kind, service, delta in entries:
        if delta >= 0:
            continue
        if account in _MONEY:
            balance, service, guarded = STORED_VALUE, "", kind in _GUARDED_MONEY
        elif account == Account.COUNT.value:
            balance, guarded = COUNT, kind == EntryKind.USE.value
        else:
            continue
        totals = debits.setdefault((seq, op_id, card_no, balance, service), [0, 0])
        totals[0] -= delta
        totals[1] -= delta if guarded else 0
    return [WindowDebit(seq, op_id, card_no, balance, service, total, guarded,
                        held.get((op_id, card_no, balance, service), 0))
            for (seq, op_id, card_no, balance, service), (total, guarded)
            in sorted(debits.items(), key=lambda item: item[0][0])]
