"""The same (terminal, seq) received again with other content: a conflict, not a redelivery.

An honest terminal resends an event exactly as it first sent it (the outbox row is the same).
A batch whose seq HQ already stored with another op_id, type, time or payload is a buggy or
hostile terminal rewriting its history: the stored event stays as it is (what was applied
stays applied), the batch is acknowledged as before, and each differing event is kept in the
dead letters with reason `seq_conflict`, the stored and the received version side by side,
for an operator (docs/protocol.md, "Dead letters").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hq.db import HqDatabase
from hq.ingest.rows import PreparedEvent
from hq.times import aware_time
from protocol.wire import encode, terminal_topic

SEQ_CONFLICT = "seq_conflict"
log = logging.getLogger("hq.ingest")


def record_seq_conflicts(db: HqDatabase, terminal_id: str,
                         duplicates: Sequence[PreparedEvent], received_at: datetime) -> int:
    """Within the ingest transaction: a dead letter for each of `duplicates` (events whose seq
    was stored before) that differs from the stored one; returns how many differed."""
    if not duplicates:
        return 0
    events = db.events
    rows = events.select(events.seq, events.op_id, events.type, events.terminal_at,
                         events.payload).where(
        events.terminal_id == terminal_id,
        events.seq.in_([prepared.event.seq for prepared in duplicates])).tuples()
    stored = {row[0]: _stored_json(*row) for row in rows}
    conflicts = 0
    for prepared in duplicates:
        # Its time as an instant in UTC, as the stored one: the event's `at` is stored UTC.
        received = {**prepared.event.to_json(), "at": aware_time(prepared.event.at).isoformat()}
        before = stored.get(prepared.event.seq)
        if before is None or _same(before, received):
            continue
        conflicts += 1
        log.warning("terminal %s sent seq %d again with other content", terminal_id,
                    prepared.event.seq)
        db.record_dead_letter(
            terminal_topic(terminal_id, "events"),
            encode({"terminal_id": terminal_id, "seq": prepared.event.seq, "stored": before,
                    "received": received}),
            SEQ_CONFLICT, f"seq {prepared.event.seq}: stored op {before['op_id']!r}, "
                          f"received op {received['op_id']!r}", received_at)
    return conflicts


def _stored_json(seq: int, op_id: str, event_type: str, terminal_at: Any, payload: str
                 ) -> dict[str, Any]:
    at = terminal_at if isinstance(terminal_at, datetime) else datetime.fromisoformat(
        str(terminal_at))
    return {"seq": seq, "op_id": op_id, "type": event_type, "at": aware_time(at).isoformat(),
            "payload": json.loads(payload)}


def _same(stored: dict[str, Any], received: dict[str, Any]) -> bool:
    """Equal as JSON values: key order and number spelling do not make a conflict."""
    return all(stored[name] == received[name] for name in ("op_id", "type", "at", "payload"))
