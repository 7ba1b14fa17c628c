"""The same (terminal, seq) twice with different content (issue 10, point 4) is a conflict
kept for an operator — a dead letter `seq_conflict` holding the stored and the received
version — not a redelivery acknowledged without a trace; the stored event stays applied as it
was. An honest redelivery leaves no dead letter. A real HQ worker on a real broker, SQLite and
PostgreSQL."""

import json

from hq.balances import stored_value
from protocol.wire import build_event_batch
from tests.security.hostile_wire import AT, acknowledged, top_up
from tests.support.waiting import wait_for


def test_a_rewritten_seq_is_a_conflict_with_both_versions(worker, terminal):
    _, db = worker
    honest = build_event_batch("T1", [top_up(1), top_up(2)], AT)
    assert acknowledged(terminal, honest) == 2
    assert acknowledged(terminal, honest) == 2  # an honest redelivery
    assert db.dead_letters.select().count() == 0
    rewritten = build_event_batch("T1", [top_up(2, amount=1_000_000), top_up(3)], AT)
    assert acknowledged(terminal, rewritten) == 3
    wait_for(lambda: db.dead_letters.select().count() == 1, timeout=10, what="the conflict")
    (letter,) = db.dead_letters.select()
    assert letter.reason == "seq_conflict"
    kept = json.loads(bytes(letter.payload))
    assert (kept["terminal_id"], kept["seq"]) == ("T1", 2)
    assert kept["stored"]["payload"]["paid"] == 10000
    assert kept["received"]["payload"]["paid"] == 1_000_000
    assert stored_value(db, "8800") == 30000  # seq 2 as first stored, and seq 3
