"""One terminal's flood does not starve the others (issue 10, point 4): while T2 publishes
2,000 QoS 1 messages as fast as the broker takes them, T1's event batch still reaches a
running HQ worker and is acknowledged, and the worker is alive afterwards.

Mosquitto 2.0.11 has no per-publisher quota: every terminal's messages share each HQ worker's
session queue, bounded by count and bytes (harness.broker). A flood is drained at HQ's pace;
what a full queue drops, the honest terminal's outbox sends again (decision 4)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from harness.broker import MosquittoBroker
from harness.fleet_terminal import DAY_START, SimulatedTerminal
from hq.db import HqDatabase, open_database
from protocol.wire import parse_ack, terminal_topic
from tests.integration.hq_feed import AT, TerminalFeed
from tests.support.hq_worker import running_hq_worker
from tests.support.mqtt import MqttTestClient
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

pytestmark = pytest.mark.timeout(120)

FLOOD_MESSAGES = 2_000
FLOOD_PAYLOAD = b"{" + b"x" * 1022  # not JSON: each one is a dead letter at HQ
ACK_WAIT_S = 60
# A byte bound small enough for 2,000 messages to reach it (the rig's default is 64 MiB).
SMALL_QUEUE_BYTES = 256 * 1024

ClientFactory = Callable[..., MqttTestClient]


@pytest.fixture
def hq_worker(broker: MosquittoBroker, tmp_path: Path) -> Iterator[HqDatabase]:
    url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    open_database(url).close()
    with running_hq_worker(broker, url, tmp_path / "hq", clock=lambda: AT) as (_, db):
        yield db


def flood(client: MqttTestClient, count: int) -> threading.Thread:
    """Publish `count` QoS 1 messages without waiting between them, then stop."""
    def publish_all() -> None:
        topic = terminal_topic("T2", "events")
        sent = [client.paho.publish(topic, FLOOD_PAYLOAD, qos=1) for _ in range(count)]
        for info in sent:
            info.wait_for_publish(timeout=ACK_WAIT_S)

    thread = threading.Thread(target=publish_all, name="flood", daemon=True)
    thread.start()
    return thread


def test_an_honest_batch_is_acknowledged_during_another_terminals_flood(
    broker: MosquittoBroker, hq_worker: HqDatabase, mqtt_client_factory: ClientFactory
) -> None:
    flooder = mqtt_client_factory(broker, "T2")
    assert not flooder.connect().is_failure
    honest = mqtt_client_factory(broker, "T1")
    assert not honest.connect().is_failure
    honest.subscribe(terminal_topic("T1", "ack"))
    feed = TerminalFeed("T1")

    flooding = flood(flooder, FLOOD_MESSAGES)
    wait_for(lambda: hq_worker.dead_letters.select().count() > 0, timeout=10,
             what="the flood to reach HQ")
    batch = feed.batch([feed.issue(), feed.issue("8800000000000002", "M2")])
    assert not honest.publish(feed.topic, batch, timeout=ACK_WAIT_S).is_failure
    (ack,) = honest.receive(1, timeout=ACK_WAIT_S)
    assert parse_ack(ack.payload) == 2

    flooding.join(timeout=ACK_WAIT_S)
    assert not flooding.is_alive(), "the flood did not end by itself"
    assert sorted(row.seq for row in hq_worker.events.select()) == [1, 2]
    # Every flood message that reached HQ is a dead letter, none is stored or lost from view.
    wait_for(lambda: hq_worker.dead_letters.select().count() == FLOOD_MESSAGES,
             timeout=ACK_WAIT_S, what="every flood message's dead letter")
    # The worker's queue stayed within its bounds (max_queued_messages, max_queued_bytes).
    assert "Outgoing messages are being dropped" not in broker.log_path.read_text()


def test_a_flood_while_hq_is_away_fills_its_queue_only_to_the_bound_and_honest_work_follows(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory,
    tmp_path: Path,
) -> None:
    broker = broker_factory(max_queued_bytes=SMALL_QUEUE_BYTES)
    url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    open_database(url).close()
    hq_day = lambda: DAY_START + timedelta(hours=1)  # noqa: E731
    with running_hq_worker(broker, url, tmp_path / "hq", clock=hq_day):
        pass  # the worker's session, with its shared subscription, now outlives it
    flooder = mqtt_client_factory(broker, "T2")
    assert not flooder.connect().is_failure
    flooding = flood(flooder, FLOOD_MESSAGES)
    flooding.join(timeout=ACK_WAIT_S)
    assert "Outgoing messages are being dropped for client hq-1" in broker.log_path.read_text()

    spy = mqtt_client_factory(broker, "hq", client_id="events-spy")
    assert not spy.connect().is_failure
    spy.subscribe(terminal_topic("T1", "events"))
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port)
    honest = SimulatedTerminal.open("T1", tmp_path, settings, seed=1)
    try:
        honest.configured_sync.start()
        honest.enrol()
        honest.configured_sync.notify()
        spy.receive(1, timeout=10)  # published: HQ's full queue drops it
        with running_hq_worker(broker, url, tmp_path / "hq", clock=hq_day) as (_, db):
            # Sent again from the outbox once no acknowledgement came in ack_timeout_s.
            wait_for(lambda: honest.store.ack_watermark() == 1, timeout=ACK_WAIT_S,
                     what="HQ's acknowledgement of the honest sale")
            flood_letters = db.dead_letters.select().count()
    finally:
        honest.close()
    assert 0 < flood_letters < FLOOD_MESSAGES / 2  # the rest never took the broker's memory
