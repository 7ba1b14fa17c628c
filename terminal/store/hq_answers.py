"""What HQ last said a card had available, from its answers to authorisation requests (issue:
"keep the last known balances of cards seen").

An answer is newer knowledge than the directory snapshot the terminal took when the member was
looked up (a top-up at another store since, a sale elsewhere): offline, the debit guard goes by
whichever is newer. Kept per (card, kind, service) as HQ's figure *before* the operation asked
about, with the terminal's time of receipt; the guard takes this terminal's unacknowledged
debits off it, which may count one twice (never too few) until HQ's acknowledgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from terminal.store.access import StoreAccess

CREATE_TABLE = """CREATE TABLE IF NOT EXISTS "hq_answer" (
    "card_no" TEXT NOT NULL, "kind" TEXT NOT NULL, "service" TEXT NOT NULL,
    "available" INTEGER NOT NULL, "received_at" TEXT NOT NULL,
    PRIMARY KEY ("card_no", "kind", "service"))"""


@dataclass(frozen=True)
class HqAnswer:
    available: int  # fen (stored_value) or uses of the service (count), before the operation
    received_at: datetime  # this terminal's clock


class HqAnswers(StoreAccess):
    def remember_hq_available(self, card_no: str, kind: str, service: str,
                              available: int) -> None:
        with self.writing():
            self.database.execute_sql(
                'INSERT INTO "hq_answer" VALUES (?, ?, ?, ?, ?) '
                'ON CONFLICT ("card_no", "kind", "service") DO UPDATE SET '
                '"available" = excluded."available", "received_at" = excluded."received_at"',
                (card_no, kind, service if kind == "count" else "", available,
                 self.clock().isoformat()))

    def hq_available(self, card_no: str, kind: str, service: str = "") -> HqAnswer | None:
        """HQ's last answer for this card, newer than the card's cached record; else None."""
        with self.reading():
            row = self.database.execute_sql(
                'SELECT a."available", a."received_at" FROM "hq_answer" a '
                'LEFT JOIN "card" c ON c."card_no" = a."card_no" '
                'WHERE a."card_no" = ? AND a."kind" = ? AND a."service" = ? '
                'AND (c."updated_at" IS NULL OR a."received_at" > c."updated_at")',
                (card_no, kind, service if kind == "count" else "")).fetchone()
        return None if row is None else HqAnswer(int(row[0]), datetime.fromisoformat(row[1]))
