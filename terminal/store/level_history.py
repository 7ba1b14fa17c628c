"""What this terminal itself recorded of a card's activity since a moment, as events (type,
time, payload) that membership.level_activity reads: its counter operations (top-ups,
purchases, withdrawals, cancellations: their events as committed), its sales (money tenders,
change, points earned) and its refunds of them.

For the level upgrade at the counter (terminal.cashier.level_upgrade): the member's activity at
other terminals is HQ's to count (its daily level review); here only what this terminal saw.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from membership.level_activity import LEVEL_EVENTS
from terminal.store.access import StoreAccess

LevelEvent = tuple[str, datetime, dict[str, Any]]


class LevelHistory(StoreAccess):
    def level_events(self, card_no: str, since: datetime) -> list[LevelEvent]:
        """The card's activity after `since` (store-local time), oldest first."""
        after = since.isoformat()
        with self.reading():
            found = [*self._counter_events(card_no, after), *self._sales(card_no, after),
                     *self._refunds(card_no, after)]
        return sorted(found, key=lambda event: event[1])

    def _counter_events(self, card_no: str, after: str) -> list[LevelEvent]:
        rows = self.database.execute_sql(
            'SELECT "events" FROM "counter_op" WHERE "card_no" = ? AND "at" > ?',
            (card_no, after)).fetchall()
        found = []
        for (text,) in rows:
            for document in json.loads(text):
                if document.get("type") in LEVEL_EVENTS:
                    found.append((document["type"], datetime.fromisoformat(document["at"]),
                                  document.get("payload", {})))
        return found

    def _sales(self, card_no: str, after: str) -> list[LevelEvent]:
        rows = self.database.execute_sql(
            'SELECT "op_id", "at", "change_given" FROM "sale" WHERE "card_no" = ? AND "at" > ?',
            (card_no, after)).fetchall()
        found = []
        for op_id, at, change in rows:
            tenders = [{"kind": kind, "amount": amount} for kind, amount in self.database
                       .execute_sql('SELECT "kind", "amount" FROM "sale_tender" WHERE "op_id" = ?',
                                    (op_id,)).fetchall()]
            found.append(("sale.completed", datetime.fromisoformat(at),
                          {"card_no": card_no, "tenders": tenders, "change": change,
                           "entries": self._points_entries(op_id)}))
        return found

    def _refunds(self, card_no: str, after: str) -> list[LevelEvent]:
        rows = self.database.execute_sql(
            'SELECT "refund"."op_id", "refund"."at", "refund"."is_void", "refund"."record" '
            'FROM "refund" JOIN "sale" ON "sale"."op_id" = "refund"."original_op" '
            'WHERE "sale"."card_no" = ? AND "refund"."at" > ?', (card_no, after)).fetchall()
        return [("sale.voided" if is_void else "sale.refunded", datetime.fromisoformat(at),
                 {"card_no": card_no,
                  "tender_refunds": json.loads(record).get("tender_refunds", []),
                  "entries": self._points_entries(op_id)})
                for op_id, at, is_void, record in rows]

    def _points_entries(self, op_id: str) -> list[dict[str, Any]]:
        rows = self.database.execute_sql(
            'SELECT "card_no", "delta", "kind" FROM "ledger_entry" WHERE "op_id" = ? AND '
            '"account" = \'points\'', (op_id,)).fetchall()
        return [{"card_no": card, "account": "points", "delta": delta, "kind": kind}
                for card, delta, kind in rows]
