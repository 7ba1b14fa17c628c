"""A terminal's times carry their UTC offset and stay near HQ's clock (issue 10, points 3 and 5):
a time without an offset (an event's `at`, an entry's `at`, a batch's `sent_at`) and a time
that overflows when converted to UTC are dead letters with their reason; a batch from a clock a
day ahead is stored and flagged for clock skew; a terminal in Asia/Shanghai on the right time
is not. HQ stays up and the honest work is applied. A real HQ worker on a real broker, SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from hq.balances import stored_value
from protocol.wire import WireEvent, build_event_batch
from tests.security.hostile_wire import (
    AT,
    acknowledged,
    batch_json,
    dead_letters,
    send_events,
    top_up,
)

CARD = "8800"
HQ_NOW = AT.replace(tzinfo=UTC)  # the worker's clock (naive AT is UTC at HQ)
IN_SHANGHAI = HQ_NOW.astimezone(ZoneInfo("Asia/Shanghai"))  # the same instant, +08:00


def shanghai_top_up(seq: int, amount: int, at=IN_SHANGHAI) -> WireEvent:
    """An honest top-up whose times (the event's and its entry's) are Shanghai's wall clock."""
    honest = top_up(seq, CARD, amount)
    entries = [{**entry, "at": at.isoformat()} for entry in honest.payload["entries"]]
    return WireEvent(seq, honest.op_id, honest.type, at, {**honest.payload, "entries": entries})


def naive(message: dict, where: str) -> bytes:
    """The batch with one time written without its offset."""
    event = message["events"][0]
    if where == "sent_at":
        message["sent_at"] = message["sent_at"][:19]
    elif where == "entry at":
        event["payload"]["entries"][0]["at"] = event["payload"]["entries"][0]["at"][:19]
    else:
        event["at"] = event["at"][:19]
    return json.dumps(message).encode()


def test_naive_and_far_off_times_are_refused_or_flagged_and_hq_stays_up(worker, terminal):
    _, db = worker
    honest = build_event_batch("T1", [shanghai_top_up(1, 10_000)], IN_SHANGHAI)
    assert b"+08:00" in honest
    assert acknowledged(terminal, honest) == 1
    row = db.terminals.get_by_id("T1")
    assert (row.skew_flagged, row.clock_skew_seconds) == (False, 0)  # 18:00 +08:00 is 10:00Z

    hostile = [naive(batch_json([top_up(2, CARD)]), where)
               for where in ("at", "entry at", "sent_at")]
    overflow = batch_json([top_up(2, CARD)])
    overflow["events"][0]["at"] = "9999-12-31T23:00:00-05:00"  # beyond datetime.max in UTC
    for payload in (*hostile, json.dumps(overflow).encode()):
        send_events(terminal, payload)
    letters = dead_letters(db, 4)
    assert [(letter.reason, letter.detail) for letter in letters] == [
        ("invalid_field", "at: a time without its UTC offset"),
        ("invalid_entry", "at: a time without its UTC offset"),
        ("invalid_field", "sent_at: a time without its UTC offset"),
        ("invalid_field", "at")]

    tomorrow = IN_SHANGHAI + timedelta(days=1)
    ahead = build_event_batch("T1", [shanghai_top_up(2, 2_000, tomorrow)], tomorrow)
    assert acknowledged(terminal, ahead) == 2  # stored: a wrong clock loses no sale
    row = db.terminals.get_by_id("T1")
    assert (row.skew_flagged, row.clock_skew_seconds) == (True, 86_400)

    on_time = build_event_batch("T1", [shanghai_top_up(3, 3_000)], IN_SHANGHAI)
    assert acknowledged(terminal, on_time) == 3  # HQ alive, the flag follows the last batch
    assert not db.terminals.get_by_id("T1").skew_flagged
    assert stored_value(db, CARD) == 15_000  # every honest top-up, none of the dead letters
    assert db.events.select().count() == 3
