"""`hq serve` on a real broker: events stored once and acknowledged, gaps asked for, bad payloads
dead-lettered, authorisation answered on the requester's response topic. SQLite and PostgreSQL."""

import json
from datetime import datetime

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hq.balances import stored_value
from hq.config_push import next_document
from hq.db import open_database
from protocol.wire import (
    Shadow,
    WireEvent,
    build_event_batch,
    config_topic,
    encode,
    parse_ack,
    parse_resend,
    terminal_topic,
)
from protocol.wire_auth import AuthRequest, parse_auth_response
from protocol.wire_config import parse_config_document
from tests.support.hq_worker import running_hq_worker
from tests.support.waiting import wait_for

AT = datetime(2026, 11, 23, 10, 0)


def top_up(seq: int, card_no: str = "8800", amount: int = 10000) -> WireEvent:
    entry = {"op_id": f"T1-{seq}", "card_no": card_no, "account": "principal", "delta": amount,
             "kind": "topup", "at": AT.isoformat()}
    return WireEvent(seq, f"T1-{seq}", "card.topped_up", AT,
                     {"card_no": card_no, "paid": amount, "bonus": 0, "entries": [entry],
                      "tenders": [{"kind": "cash", "amount": amount, "reference": ""}]})


@pytest.fixture
def worker(broker, hq_database_url, tmp_path):
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT) as running:
        yield running


@pytest.fixture
def terminal(broker, mqtt_client_factory):
    client = mqtt_client_factory(broker, "T1")
    client.connect()
    for kind in ("ack", "resend", "auth/resp"):
        client.subscribe(terminal_topic("T1", kind))
    return client


def by_topic(messages, kind):
    return [m for m in messages if m.topic == terminal_topic("T1", kind)]


def test_events_are_stored_once_and_acknowledged(worker, terminal):
    _, db = worker
    batch = build_event_batch("T1", [top_up(1), top_up(2)], AT)
    assert not terminal.publish(terminal_topic("T1", "events"), batch).is_failure
    (ack,) = by_topic(terminal.receive(1, timeout=10), "ack")
    assert parse_ack(ack.payload) == 2
    terminal.publish(terminal_topic("T1", "events"), batch)  # delivered twice
    (again,) = terminal.receive(1, timeout=10)
    assert parse_ack(again.payload) == 2
    assert db.events.select().count() == 2
    assert db.ledger.select().count() == 2
    assert stored_seqs(db) == [1, 2] and stored_value(db, "8800") == 20000  # nothing doubled


def test_a_gap_is_asked_for_and_filled(worker, terminal):
    terminal.publish(terminal_topic("T1", "events"), build_event_batch("T1", [top_up(1)], AT))
    terminal.receive(1, timeout=10)
    terminal.publish(terminal_topic("T1", "events"), build_event_batch("T1", [top_up(4)], AT))
    answers = terminal.receive(2, timeout=10)
    assert parse_ack(by_topic(answers, "ack")[0].payload) == 1
    assert parse_resend(by_topic(answers, "resend")[0].payload) == (2, 3)
    terminal.publish(terminal_topic("T1", "events"),
                     build_event_batch("T1", [top_up(2), top_up(3)], AT))
    (ack,) = by_topic(terminal.receive(1, timeout=10), "ack")
    assert parse_ack(ack.payload) == 4
    _, db = worker
    assert stored_seqs(db) == [1, 2, 3, 4] and stored_value(db, "8800") == 40000


def stored_seqs(db) -> list[int]:
    """The terminal's journal at HQ: every seq once, or the reconciliation fails."""
    return sorted(row.seq for row in db.events.select(db.events.seq)
                  .where(db.events.terminal_id == "T1"))


def test_bad_payloads_become_dead_letters_and_the_worker_keeps_going(worker, terminal):
    _, db = worker
    events = terminal_topic("T1", "events")
    terminal.publish(events, b"{not json")
    terminal.publish(events, json.dumps({"schema": 9}).encode())
    terminal.publish(events, build_event_batch("T2", [top_up(1)], AT))  # names another terminal
    terminal.publish(events, build_event_batch("T1", [top_up(1, amount=-5)], AT))
    terminal.publish(events, build_event_batch("T1", [top_up(1)], AT))
    (ack,) = by_topic(terminal.receive(1, timeout=10), "ack")
    assert parse_ack(ack.payload) == 1
    reasons = sorted(row.reason for row in db.dead_letters.select())
    assert reasons == sorted(["malformed_json", "schema_unsupported", "terminal_mismatch",
                              "negative_amount"])
    assert db.events.select().count() == 1


def test_authorisation_is_answered_on_the_response_topic(worker, terminal):
    terminal.publish(terminal_topic("T1", "events"),
                     build_event_batch("T1", [top_up(1, amount=5000)], AT))
    terminal.receive(1, timeout=10)
    properties = Properties(PacketTypes.PUBLISH)
    properties.ResponseTopic = terminal_topic("T1", "auth/resp")
    properties.CorrelationData = b"corr-0001"
    for op_id, amount in (("T1-50", 5000), ("T1-51", 100)):
        request = AuthRequest("T1", op_id, "8800", "stored_value", amount)
        terminal.publish(terminal_topic("T1", "auth/req"), request.to_bytes(),
                         properties=properties)
    answers = by_topic(terminal.receive(2, timeout=10), "auth/resp")
    decided = {parse_auth_response(m.payload).op_id: parse_auth_response(m.payload)
               for m in answers}
    assert decided["T1-50"].approved
    assert not decided["T1-51"].approved
    assert decided["T1-51"].reason == "balance.insufficient"
    assert all(m.properties.CorrelationData == b"corr-0001" for m in answers)


def test_a_worker_publishes_the_newest_configuration_again_when_it_subscribes(
        broker, hq_database_url, tmp_path, mqtt_client_factory):
    """A broker that crashed may have lost the retained documents saved since its last save
    (docs/operations.md): each worker publishes the newest version of every document for
    every scope again when it subscribes, so terminals get it whatever the broker kept."""
    db = open_database(hq_database_url)
    try:
        for body in ({"v": 1}, {"v": 2}):  # stored at HQ, never published: as if lost
            next_document(db, "catalogue", "store:S1", body, AT)
        next_document(db, "promotions", "all", {"v": 1}, AT)
    finally:
        db.close()
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT):
        terminal = mqtt_client_factory(broker, "T1")
        terminal.connect()
        terminal.subscribe(config_topic("store:S1", "catalogue"))
        terminal.subscribe(config_topic("all", "promotions"))
        documents = [parse_config_document(message.payload)
                     for message in terminal.receive(2, timeout=10)]
    assert sorted((d.name, d.scope, d.version, d.body["v"]) for d in documents) == [
        ("catalogue", "store:S1", 2, 2), ("promotions", "all", 1, 1)]


def test_requests_are_served_again_after_postgresql_restarts(
        broker, postgres, migrated_postgres_template, tmp_path, mqtt_client_factory):
    """A restart of PostgreSQL breaks the network thread's connection; the worker drops it and
    opens a new one, rather than failing every shadow, status and request after it (found by
    the chaos soak: 950 failures in its last minutes)."""
    url = postgres.create_database("hq_after_restart", template=migrated_postgres_template)
    terminal = mqtt_client_factory(broker, "T1")
    terminal.connect()
    with running_hq_worker(broker, url, tmp_path / "hq", clock=lambda: AT) as (_, db):
        def shadow(version: int) -> bytes:
            return encode(Shadow("T1", f"0.{version}", {}, 0, 0, "ok", AT).to_json())

        terminal.publish(terminal_topic("T1", "shadow"), shadow(1), retain=True)
        wait_for(lambda: db.shadows.select().count() == 1, timeout=10, what="the shadow")
        postgres.restart()
        terminal.publish(terminal_topic("T1", "shadow"), shadow(2), retain=True)
        reader = open_database(url, migrate=False)
        try:
            wait_for(lambda: '"0.2"' in reader.shadows.get().reported, timeout=20,
                     what="the shadow sent after the restart stored")
        finally:
            reader.close()
    postgres.drop_database("hq_after_restart")
