"""The real Mosquitto broker as `harness.broker` configures it: accounts, per-terminal access rules,
shared subscriptions for HQ, and persistent sessions across restarts and crashes."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from paho.mqtt.client import MQTTMessage

from harness.broker import BrokerStartError, MosquittoBroker, terminal_topic
from tests.support.mqtt import MqttTestClient
from tests.support.waiting import wait_for

pytestmark = pytest.mark.timeout(30)

SUCCESS = 0x00
NOT_AUTHORIZED = 0x87
GRANTED_QOS_1 = 0x01
HQ_EVENTS = "$share/hq/hy/v1/t/+/events"
SESSION_EXPIRY_S = 3600

ClientFactory = Callable[..., MqttTestClient]


def connected(make_client: ClientFactory, broker: MosquittoBroker, username: str,
              **options: object) -> MqttTestClient:
    client = make_client(broker, username, **options)
    reason = client.connect()
    assert not reason.is_failure, f"{username} could not connect: {reason}"
    return client


def test_broker_starts_and_stops_twice_on_fresh_folders(
    broker_factory: Callable[..., MosquittoBroker],
) -> None:
    for _ in range(2):
        broker = broker_factory()
        assert broker.is_running
        with socket.create_connection((broker.host, broker.port), timeout=1):
            pass
        broker.stop()
        assert not broker.is_running
        with pytest.raises(OSError):
            socket.create_connection((broker.host, broker.port), timeout=1).close()


def test_a_taken_port_fails_with_the_broker_log(
    broker_factory: Callable[..., MosquittoBroker],
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        with pytest.raises(BrokerStartError, match="Address already in use"):
            broker_factory(port=squatter.getsockname()[1])


def test_a_terminal_publishes_to_its_own_events(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    hq = connected(mqtt_client_factory, broker, "hq")
    assert hq.subscribe(HQ_EVENTS).value == GRANTED_QOS_1
    terminal = connected(mqtt_client_factory, broker, "T1")

    assert terminal.publish(terminal_topic("T1", "events"), b"sale 1").value == SUCCESS
    (message,) = hq.receive(1)
    assert (message.topic, message.payload) == ("hy/v1/t/T1/events", b"sale 1")


def test_a_terminal_may_not_publish_as_another_terminal(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    hq = connected(mqtt_client_factory, broker, "hq")
    hq.subscribe(HQ_EVENTS)
    terminal = connected(mqtt_client_factory, broker, "T1")

    reason = terminal.publish(terminal_topic("T2", "events"), b"forged")
    assert (reason.value, str(reason)) == (NOT_AUTHORIZED, "Not authorized")
    # Same connection, so ordered: had the forged message got through it would come first.
    terminal.publish(terminal_topic("T1", "events"), b"genuine")
    assert [m.payload for m in hq.receive(1)] == [b"genuine"]


@pytest.mark.parametrize("topic", ["hy/v1/t/T1/ack", "hy/v1/t/T1/events", "hy/v1/config/all"])
def test_a_terminal_may_not_publish_what_only_hq_sends(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory, topic: str
) -> None:
    terminal = connected(mqtt_client_factory, broker, "T2")
    assert terminal.publish(topic, b"x").value == NOT_AUTHORIZED


@pytest.mark.parametrize(
    "topic_filter",
    [
        "hy/v1/t/T2/ack",
        "hy/v1/t/+/ack",
        "hy/v1/t/T1/#",
        "#",
        # Joining HQ's shared group would let a terminal swallow other terminals' events.
        HQ_EVENTS,
        "$share/any/hy/v1/t/T1/ack",
    ],
)
def test_a_terminal_may_not_subscribe_beyond_its_topics(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory, topic_filter: str
) -> None:
    terminal = connected(mqtt_client_factory, broker, "T1")
    assert terminal.subscribe(topic_filter).value == NOT_AUTHORIZED


def test_a_terminal_receives_its_own_topics_and_configuration_only(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    terminal = connected(mqtt_client_factory, broker, "T1")
    for topic_filter in ("hy/v1/t/T1/ack", "hy/v1/t/T1/resend", "hy/v1/t/T1/auth/resp",
                         "hy/v1/config/#"):
        assert terminal.subscribe(topic_filter).value == GRANTED_QOS_1, topic_filter
    hq = connected(mqtt_client_factory, broker, "hq")

    for topic in ("hy/v1/t/T2/ack", "hy/v1/t/T1/ack", "hy/v1/config/store/S01"):
        assert not hq.publish(topic, topic.encode()).is_failure
    received = [m.topic for m in terminal.receive(2)]
    assert received == ["hy/v1/t/T1/ack", "hy/v1/config/store/S01"]


@pytest.mark.parametrize("username, password", [("T1", "wrong"), ("T9", "T9-test-password"),
                                                ("hq", "")])
def test_a_wrong_password_or_unknown_user_is_refused(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory, username: str, password: str
) -> None:
    client = mqtt_client_factory(broker, username, password=password)
    reason = client.connect()
    assert reason.is_failure, reason


def test_hq_receives_every_terminal_through_its_shared_subscription(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    workers = [connected(mqtt_client_factory, broker, "hq", client_id=f"hq-ingest-{n}")
               for n in (1, 2)]
    for worker in workers:
        assert worker.subscribe(HQ_EVENTS).value == GRANTED_QOS_1
    for terminal_id in ("T1", "T2", "T3"):
        terminal = connected(mqtt_client_factory, broker, terminal_id)
        for n in range(2):
            assert terminal.publish(terminal_topic(terminal_id, "events"), f"{n}").value == SUCCESS

    received: list[MQTTMessage] = []

    def all_six_arrived() -> bool:  # split between the workers in an order nobody promises
        received.extend(m for worker in workers for m in worker.receive_all(quiet_for=0))
        return len(received) >= 6

    wait_for(all_six_arrived, timeout=10, what="six messages among the two workers")
    assert sorted((m.topic, m.payload) for m in received) == sorted(
        (f"hy/v1/t/{t}/events", f"{n}".encode()) for t in ("T1", "T2", "T3") for n in range(2)
    )
    assert all(worker.receive_all(quiet_for=0) == [] for worker in workers)


# --- persistent sessions ---------------------------------------------------------------------


def _persistent_hq(make_client: ClientFactory, broker: MosquittoBroker) -> MqttTestClient:
    return make_client(broker, "hq", client_id="hq-ingest", session_expiry=SESSION_EXPIRY_S)


def _queue_while_hq_is_away(
    make_client: ClientFactory, broker: MosquittoBroker, count: int, *, first_clean: bool = False
) -> list[bytes]:
    """HQ subscribes with a persistent session and leaves; T1 then publishes `count` events."""
    hq = _persistent_hq(make_client, broker)
    assert not hq.connect(clean_start=first_clean).is_failure
    assert hq.subscribe(HQ_EVENTS).value == GRANTED_QOS_1
    hq.disconnect()
    terminal = connected(make_client, broker, "T1")
    payloads = [f"event {n}".encode() for n in range(count)]
    for payload in payloads:
        assert terminal.publish(terminal_topic("T1", "events"), payload).value == SUCCESS
    terminal.disconnect()
    return payloads


def _hq_comes_back(make_client: ClientFactory, broker: MosquittoBroker) -> MqttTestClient:
    hq = _persistent_hq(make_client, broker)
    assert not hq.connect(clean_start=False).is_failure
    return hq


def test_a_persistent_session_gets_what_was_published_while_it_was_away(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    sent = _queue_while_hq_is_away(mqtt_client_factory, broker, 5)
    hq = _hq_comes_back(mqtt_client_factory, broker)
    assert hq.session_present
    assert [m.payload for m in hq.receive(5)] == sent


def test_a_persistent_session_survives_a_graceful_restart(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    broker = broker_factory(autosave_interval_s=3600)  # only the graceful stop saves
    port = broker.port
    sent = _queue_while_hq_is_away(mqtt_client_factory, broker, 5)
    broker.restart()

    assert broker.port == port
    hq = _hq_comes_back(mqtt_client_factory, broker)
    assert hq.session_present
    assert [m.payload for m in hq.receive(5)] == sent


def _wait_until_saved(broker: MosquittoBroker, payload: bytes, timeout: float = 5.0) -> None:
    """Mosquitto acknowledges a message before it saves it: wait until it is on disk."""
    database = broker.persistence_dir / "mosquitto.db"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if database.exists() and payload in database.read_bytes():
            return
        time.sleep(0.01)
    pytest.fail(f"{payload!r} was not saved to {database} within {timeout} s")


def test_a_persistent_session_survives_sigkill_once_saved(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    broker = broker_factory(autosave_every_changes=1)  # saved after every change
    sent = _queue_while_hq_is_away(mqtt_client_factory, broker, 20)
    _wait_until_saved(broker, sent[-1])
    broker.kill()
    broker.start()

    hq = _hq_comes_back(mqtt_client_factory, broker)
    assert hq.session_present
    assert [m.payload for m in hq.receive(20)] == sent


def test_sigkill_before_the_timed_save_loses_the_session_and_its_queue(
    broker_factory: Callable[..., MosquittoBroker], mqtt_client_factory: ClientFactory
) -> None:
    """The production profile saves every `autosave_interval_s` (60 s): a crash loses what
    changed since; the terminals' outboxes send it again."""
    broker = broker_factory(autosave_interval_s=3600)  # no save can happen during the test
    _queue_while_hq_is_away(mqtt_client_factory, broker, 5)
    broker.kill()
    broker.start()

    hq = _hq_comes_back(mqtt_client_factory, broker)
    assert not hq.session_present
    assert hq.receive_all(quiet_for=0.3) == []


def test_mosquitto_2_0_does_not_persist_a_session_begun_with_clean_start(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    """Why persistent clients must connect with clean_start=False from the very first time
    (paho's default MQTT_CLEAN_START_FIRST_ONLY sets it on the first connect)."""
    _queue_while_hq_is_away(mqtt_client_factory, broker, 3, first_clean=True)
    broker.restart()

    hq = _hq_comes_back(mqtt_client_factory, broker)
    assert not hq.session_present
    assert hq.receive_all(quiet_for=0.3) == []
