"""What this terminal believes a card holds, for decisions and offline limits (decision 6).

With HQ's balances: that snapshot plus this terminal's own changes HQ has not yet acknowledged.
HQ's directory gives the balances with every lot (`balances_for_decision` folds the terminal's
unacknowledged entries into them, so lots, expiry and FIFO use are exact); a rebuild from HQ
gives totals only (count uses become one never-expiring lot per service, points and passes are
unknown). Without either (a card enrolled here): the balances derived from this terminal's own
entries. Never the truth — HQ is — only the best the terminal can know.

A known gap: an answer HQ gave after storing some of this terminal's events but before this
terminal received the acknowledgement counts those events twice, until the acknowledgement.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from peewee import fn

from membership.gift_stock import GIFT_EVENT, redeemed_units
from membership.ledger import Account, CardBalances, LedgerEntry, Lot, derive_balances_after
from terminal.store.access import ACK_WATERMARK, StoreAccess
from terminal.store.codec import balances_from_plain, decoding, entry_from_row

_CARD_ACCOUNTS = (Account.PRINCIPAL.value, Account.BONUS.value, Account.COUNT.value)


class KnownBalancesReader(StoreAccess):
    if TYPE_CHECKING:  # RecordsReader's, beside this mixin in TerminalStore

        def card_balances(self, card_no: str) -> CardBalances: ...

    def unsynced_debits_total(self) -> int:
        """Stored value (principal + bonus) this terminal took from any card, unacknowledged."""
        entry, outbox = self.tables.ledger_entry, self.tables.outbox
        with self.reading():
            unacknowledged = outbox.select(outbox.op_id).where(
                outbox.seq > self.int_setting(ACK_WATERMARK))
            total = (entry.select(fn.SUM(entry.delta))
                     .where(entry.delta < 0,
                            entry.account.in_([Account.PRINCIPAL.value, Account.BONUS.value]),
                            entry.op_id.in_(unacknowledged))
                     .scalar())
        return -(total or 0)

    def unsynced_gift_units(self) -> dict[str, int]:
        """Units of each gift this terminal redeemed that HQ has not acknowledged
        (membership.gift_stock: what bounds its offline redemptions)."""
        outbox = self.tables.outbox
        with self.reading():
            bodies = [body for (body,) in outbox.select(outbox.event).where(
                outbox.seq > self.int_setting(ACK_WATERMARK),
                outbox.event_type == GIFT_EVENT).tuples()]
        return redeemed_units(json.loads(body).get("payload", {}) for body in bodies)

    def balances_for_decision(self, card_no: str) -> CardBalances:
        """The card's balances to decide an operation on (see the module's docstring)."""
        card = self.tables.card
        with self.reading():
            row = card.get_or_none(card.card_no == card_no)
            if row is None or row.hq_balances is None:
                return self._from_totals_or_ledger(row, card_no)
            with decoding("card", card_no):
                snapshot = balances_from_plain(row.hq_balances)
            return derive_balances_after(snapshot, self._unacknowledged_entries(card_no),
                                         card_no)

    def last_known_balances(self, card_no: str) -> CardBalances:
        """What the debit guard checks offline debits against: balances_for_decision."""
        return self.balances_for_decision(card_no)

    def _unacknowledged_entries(self, card_no: str) -> list[LedgerEntry]:
        entry, outbox = self.tables.ledger_entry, self.tables.outbox
        unacknowledged = outbox.select(outbox.op_id).where(
            outbox.seq > self.int_setting(ACK_WATERMARK))
        rows = (entry.select().where(entry.card_no == card_no, entry.op_id.in_(unacknowledged))
                .order_by(entry.id))
        return [entry_from_row(row) for row in rows]

    def _from_totals_or_ledger(self, row: Any, card_no: str) -> CardBalances:
        if row is None or row.hq_as_of is None:
            return self.card_balances(card_no)
        changes = self._unacknowledged_changes(card_no)
        counts = dict(row.hq_counts or {})
        for service, delta in changes.get(Account.COUNT.value, {}).items():
            counts[service] = counts.get(service, 0) + delta
        as_of = row.hq_as_of if isinstance(row.hq_as_of, datetime) else datetime.now()
        return CardBalances(
            principal=row.hq_principal + changes.get(Account.PRINCIPAL.value, {}).get("", 0),
            bonus=row.hq_bonus + changes.get(Account.BONUS.value, {}).get("", 0),
            count_lots=tuple(Lot(f"hq:{service}", service, None, date.max, uses, as_of)
                             for service, uses in sorted(counts.items())),
        )

    def _unacknowledged_changes(self, card_no: str) -> dict[str, dict[str, int]]:
        entry, outbox = self.tables.ledger_entry, self.tables.outbox
        with self.reading():
            unacknowledged = outbox.select(outbox.op_id).where(
                outbox.seq > self.int_setting(ACK_WATERMARK))
            rows = (entry.select(entry.account, entry.service, fn.SUM(entry.delta))
                    .where(entry.card_no == card_no, entry.account.in_(_CARD_ACCOUNTS),
                           entry.op_id.in_(unacknowledged))
                    .group_by(entry.account, entry.service).tuples())
            changes: dict[str, dict[str, int]] = {}
            for account, service, total in rows:
                changes.setdefault(account, {})[service or ""] = total
        return changes
