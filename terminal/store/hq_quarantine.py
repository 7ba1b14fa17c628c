"""What HQ quarantined of this terminal's events, as its acknowledgements said (docs/protocol.md,
Acknowledgement): HQ stored the event but applied none of it, because no rule allows it.

The terminal keeps it (the seq, the operation and its type, HQ's reason, when it heard) so that a
store manager sees it on the status bar and can ask HQ; the operator's list at HQ is the record.
The ack is retained and comes again on every reconnect: a seq noted already stays as it was.
The operation and its type are read from the outbox, which still holds the event when its ack
arrives (the outbox is pruned after the quarantine is noted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from terminal.store.access import StoreAccess

CREATE_TABLE = """CREATE TABLE IF NOT EXISTS "hq_quarantine" (
    "seq" INTEGER NOT NULL PRIMARY KEY, "op_id" TEXT NOT NULL, "event_type" TEXT NOT NULL,
    "reason" TEXT NOT NULL, "noted_at" TEXT NOT NULL)"""


@dataclass(frozen=True)
class QuarantineNotice:
    seq: int
    op_id: str  # "" when the outbox no longer held the event
    event_type: str
    reason: str  # HQ's reason (membership.event_rules), e.g. topup_principal_not_paid
    noted_at: datetime  # this terminal's clock


class HqQuarantine(StoreAccess):
    def note_quarantined(self, quarantined: Iterable[tuple[int, str]]) -> list[QuarantineNotice]:
        """Keep HQ's (seq, reason) pairs; returns those not noted before."""
        pairs = dict(quarantined)
        if not pairs:
            return []
        noted_at = self.clock()
        with self.writing():
            known = {seq for (seq,) in self.database.execute_sql(
                'SELECT "seq" FROM "hq_quarantine" WHERE "seq" IN '
                f'({", ".join("?" * len(pairs))})', tuple(pairs)).fetchall()}
            new = [seq for seq in sorted(pairs) if seq not in known]
            outbox = self.tables.outbox
            events = {row.seq: (row.op_id, row.event_type) for row in outbox.select(
                outbox.seq, outbox.op_id, outbox.event_type).where(outbox.seq.in_(new))}
            notices = [QuarantineNotice(seq, *events.get(seq, ("", "")), pairs[seq], noted_at)
                       for seq in new]
            for notice in notices:
                self.database.execute_sql(
                    'INSERT INTO "hq_quarantine" VALUES (?, ?, ?, ?, ?)',
                    (notice.seq, notice.op_id, notice.event_type, notice.reason,
                     noted_at.isoformat()))
        return notices

    def quarantined_count(self) -> int:
        """How many of this terminal's events HQ has said it quarantined."""
        with self.reading():
            (count,) = self.database.execute_sql(
                'SELECT COUNT(*) FROM "hq_quarantine"').fetchone()
        return int(count)

    def quarantine_notices(self, limit: int = 50) -> list[QuarantineNotice]:
        """The newest first."""
        with self.reading():
            rows = self.database.execute_sql(
                'SELECT "seq", "op_id", "event_type", "reason", "noted_at" FROM "hq_quarantine" '
                'ORDER BY "seq" DESC LIMIT ?', (limit,)).fetchall()
        return [QuarantineNotice(int(seq), op_id, event_type, reason,
                                 datetime.fromisoformat(noted_at))
                for seq, op_id, event_type, reason, noted_at in rows]
