"""The offline-debit decision (decision 6): what a terminal may take from a card alone, within
the card's and the terminal's limits and the balance last known (membership.offline_limits)."""

from datetime import date, datetime

import pytest

from membership.ledger import CardBalances, Lot
from membership.offline_limits import (
    COUNT,
    LIMIT_REACHED,
    STORED_VALUE,
    DebitDecision,
    OfflineLimits,
    OfflinePosition,
    available_in,
    decide_offline_debit,
)

CARD = "8800000000001234"
VIP = "8800000000000888"
LIMITS = OfflineLimits(per_card_fen=20_000, per_card_uses=2, per_terminal_fen=50_000,
                       cards={VIP: {"fen": 90_000, "uses": 5}})


def known(available: int, card_unsynced: int = 0, terminal_unsynced_fen: int = 0,
          hq_available: int | None = None) -> OfflinePosition:
    return OfflinePosition(hq_available, available, card_unsynced, terminal_unsynced_fen)


def stored_value(amount: int, position: OfflinePosition, card_no: str = CARD) -> DebitDecision:
    return decide_offline_debit(card_no, STORED_VALUE, amount, LIMITS, position)


def test_a_debit_within_every_bound_is_approved_offline_with_what_is_left():
    decision = stored_value(5_000, known(10_000))
    assert decision == DebitDecision(True, False, "", 5_000)


def test_the_balance_known_bounds_the_debit():
    assert stored_value(10_001, known(10_000)) == DebitDecision(False, False, LIMIT_REACHED,
                                                                10_000)
    assert stored_value(10_000, known(10_000)) == DebitDecision(True, False, "", 0)


def test_the_cards_limit_less_its_unsynced_debits_bounds_the_debit():
    position = known(100_000, card_unsynced=15_000)  # ¥150 taken here, HQ has not heard yet
    assert stored_value(5_000, position).approved
    assert stored_value(5_001, position) == DebitDecision(False, False, LIMIT_REACHED, 5_000)


def test_a_card_of_its_own_limit_uses_it():
    position = known(100_000, card_unsynced=15_000)
    assert stored_value(20_000, position, VIP) == DebitDecision(True, False, "", 30_000)
    assert not stored_value(20_000, position).approved  # ¥50 left of the default ¥200


def test_the_terminals_limit_less_all_its_unsynced_debits_bounds_the_debit():
    position = known(100_000, terminal_unsynced_fen=45_000)
    assert stored_value(5_000, position).approved
    assert stored_value(6_000, position) == DebitDecision(False, False, LIMIT_REACHED, 5_000)


def test_what_is_over_a_bound_already_is_refused_with_nothing_available():
    position = known(100_000, terminal_unsynced_fen=60_000)
    assert stored_value(1, position) == DebitDecision(False, False, LIMIT_REACHED, 0)
    assert stored_value(1, known(-500)) == DebitDecision(False, False, LIMIT_REACHED, 0)


def test_hqs_last_answer_less_the_unsynced_debits_is_the_balance_known():
    position = known(0, card_unsynced=1_000, hq_available=5_000)  # cached card knows nothing
    assert position.known_available() == 4_000
    assert stored_value(4_001, position) == DebitDecision(False, False, LIMIT_REACHED, 4_000)


def test_without_an_answer_from_hq_the_cached_card_is_the_balance_known():
    position = known(3_000, card_unsynced=1_000)  # already net of the unsynced debits
    assert position.known_available() == 3_000


def uses(amount: int, position: OfflinePosition, card_no: str = CARD) -> DebitDecision:
    return decide_offline_debit(card_no, COUNT, amount, LIMITS, position)


def test_a_count_use_is_bounded_by_the_cards_uses_less_those_unsynced():
    assert uses(2, known(10)) == DebitDecision(True, False, "", 0)
    assert uses(1, known(10, card_unsynced=2)) == DebitDecision(False, False, LIMIT_REACHED, 0)
    assert uses(5, known(10), VIP).approved


def test_a_count_use_is_bounded_by_the_uses_known():
    assert uses(2, known(1)) == DebitDecision(False, False, LIMIT_REACHED, 1)
    assert uses(1, known(0, card_unsynced=1, hq_available=2)).approved


def test_the_terminals_money_limit_does_not_bound_a_count_use():
    assert uses(1, known(5, terminal_unsynced_fen=10_000_000)).approved


@pytest.mark.parametrize(("kind", "service", "expected"), [
    (STORED_VALUE, "", 1_500),
    (COUNT, "FACIAL", 5),
    (COUNT, "MASSAGE", 0),
])
def test_what_a_debit_could_take_from_balances(kind, service, expected):
    opened = datetime(2026, 1, 5, 10, 0)
    balances = CardBalances(principal=1_000, bonus=500, count_lots=(
        Lot("P1", "FACIAL", None, date(2027, 1, 1), 3, opened),
        Lot("P2", "FACIAL", None, None, 2, opened)))
    assert available_in(balances, kind, service) == expected
