"""What this terminal believes a card holds, for offline decisions (decision 6).

With a balance snapshot from HQ: that snapshot plus this terminal's own changes HQ has not yet
acknowledged. Without one (a card enrolled here): the balances derived from this terminal's own
entries. Never the truth — HQ is — only the best the terminal can know while offline.
"""

from __future__ import annotations

from datetime import date, datetime

from peewee import fn

from membership.ledger import Account, CardBalances, Lot
from terminal.store.access import ACK_WATERMARK, StoreAccess

_CARD_ACCOUNTS = (Account.PRINCIPAL.value, Account.BONUS.value, Account.COUNT.value)


class KnownBalancesReader(StoreAccess):
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

    def last_known_balances(self, card_no: str) -> CardBalances:
        card = self.tables.card
        with self.reading():
            row = card.get_or_none(card.card_no == card_no)
        if row is None or row.hq_as_of is None:
            return self.card_balances(card_no)  # type: ignore[attr-defined]
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
