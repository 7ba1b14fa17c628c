"""HQ ingest against real SQLite and real PostgreSQL: events stored exactly once, watermarks and
resend ranges, dead letters, balances, clock skew, overdrafts, holds, card state."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest

from hq.authority import Authority
from hq.balances import available, card_balances
from hq.db import HqDatabase, open_database
from hq.ingest import Ingestor
from membership.ledger import derive_balances
from protocol.wire import Shadow, build_status, terminal_topic
from protocol.wire_auth import AuthRequest
from tests.integration.hq_feed import (
    CARD,
    TerminalFeed,
    publish_card_types,
    publish_feed_documents,
)


@pytest.fixture
def ingestor(hq: HqDatabase) -> Ingestor:
    publish_card_types(hq)  # the bonus of the feed's top-ups
    publish_feed_documents(hq)  # what its sales name, for HQ to decide them again
    return Ingestor(hq)


def count(table: type) -> int:
    return table.select().count()


def send(ingestor: Ingestor, feed: TerminalFeed, events: list, **options: object):
    return ingestor.handle_events(feed.topic, feed.batch(events, **options), feed.at)


def test_the_same_batch_twice_is_stored_once(hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    events = [feed.issue(), feed.top_up(10_000, 2_000), feed.sale(3_000, 600)]
    first = send(ingestor, feed, events)
    again = send(ingestor, feed, events)
    assert (first.stored, first.duplicates, first.watermark) == (3, 0, 3)
    assert (again.stored, again.duplicates, again.watermark, again.resend) == (0, 3, 3, [])
    assert count(hq.events) == 3
    assert count(hq.ledger) == 4  # two entries for the top-up, two for the sale


def test_overlapping_batches_store_only_the_new_events(hq: HqDatabase,
                                                      ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    events = [feed.top_up(1_000) for _ in range(8)]
    send(ingestor, feed, events[:5])
    result = send(ingestor, feed, events[2:])
    assert (result.stored, result.duplicates, result.watermark) == (3, 3, 8)
    assert count(hq.ledger) == 8
    assert card_balances(hq, CARD).principal == 8_000


def test_a_gap_asks_for_a_resend_and_filling_it_moves_the_watermark(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    events = [feed.top_up(100) for _ in range(12)]
    assert send(ingestor, feed, events[:3]).watermark == 3
    above_gap = send(ingestor, feed, events[6:9])
    assert (above_gap.stored, above_gap.watermark, above_gap.resend) == (3, 3, [(4, 6)])
    later = send(ingestor, feed, events[10:])  # a second gap, seq 10
    assert later.resend == [(4, 6), (10, 10)]
    filled = send(ingestor, feed, events[3:6])
    assert (filled.stored, filled.watermark, filled.resend) == (3, 9, [(10, 10)])
    assert send(ingestor, feed, events[9:10]).watermark == 12
    terminal = hq.terminals.get_by_id("T1")
    assert (terminal.watermark, terminal.highest_seen) == (12, 12)


def test_a_first_batch_out_of_order_asks_for_everything_before_it(ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    events = [feed.top_up(100) for _ in range(6)]
    result = send(ingestor, feed, events[4:])
    assert (result.stored, result.watermark, result.resend) == (2, 0, [(1, 4)])
    assert send(ingestor, feed, events[:4]).watermark == 6


def _batch(terminal_id: str = "T1", **changes: object) -> bytes:
    feed = TerminalFeed("T1")
    message = json.loads(feed.batch([feed.top_up(1_000)]))
    message["terminal_id"] = terminal_id
    message["events"][0].update(changes)
    return json.dumps(message).encode()


def _with_payload(**payload: object) -> bytes:
    feed = TerminalFeed("T1")
    message = json.loads(feed.batch([feed.top_up(1_000)]))
    message["events"][0]["payload"].update(payload)
    return json.dumps(message).encode()


BAD_BATCHES = {
    "malformed_json": b'{"schema": 2, "terminal_id": "T1", "events": [',
    "schema_unsupported": json.dumps({"schema": 1, "terminal_id": "T1"}).encode(),
    "too_large": b'{"schema": 2, "pad": "' + b"x" * (257 * 1024) + b'"}',
    "negative_amount": _with_payload(tenders=[{"kind": "cash", "amount": -100}]),
    "terminal_mismatch": _batch(terminal_id="T2"),
    "event_type_unknown": _batch(type="sale.stolen"),
    "invalid_entry": _with_payload(entries=[{"delta": 5}]),
    "invalid_field": _batch(op_id="T1-\u0000"),  # PostgreSQL text cannot hold NUL
}


def test_a_bad_batch_is_a_dead_letter_and_stores_nothing(hq: HqDatabase,
                                                         ingestor: Ingestor) -> None:
    topic = terminal_topic("T1", "events")
    for reason, payload in BAD_BATCHES.items():
        result = ingestor.handle_events(topic, payload, datetime.now())
        assert (result.dead_letter_reason, result.stored, result.watermark) == (reason, 0, 0)
        letter = hq.dead_letters.select().order_by(hq.dead_letters.id.desc()).get()
        assert (letter.reason, letter.topic) == (reason, topic)
        assert bytes(letter.payload) == payload[:64 * 1024]
        assert letter.payload_bytes == len(payload)
    assert count(hq.dead_letters) == len(BAD_BATCHES)
    assert count(hq.events) == count(hq.ledger) == count(hq.terminals) == 0


# Payloads that protocol.wire lets through or chokes on, or that a database would refuse.
CHOKING_BATCHES = {
    "tenders-not-a-list": _with_payload(tenders=5),  # wire iterates it: TypeError
    "seq-beyond-64-bits": _batch(seq=2**63),
    "line-no-text": _with_payload(entries=[{
        "op_id": "x", "card_no": CARD, "account": "principal", "delta": 1, "kind": "topup",
        "at": "2026-11-23T10:00:00", "line_no": "one"}]),
    "lone-surrogate": _batch(op_id="\ud800"),  # not UTF-8
    "deep-json": b"[" * 100_000,  # json.loads gives up with RecursionError
}


def test_what_the_parser_or_database_would_choke_on_is_a_dead_letter(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    topic = terminal_topic("T1", "events")
    reasons = {name: ingestor.handle_events(topic, payload, datetime.now()).dead_letter_reason
               for name, payload in CHOKING_BATCHES.items()}
    assert reasons == {"tenders-not-a-list": "invalid_field",
                       "seq-beyond-64-bits": "number_invalid",
                       "line-no-text": "invalid_entry", "lone-surrogate": "invalid_field",
                       "deep-json": "malformed_json"}
    assert count(hq.dead_letters) == len(CHOKING_BATCHES)
    assert count(hq.events) == 0


def test_balances_are_derived_from_the_stored_entries(hq: HqDatabase,
                                                      ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    send(ingestor, feed, [feed.issue(), feed.top_up(10_000, 2_000), feed.sale(3_000, 600)])
    balances = card_balances(hq, CARD)
    assert (balances.principal, balances.bonus) == (7_000, 1_400)
    assert balances == derive_balances(feed.entries, CARD)
    assert available(hq, CARD, "stored_value", now=feed.at) == 8_400


def test_count_balances_follow_the_lots(hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    package = feed.buy_package("WASH", 10)
    lot = package.payload["entries"][0]["lot"]
    send(ingestor, feed, [package, feed.use_count("WASH", 3, lot)])
    assert available(hq, CARD, "count", "WASH", now=feed.at) == 7
    assert card_balances(hq, CARD) == derive_balances(feed.entries, CARD)


def test_a_terminal_clock_far_off_is_flagged_and_cleared(hq: HqDatabase,
                                                         ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    event = feed.top_up(100)
    received = feed.at + timedelta(minutes=10)  # the terminal's clock is 10 minutes slow
    ingestor.handle_events(feed.topic, feed.batch([event], feed.at), received)
    terminal = hq.terminals.get_by_id("T1")
    assert terminal.skew_flagged
    assert terminal.clock_skew_seconds == -600
    ingestor.handle_events(feed.topic, feed.batch([feed.top_up(100)]), feed.at)
    assert not hq.terminals.get_by_id("T1").skew_flagged


def test_two_offline_sales_that_overspend_a_card_are_an_overdraft(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    home, other = TerminalFeed("T1"), TerminalFeed("T2")
    send(ingestor, home, [home.issue(), home.top_up(5_000)])
    # Both terminals were offline and each knew the card held ¥50.
    send(ingestor, home, [home.sale(4_000)])
    assert count(hq.overdrafts) == 0
    second = other.sale(4_000)
    send(ingestor, other, [second])
    overdraft = hq.overdrafts.get()
    assert (overdraft.card_no, overdraft.terminal_id, overdraft.seq, overdraft.op_id) == (
        CARD, "T2", second.seq, second.op_id)
    assert (overdraft.kind, overdraft.amount_over) == ("stored_value", 3_000)
    send(ingestor, other, [second])  # a redelivery stores nothing and records nothing
    assert count(hq.overdrafts) == 1


def test_a_sale_stored_above_a_gap_is_judged_when_the_gap_is_filled(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    """The top-up came first at the counter but reaches HQ second (a lost batch, resent):
    the sale alone would look overdrawn; nothing is flagged, before or after the gap fills."""
    feed = TerminalFeed("T1")
    opening = [feed.issue(), feed.top_up(5_000)]
    sale = feed.sale(4_000)
    send(ingestor, feed, [sale])
    assert count(hq.overdrafts) == 0
    send(ingestor, feed, opening)
    assert count(hq.overdrafts) == 0 and hq.terminals.get_by_id("T1").watermark == 3


def test_an_overdraft_above_a_gap_is_flagged_once_the_gap_is_filled(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    opening = [feed.issue(), feed.top_up(5_000)]
    sale = feed.sale(6_000)
    send(ingestor, feed, [sale])
    assert count(hq.overdrafts) == 0
    send(ingestor, feed, opening)
    overdraft = hq.overdrafts.get()
    assert (overdraft.seq, overdraft.op_id, overdraft.amount_over) == (
        sale.seq, sale.op_id, 1_000)


def test_overusing_a_count_package_is_an_overdraft(hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    package = feed.buy_package("WASH", 2)
    lot = package.payload["entries"][0]["lot"]
    send(ingestor, feed, [package, feed.use_count("WASH", 2, lot), feed.use_count("WASH", 1, lot)])
    overdraft = hq.overdrafts.get()
    assert (overdraft.kind, overdraft.service, overdraft.amount_over, overdraft.seq) == (
        "count", "WASH", 1, 3)


def test_the_sale_event_consumes_its_hold(hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    send(ingestor, feed, [feed.issue(), feed.top_up(10_000)])
    authority = Authority(hq)
    request = AuthRequest("T1", feed.next_op_id(), CARD, "stored_value", 3_000)
    assert authority.authorise(request, feed.at).approved
    assert available(hq, CARD, "stored_value", now=feed.at) == 7_000
    send(ingestor, feed, [feed.sale(3_000)])
    hold = hq.holds.get(hq.holds.op_id == request.op_id)
    assert hold.state == "consumed"
    assert available(hq, CARD, "stored_value", now=feed.at) == 7_000  # not counted twice


def test_only_a_change_in_or_out_of_the_blacklist_asks_for_its_refresh(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    """An enrolment (the commonest card event) leaves the blacklist as it was: recomputing it
    for every one would take HQ's document lock once a batch for nothing."""
    feed = TerminalFeed("T1")
    assert not send(ingestor, feed, [feed.issue(), feed.top_up(5_000)]).card_events
    assert send(ingestor, feed, [feed.change_status("card.lost")]).card_events
    assert send(ingestor, feed, [feed.change_status("card.found")]).card_events
    assert not send(ingestor, feed, [feed.sale(1_000)]).card_events


def test_card_events_change_the_card(hq: HqDatabase, ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    issued, lost, found, frozen = (feed.issue(), feed.change_status("card.lost"),
                                   feed.change_status("card.found"),
                                   feed.change_status("card.frozen"))
    send(ingestor, feed, [issued, lost])
    card = hq.cards.get_by_id(CARD)
    assert (card.member_id, card.type_code, card.status) == ("M1", "VIP", "lost")
    send(ingestor, feed, [frozen])  # arrives before the earlier `found`
    send(ingestor, feed, [found])
    assert hq.cards.get_by_id(CARD).status == "frozen"


def test_a_replacement_blocks_the_old_card_and_moves_its_terms(hq: HqDatabase,
                                                               ingestor: Ingestor) -> None:
    feed = TerminalFeed("T1")
    new_card = "8800000000000002"
    send(ingestor, feed, [feed.issue(), feed.event("card.replaced", {
        "card_no": new_card, "old_card_no": CARD, "new_card_no": new_card, "fee": 0,
        "tenders": []})])
    old, new = hq.cards.get_by_id(CARD), hq.cards.get_by_id(new_card)
    assert (old.status, old.replaced_by) == ("replaced", new_card)
    assert (new.status, new.member_id, new.type_code) == ("active", "M1", "VIP")


def test_concurrent_workers_on_one_terminal_keep_the_watermark(hq_database_url: str,
                                                               hq: HqDatabase) -> None:
    """Four workers (own connections) race overlapping and out-of-order batches of one
    terminal; every event is stored once and the watermark ends at the last seq."""
    feed = TerminalFeed("T1")
    events = [feed.top_up(100) for _ in range(120)]
    batches = [feed.batch(events[start:start + 10]) for start in range(0, 120, 5)]
    batches.reverse()
    workers = [open_database(hq_database_url, migrate=False) for _ in range(4)]
    stored: list[int] = []

    def work(database: HqDatabase, mine: list[bytes]) -> None:
        ingestor = Ingestor(database)
        for payload in mine:
            stored.append(ingestor.handle_events(feed.topic, payload, feed.at).stored)
        database.close()

    threads = [threading.Thread(target=work, args=(database, batches[index::4]))
               for index, database in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(stored) == 120
    assert count(hq.events) == count(hq.ledger) == 120
    assert hq.terminals.get_by_id("T1").watermark == 120


def test_a_second_worker_waits_for_the_first_and_sees_its_watermark(
        hq_database_url: str, hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    events = [feed.top_up(100) for _ in range(5)]
    send(Ingestor(hq), feed, events[:1])
    first = open_database(hq_database_url, migrate=False)
    second = open_database(hq_database_url, migrate=False)
    results = []
    worker = threading.Thread(target=lambda: results.append(
        Ingestor(second).handle_events(feed.topic, feed.batch(events[3:]), feed.at)))
    with first.write_transaction():  # the first worker's batch, not yet committed
        assert Ingestor(first).handle_events(feed.topic, feed.batch(events[1:3]),
                                             feed.at).watermark == 3
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive(), "the second worker did not wait for the first to commit"
    worker.join(timeout=30)
    assert (results[0].watermark, results[0].resend) == (5, [])
    assert hq.terminals.get_by_id("T1").watermark == 5
    first.close()


def test_shadow_and_status_are_kept_newest_first(hq: HqDatabase, ingestor: Ingestor) -> None:
    at = datetime(2026, 11, 23, 10, 0)
    shadow = Shadow("T1", "0.1.0", {"catalogue": {"scope": "store:SH001", "version": 7}},
                    3, 41, "ok", at)
    topic = terminal_topic("T1", "shadow")
    assert ingestor.handle_shadow(topic, json.dumps(shadow.to_json()).encode(), at).accepted
    older = Shadow("T1", "0.0.9", {}, 0, 0, "ok", at - timedelta(hours=1))
    ingestor.handle_shadow(topic, json.dumps(older.to_json()).encode(), at)
    assert json.loads(hq.shadows.get_by_id("T1").reported)["app_version"] == "0.1.0"
    status_topic = terminal_topic("T1", "status")
    ingestor.handle_status(status_topic, build_status("T1", True, at), at)
    ingestor.handle_status(status_topic, build_status("T1", False, at - timedelta(1)), at)
    terminal = hq.terminals.get_by_id("T1")
    assert (terminal.online, terminal.status_at) == (True, at)


def test_a_bad_shadow_or_status_is_a_dead_letter(hq: HqDatabase, ingestor: Ingestor) -> None:
    now = datetime.now()
    shadow = ingestor.handle_shadow(terminal_topic("T1", "shadow"), b"[]", now)
    status = ingestor.handle_status(terminal_topic("T1", "status"),
                                    build_status("T2", True, now), now)
    assert (shadow.accepted, shadow.dead_letter_reason) == (False, "malformed_json")
    assert (status.accepted, status.dead_letter_reason) == (False, "terminal_mismatch")
    assert sorted(letter.reason for letter in hq.dead_letters.select()) == [
        "malformed_json", "terminal_mismatch"]
