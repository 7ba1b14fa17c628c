"""Invariants checked after every step of the operation-sequence state machine: balances are
the sum of entries, nothing goes negative unless a rule allows it, lots keep their terms, no
money is created, every entry is whole."""

from __future__ import annotations

from hypothesis.stateful import invariant

from membership import lifecycle
from membership.ledger import Account, derive_balances

from .model import is_empty


class LedgerInvariants:
    """Mixed into the machine; uses its ledger, cards, tally, money and lot bookkeeping."""

    @invariant()
    def balances_are_the_sum_of_entries(self):
        for card_no, card in self.cards.items():
            derived = derive_balances(self.ledger, card_no)
            tally = self.tally[card_no]
            assert (derived.principal, derived.bonus, derived.points, derived.time_minutes) == (
                tally.principal, tally.bonus, tally.points, tally.time), card_no
            by_service: dict[str, int] = {}
            for lot in derived.count_lots:
                by_service[lot.service] = by_service.get(lot.service, 0) + lot.remaining
            assert {s: n for s, n in by_service.items() if n} == {
                s: n for s, n in tally.counts.items() if n}, card_no
            self.check_never_negative(card_no, derived)
            self.check_lot_terms(derived)
            if card.is_subsidiary:
                assert derived.entry_count == 0, card_no
            if card.is_subsidiary or card.status in lifecycle.TERMINAL_STATUSES:
                assert is_empty(derived), card_no

    def check_never_negative(self, card_no, derived):
        assert derived.principal >= 0 and derived.bonus >= 0, card_no
        assert derived.time_minutes >= 0, card_no
        assert all(lot.remaining >= 0 for lot in derived.count_lots), card_no
        for lot in derived.points_lots:
            assert lot.remaining >= 0 or lot.lot in self.clawed_lots, (card_no, lot)

    def check_lot_terms(self, derived):
        for lot in (*derived.points_lots, *derived.count_lots):
            assert (lot.service, lot.valid_from, lot.valid_until) == self.lot_terms[lot.lot], lot

    @invariant()
    def no_money_is_created(self):
        every = derive_balances(self.ledger)
        assert every.principal == self.money.expected_principal()
        assert every.bonus == self.money.expected_bonus()
        assert every.stored_value == self.money.expected_stored_value()

    @invariant()
    def every_entry_is_whole(self):
        for entry in self.ledger[self.checked_entries:]:
            assert entry.delta != 0, entry
            assert entry.card_no in self.cards, entry
            if entry.account in (Account.PRINCIPAL, Account.BONUS, Account.TIME):
                assert not entry.lot, entry
        self.checked_entries = len(self.ledger)

