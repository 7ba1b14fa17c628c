"""Checked totals: no event may take a card's balance beyond what a card can hold.

Each entry's delta is bounded at parse time (membership.events), but nothing bounded the sum
of many in-range credits. HQ reads, in one aggregate query per batch, each touched card's
balance per account from its ledger, adds the batch's allowed events in seq order, and an
event that would leave -MAX_BALANCE..MAX_BALANCE on one account is quarantined
(`balance_out_of_range`, membership.event_rules.balances_after).
"""

from __future__ import annotations

from collections.abc import Iterable

from hq.db import HqDatabase
from hq.ingest.rows import PreparedEvent
from membership.event_rules import BALANCE_OUT_OF_RANGE, balances_after
from membership.ledger import Account


class CardTotals:
    """The balances of the cards a batch's entries touch, as the batch's allowed events so far
    leave them."""

    def __init__(self, db: HqDatabase, events: Iterable[PreparedEvent]) -> None:
        card_nos = sorted({entry.card_no for prepared in events for entry in prepared.entries})
        self._balances: dict[tuple[str, Account], int] = {}
        if not card_nos:
            return
        rows = db.database.execute_sql(
            'SELECT "card_no", "account", SUM("delta") FROM "ledger_entries" '
            f'WHERE {db.among("card_no")} GROUP BY "card_no", "account"',
            [db.list_parameter(card_nos)])
        for card_no, account, total in rows:
            self._balances[(card_no, Account(account))] = int(total)

    def reason(self, prepared: PreparedEvent) -> str:
        """"" when the event's entries keep every balance in range, else the reason."""
        if not prepared.entries:
            return ""
        return "" if balances_after(self._balances, prepared.entries) is not None else (
            BALANCE_OUT_OF_RANGE)

    def balance(self, card_no: str, account: Account) -> int:
        """The card's balance on `account` at HQ, with the batch's allowed events so far."""
        return self._balances.get((card_no, account), 0)

    def apply(self, prepared: PreparedEvent) -> None:
        """Count an allowed event's entries (the reason was "")."""
        after = balances_after(self._balances, prepared.entries)
        if after is not None:
            self._balances.update(after)
