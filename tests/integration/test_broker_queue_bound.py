"""HQ's session queue in the broker is bounded (issue 11, point 4), and what the terminals see
when it is full: Mosquitto 2.0.11 keeps the oldest messages up to `max_queued_messages` (or
`max_queued_bytes`) per session, drops newer ones for that session alone, and still answers
the publisher with PUBACK success. The terminal's outbox covers the drop: it keeps every event
until HQ's watermark covers it and sends again what HQ has not acknowledged.

Small bounds here; the production bounds and their sizing are in harness/broker.py and
docs/operations.md."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.broker import MosquittoBroker, terminal_topic
from tests.support.mqtt import MqttTestClient
from tests.support.waiting import wait_for

pytestmark = pytest.mark.timeout(60)

HQ_EVENTS = "$share/hq/hy/v1/t/+/events"
SESSION_EXPIRY_S = 3600
QUEUE_BOUND = 50
PUBLISHED = 3 * QUEUE_BOUND
SUCCESS = 0x00
MARKER = b"published after the session came back"

ClientFactory = Callable[..., MqttTestClient]


def hq_session(make_client: ClientFactory, broker: MosquittoBroker,
               worker: str = "hq-1") -> MqttTestClient:
    """A worker's persistent session with HQ's shared subscription, connected."""
    hq = make_client(broker, "hq", client_id=worker, session_expiry=SESSION_EXPIRY_S)
    assert not hq.connect(clean_start=False).is_failure
    assert not hq.subscribe(HQ_EVENTS).is_failure
    return hq


def leave_hq_session(make_client: ClientFactory, broker: MosquittoBroker,
                     worker: str = "hq-1") -> None:
    hq_session(make_client, broker, worker).disconnect()


def publish_events(make_client: ClientFactory, broker: MosquittoBroker,
                   payloads: list[bytes]) -> list[int]:
    """T1 publishes each payload at QoS 1; the PUBACK reason of each."""
    terminal = make_client(broker, "T1")
    assert not terminal.connect().is_failure
    reasons = [terminal.publish(terminal_topic("T1", "events"), p).value for p in payloads]
    terminal.disconnect()
    return reasons


def numbered(count: int, size: int = 0) -> list[bytes]:
    return [f"event {n:05d} ".encode().ljust(size, b"x") for n in range(count)]


def received_before_marker(hq: MqttTestClient) -> list[bytes]:
    """What a session received before MARKER, published once it was back: a session gets its
    queue in order before anything newer, so this is its whole queue (no waiting for quiet)."""
    received = []
    while (payload := hq.receive(1)[0].payload) != MARKER:
        received.append(payload)
    return received


def test_an_away_hq_session_keeps_the_oldest_messages_up_to_the_bound(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    broker = broker_factory(max_queued_messages=QUEUE_BOUND)
    leave_hq_session(mqtt_client_factory, broker)
    sent = numbered(PUBLISHED)

    # The terminal is told success for every message, the dropped ones included.
    assert publish_events(mqtt_client_factory, broker, sent) == [SUCCESS] * PUBLISHED
    assert "Outgoing messages are being dropped for client hq-1." in broker.log_path.read_text()

    hq = hq_session(mqtt_client_factory, broker)
    # The broker is alive and the returning session takes new messages again.
    assert publish_events(mqtt_client_factory, broker, [MARKER]) == [SUCCESS]
    assert received_before_marker(hq) == sent[:QUEUE_BOUND]
    assert broker.is_running


def test_the_byte_bound_holds_for_event_sized_messages(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    message_bytes, bound_bytes = 15_000, 20 * 15_000
    broker = broker_factory(max_queued_bytes=bound_bytes)
    leave_hq_session(mqtt_client_factory, broker)
    sent = numbered(40, size=message_bytes)

    assert publish_events(mqtt_client_factory, broker, sent) == [SUCCESS] * len(sent)

    hq = hq_session(mqtt_client_factory, broker)
    assert publish_events(mqtt_client_factory, broker, [MARKER]) == [SUCCESS]
    received = received_before_marker(hq)
    assert 0 < sum(map(len, received)) <= bound_bytes
    assert received == sent[:len(received)]


def test_an_away_worker_keeps_its_turns_in_the_share_group_and_drops_them_when_full(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    """Mosquitto 2.0.11 hands a shared subscription's messages round-robin to every member
    session, connected or not; a full away session's turns are dropped, not given to the live
    worker. Its terminals send those again; the session ends at its expiry."""
    broker = broker_factory(max_queued_messages=QUEUE_BOUND)
    leave_hq_session(mqtt_client_factory, broker, "hq-2")
    live = hq_session(mqtt_client_factory, broker, "hq-1")
    sent = numbered(PUBLISHED)

    assert publish_events(mqtt_client_factory, broker, sent) == [SUCCESS] * PUBLISHED
    wait_for(lambda: "dropped for client hq-2" in broker.log_path.read_text(), timeout=10,
             what="the broker to log dropping for the away worker")

    away = hq_session(mqtt_client_factory, broker, "hq-2")
    # Round-robin: one marker for each worker, after all it was given before.
    assert publish_events(mqtt_client_factory, broker, [MARKER, MARKER]) == [SUCCESS] * 2
    by_live, by_away = received_before_marker(live), received_before_marker(away)
    assert len(by_away) == QUEUE_BOUND
    assert len(by_live) + len(by_away) < PUBLISHED  # the rest: dropped, sent again by terminals
    assert set(by_live).isdisjoint(by_away)


def test_a_timed_save_survives_sigkill(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    """The production profile saves on a timer (`autosave_interval_s`); 1 s here so the test
    sees a save happen."""
    broker = broker_factory(autosave_interval_s=1)
    leave_hq_session(mqtt_client_factory, broker)
    sent = numbered(5)
    assert publish_events(mqtt_client_factory, broker, sent) == [SUCCESS] * 5
    database = broker.persistence_dir / "mosquitto.db"
    wait_for(lambda: database.exists() and sent[-1] in database.read_bytes(), timeout=10,
             what="the timed save of the last message")
    broker.kill()
    broker.start()

    hq = hq_session(mqtt_client_factory, broker)
    assert hq.session_present
    assert [m.payload for m in hq.receive(5)] == sent
