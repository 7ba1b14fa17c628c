"""Reading and pruning the outbox (decision 4).

The relay reads batches in seq order and publishes them; HQ acknowledges a watermark (every seq
up to it is stored at HQ); only then are rows at or below it deleted. Rows above the watermark
are never deleted here, whatever happens, so HQ can always ask for them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocol.wire import WireEvent
from terminal.store.access import ACK_WATERMARK, NEXT_SEQ, StoreAccess
from terminal.store.errors import EventsNotIssued, EventsPruned, StoreError, WatermarkAhead


@dataclass(frozen=True)
class OutboxEvent:
    seq: int
    op_id: str
    type: str
    at: datetime  # the terminal's clock when the operation happened
    body: str  # the DomainEvent as stored: type, op_id, at, payload (compact JSON)
    created_at: datetime

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.body)

    def to_wire(self) -> WireEvent:
        """The event as the MQTT contract carries it (protocol.wire)."""
        return WireEvent(self.seq, self.op_id, self.type, self.at, self.document["payload"])


class OutboxReader(StoreAccess):
    def outbox_batch(self, after_seq: int, limit: int) -> list[OutboxEvent]:
        """Up to `limit` events with seq > `after_seq`, in seq order."""
        if limit <= 0:
            raise StoreError("store.bad_limit", limit=limit)
        outbox = self.tables.outbox
        with self.reading():
            rows = outbox.select().where(outbox.seq > after_seq).order_by(outbox.seq).limit(limit)
            return [_event(row) for row in rows]

    def outbox_depth(self) -> int:
        """Events not yet acknowledged by HQ."""
        outbox = self.tables.outbox
        with self.reading():
            return outbox.select().where(outbox.seq > self.int_setting(ACK_WATERMARK)).count()

    def prune_outbox(self, watermark: int) -> int:
        """Record HQ's watermark and delete the rows at or below it; returns how many went.

        A watermark lower than one already recorded (an old retained ack) changes nothing. One
        above the last seq issued is refused: HQ cannot have stored what was never sent."""
        outbox = self.tables.outbox
        with self.writing():
            issued = self.int_setting(NEXT_SEQ) - 1
            if watermark > issued:
                raise WatermarkAhead(watermark=watermark, last_issued=issued)
            if watermark > self.int_setting(ACK_WATERMARK):
                self.set_setting(ACK_WATERMARK, watermark)
            return outbox.delete().where(outbox.seq <= watermark).execute()

    def events_between(self, from_seq: int, to_seq: int) -> list[OutboxEvent]:
        """Events `from_seq`..`to_seq` inclusive, for a resend request from HQ.

        Raises EventsNotIssued past the last seq issued and EventsPruned when some of them were
        acknowledged and deleted already (HQ has them, so it should not be asking)."""
        if from_seq < 1 or to_seq < from_seq:
            raise StoreError("store.bad_range", from_seq=from_seq, to_seq=to_seq)
        outbox = self.tables.outbox
        with self.reading():
            issued = self.int_setting(NEXT_SEQ) - 1
            if to_seq > issued:
                raise EventsNotIssued(to_seq=to_seq, last_issued=issued)
            rows = (outbox.select().where(outbox.seq.between(from_seq, to_seq))
                    .order_by(outbox.seq))
            events = [_event(row) for row in rows]
            if len(events) != to_seq - from_seq + 1:
                raise EventsPruned(from_seq=from_seq, to_seq=to_seq,
                                   watermark=self.int_setting(ACK_WATERMARK))
            return events


def _event(row: Any) -> OutboxEvent:
    return OutboxEvent(row.seq, row.op_id, row.event_type, row.at, row.event, row.created_at)
