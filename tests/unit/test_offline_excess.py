"""Offline debits beyond the offline limits as HQ counts them (membership.offline_excess)."""

from __future__ import annotations

from membership.offline_excess import (
    OFFLINE_LIMIT_CARD,
    OFFLINE_LIMIT_TERMINAL,
    WindowDebit,
    held_amounts,
    offline_excesses,
    window_debits,
)


def limit_of(fen: int = 20_000, uses: int = 1):
    return lambda card_no, kind: uses if kind == "count" else fen


def spend(seq: int, card: str, amount: int, held: int = 0) -> WindowDebit:
    return WindowDebit(seq, f"T-{seq}", card, "stored_value", "", amount, amount, held)


def test_debits_within_the_limits_are_not_flagged():
    debits = [spend(1, "C1", 10_000), spend(2, "C1", 10_000)]
    assert offline_excesses(debits, limit_of(), 200_000) == []


def test_one_debit_far_above_the_card_limit_is_flagged():
    (excess,) = offline_excesses([spend(1, "C1", 1_000_000)], limit_of(), 2_000_000)
    assert (excess.reason, excess.debit.seq, excess.amount_over) == (
        OFFLINE_LIMIT_CARD, 1, 980_000)


def test_the_window_adds_up_and_the_last_debit_beyond_is_named():
    debits = [spend(1, "C1", 15_000), spend(2, "C1", 10_000), spend(3, "C1", 5_000)]
    (excess,) = offline_excesses(debits, limit_of(), 200_000)
    assert (excess.debit.seq, excess.amount_over) == (3, 10_000)


def test_held_debits_are_online_but_still_count_in_the_window():
    debits = [spend(1, "C1", 50_000, held=50_000), spend(2, "C1", 100, held=0)]
    (excess,) = offline_excesses(debits, limit_of(), 2_000_000)
    assert (excess.debit.seq, excess.amount_over) == (2, 30_100)
    assert offline_excesses([spend(1, "C1", 50_000, held=50_000)], limit_of(), 0) == []


def test_the_terminal_limit_counts_every_card():
    debits = [spend(n, f"C{n}", 15_000) for n in range(1, 5)]
    (excess,) = offline_excesses(debits, limit_of(), 50_000)
    assert (excess.reason, excess.debit.seq, excess.amount_over) == (
        OFFLINE_LIMIT_TERMINAL, 4, 10_000)


def test_count_uses_against_the_card_uses_limit_not_the_terminal_limit():
    uses = [WindowDebit(n, f"T-{n}", "C1", "count", "WASH", 1, 1) for n in (1, 2)]
    (excess,) = offline_excesses(uses, limit_of(uses=1), 0)
    assert (excess.reason, excess.debit.kind, excess.amount_over) == (OFFLINE_LIMIT_CARD,
                                                                      "count", 1)


def test_window_debits_sum_per_event_and_balance_and_keep_what_is_guarded():
    rows = [(1, "T-1", "C1", "principal", "spend", "", -700),
            (1, "T-1", "C1", "bonus", "spend", "", -300),
            (2, "T-2", "C1", "principal", "transfer_out", "", -5000),
            (3, "T-3", "C1", "count", "use", "WASH", -1),
            (3, "T-3", "C1", "points", "redeem", "", -50),
            (4, "T-4", "C1", "principal", "topup", "", 900)]
    held = held_amounts([("T-1", "C1", "stored_value", "", 1000)])
    assert window_debits(rows, held) == [
        WindowDebit(1, "T-1", "C1", "stored_value", "", 1000, 1000, 1000),
        WindowDebit(2, "T-2", "C1", "stored_value", "", 5000, 0, 0),
        WindowDebit(3, "T-3", "C1", "count", "WASH", 1, 1, 0)]
