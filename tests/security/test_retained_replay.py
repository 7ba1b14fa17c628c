"""A terminal cannot plant retained messages that HQ reads (issue 10, point 4): a retained
event batch is not stored, whether it was published before HQ subscribed, while HQ was away or
while HQ ran; HQ dead-letters it and clears the broker's copy. Honest work, sent after, is
stored and acknowledged."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.broker import MosquittoBroker
from hq.db import HqDatabase, open_database
from hq.retained import RETAINED_REASON
from protocol.wire import parse_ack, terminal_topic
from tests.integration.hq_feed import AT, TerminalFeed
from tests.support.hq_worker import running_hq_worker
from tests.support.mqtt import MqttTestClient
from tests.support.waiting import wait_for

pytestmark = pytest.mark.timeout(60)

ClientFactory = Callable[..., MqttTestClient]


@pytest.fixture
def hq_url(tmp_path: Path) -> str:
    """SQLite only: what is checked here is the broker's and the worker's, not the storage's."""
    url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    open_database(url).close()
    return url


@pytest.fixture
def terminal(broker: MosquittoBroker, mqtt_client_factory: ClientFactory) -> MqttTestClient:
    client = mqtt_client_factory(broker, "T1")
    assert not client.connect().is_failure
    client.subscribe(terminal_topic("T1", "ack"))
    return client


@pytest.fixture
def hq_worker(broker: MosquittoBroker, hq_url: str, tmp_path: Path) -> Iterator[HqDatabase]:
    with running_hq_worker(broker, hq_url, tmp_path / "hq", clock=lambda: AT) as (_, db):
        yield db


def planted_batch(feed: TerminalFeed) -> bytes:
    """A credit nobody paid for, as the hostile terminal would like it replayed."""
    return feed.batch([feed.top_up(1_000_000)])


def retained_copy(broker: MosquittoBroker, make_client: ClientFactory, topic: str) -> list[bytes]:
    """What a fresh, non-shared subscriber of `topic` is handed as retained."""
    reader = make_client(broker, "hq", client_id="retained-reader")
    assert not reader.connect().is_failure
    reader.subscribe(topic)
    payloads = [message.payload for message in reader.receive_all(quiet_for=0.5)]
    reader.disconnect()
    return payloads


def honest_batch_acknowledged(terminal: MqttTestClient, feed: TerminalFeed) -> None:
    """Send an honest batch and wait for the ack that covers it (HQ may first answer other
    messages: a loaded machine must not make a late ack look like a missing one)."""
    assert not terminal.publish(feed.topic, feed.batch([feed.issue()])).is_failure
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        (message,) = terminal.receive(1, timeout=max(0.1, deadline - time.monotonic()))
        if message.topic == terminal_topic("T1", "ack") and parse_ack(message.payload) == feed.seq:
            return
    raise AssertionError(f"no ack of seq {feed.seq} within 30 s")


def stored_seqs(db: HqDatabase) -> list[int]:
    return sorted(row.seq for row in db.events.select().where(db.events.terminal_id == "T1"))


def test_a_batch_retained_before_hq_subscribed_is_dead_lettered_and_cleared(
    broker: MosquittoBroker, hq_url: str, tmp_path: Path, terminal: MqttTestClient,
    mqtt_client_factory: ClientFactory,
) -> None:
    hostile = TerminalFeed("T1")
    assert not terminal.publish(hostile.topic, planted_batch(hostile), retain=True).is_failure

    with running_hq_worker(broker, hq_url, tmp_path / "hq", clock=lambda: AT) as (_, db):
        # Measured: Mosquitto 2.0.11 hands retained messages to a new shared subscription too
        # (MQTT 5 says it should not); before this refusal HQ stored the planted credit.
        wait_for(lambda: db.dead_letters.select().count() == 1, timeout=30,
                 what="the retained batch's dead letter")
        assert db.dead_letters.get().reason == RETAINED_REASON
        honest_batch_acknowledged(terminal, TerminalFeed("T1"))
        assert stored_seqs(db) == [1]
        assert db.ledger.select().count() == 0  # the planted top-up credited nothing
    assert retained_copy(broker, mqtt_client_factory, hostile.topic) == []


def test_a_batch_retained_while_hq_ran_is_dead_lettered_and_cleared(
    broker: MosquittoBroker, hq_worker: HqDatabase, terminal: MqttTestClient,
    mqtt_client_factory: ClientFactory,
) -> None:
    hostile = TerminalFeed("T1")
    assert not terminal.publish(hostile.topic, planted_batch(hostile), retain=True).is_failure

    wait_for(lambda: hq_worker.dead_letters.select().count() == 1, timeout=30,
             what="the retained batch's dead letter")
    letter = hq_worker.dead_letters.get()
    assert (letter.topic, letter.reason) == (hostile.topic, RETAINED_REASON)
    assert stored_seqs(hq_worker) == []
    assert retained_copy(broker, mqtt_client_factory, hostile.topic) == []
    honest_batch_acknowledged(terminal, TerminalFeed("T1"))
    assert stored_seqs(hq_worker) == [1]
    assert hq_worker.dead_letters.select().count() == 1  # HQ's own clearing is no dead letter


def test_a_batch_retained_while_hq_was_away_is_dead_lettered_on_its_return(
    broker: MosquittoBroker, hq_url: str, tmp_path: Path, terminal: MqttTestClient,
    mqtt_client_factory: ClientFactory,
) -> None:
    with running_hq_worker(broker, hq_url, tmp_path / "hq", clock=lambda: AT):
        pass  # the worker's persistent session now holds its shared subscription
    hostile = TerminalFeed("T1")
    assert not terminal.publish(hostile.topic, planted_batch(hostile), retain=True).is_failure

    with running_hq_worker(broker, hq_url, tmp_path / "hq", clock=lambda: AT) as (_, db):
        # Delivered from the session's queue and, when the worker subscribes again before its
        # clearing reached the broker, once more as the retained copy: one dead letter each.
        wait_for(lambda: db.dead_letters.select().count() >= 1, timeout=30,
                 what="the queued retained batch's dead letter")
        assert {row.reason for row in db.dead_letters.select()} == {RETAINED_REASON}
        honest_batch_acknowledged(terminal, TerminalFeed("T1"))
        assert stored_seqs(db) == [1]
    assert retained_copy(broker, mqtt_client_factory, hostile.topic) == []
