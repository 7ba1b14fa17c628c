"""Group commit (hq.ingest.group) on real SQLite and PostgreSQL: several terminals' batches in
one transaction, one bad batch dead-lettered without failing its group, a batch whose storage
keeps failing dead-lettered (`retries_exhausted`) while its neighbours are stored."""

from __future__ import annotations

from contextlib import nullcontext

from hq.db import HqDatabase
from hq.ingest import Ingestor
from hq.ingest.group import EventsMessage, GroupIngest
from tests.integration.hq_feed import AT, TerminalFeed
from tests.security.test_poison_messages import POISON_OP, poison_table

NO_PAUSES = (0.0, 0.0)


def shift(feed: TerminalFeed, op_id: str = "") -> EventsMessage:
    event = feed.event("shift.opened", {"cashier": "C1"})
    if op_id:
        event = type(event)(event.seq, op_id, event.type, event.at, event.payload)
    return EventsMessage(feed.topic, feed.batch([event]))


def group_ingest(hq: HqDatabase) -> GroupIngest:
    return GroupIngest(hq, Ingestor(hq), lambda: AT, pauses_s=NO_PAUSES)


def stored(hq: HqDatabase) -> list[tuple[str, int]]:
    return sorted((row.terminal_id, row.seq) for row in hq.events.select())


def test_a_group_of_several_terminals_is_stored_and_answered_in_order(hq: HqDatabase) -> None:
    t1, t2 = TerminalFeed("T1"), TerminalFeed("T2")
    group = [shift(t1), shift(t2), shift(t1), shift(t2), shift(t1)]
    results = group_ingest(hq).store(group)
    assert [(result.stored, result.watermark) for result in results] == [
        (1, 1), (1, 1), (1, 2), (1, 2), (1, 3)]
    assert stored(hq) == [("T1", 1), ("T1", 2), ("T1", 3), ("T2", 1), ("T2", 2)]
    again = group_ingest(hq).store(group)  # delivered again: nothing doubles
    assert [(result.stored, result.duplicates) for result in again] == [(0, 1)] * 5
    assert len(stored(hq)) == 5


def test_a_refused_batch_is_a_dead_letter_and_its_group_is_stored(hq: HqDatabase) -> None:
    t1, t2 = TerminalFeed("T1"), TerminalFeed("T2")
    refused = EventsMessage(t1.topic, b'{"schema": 2, "terminal_id": "T1", "events": [')
    results = group_ingest(hq).store([shift(t1), refused, shift(t2)])
    assert [result.dead_letter_reason for result in results] == [None, "malformed_json", None]
    assert stored(hq) == [("T1", 1), ("T2", 1)]
    (letter,) = hq.dead_letters.select()
    assert (letter.reason, bytes(letter.payload)) == ("malformed_json", refused.payload)


def test_a_batch_whose_storage_keeps_failing_does_not_take_its_group_with_it(
        hq: HqDatabase) -> None:
    """The group fails whole (storage unavailable, as far as HQ can tell), is tried again,
    then each batch alone: only the poisoned one becomes a dead letter."""
    poison_table(hq, "events")
    t1, t2, t3 = TerminalFeed("T1"), TerminalFeed("T2"), TerminalFeed("T3")
    results = group_ingest(hq).store([shift(t1), shift(t2, op_id=POISON_OP), shift(t3)])
    assert [result and result.dead_letter_reason for result in results] == [
        None, "retries_exhausted", None]
    assert stored(hq) == [("T1", 1), ("T3", 1)]
    (letter,) = hq.dead_letters.select()
    assert letter.reason == "retries_exhausted" and letter.topic == t2.topic


def test_a_group_cut_short_for_a_waiting_request_stores_every_batch(hq: HqDatabase) -> None:
    """hq.write_turns asks the group to commit after each batch (a request always waits):
    the rest follows in further transactions, answered in order."""
    t1, t2 = TerminalFeed("T1"), TerminalFeed("T2")
    transactions = []

    def turn():
        transactions.append(1)
        return nullcontext()

    ingest = GroupIngest(hq, Ingestor(hq), lambda: AT, pauses_s=NO_PAUSES, turn=turn,
                         should_yield=lambda: True)
    results = ingest.store([shift(t1), shift(t2), shift(t1)])
    assert [(result.stored, result.watermark) for result in results] == [(1, 1), (1, 1), (1, 2)]
    assert len(transactions) == 3
    assert stored(hq) == [("T1", 1), ("T1", 2), ("T2", 1)]
