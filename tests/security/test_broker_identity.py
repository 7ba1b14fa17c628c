"""Identity at the broker (issue 10, point 6): a terminal account connects only with its own
client id, so it can take over neither another terminal's session nor an HQ worker's; the
refused attempt leaves the honest client connected, and the broker logs it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.broker import MosquittoBroker, terminal_topic
from tests.support.mqtt import MqttTestClient
from tests.support.waiting import wait_for

pytestmark = pytest.mark.timeout(30)

NOT_AUTHORIZED = 0x87
REFUSAL = "Client <unknown> disconnected, not authorised."
HQ_EVENTS = "$share/hq/hy/v1/t/+/events"
SESSION_EXPIRY_S = 3600

ClientFactory = Callable[..., MqttTestClient]


def connected(make_client: ClientFactory, broker: MosquittoBroker, username: str,
              **options: object) -> MqttTestClient:
    client = make_client(broker, username, session_expiry=SESSION_EXPIRY_S, **options)
    reason = client.connect(clean_start=False)
    assert not reason.is_failure, f"{username} could not connect: {reason}"
    return client


def refused(make_client: ClientFactory, broker: MosquittoBroker, username: str,
            client_id: str) -> bool:
    """True when the broker answers the CONNECT of `username` as `client_id` "not authorised"."""
    intruder = make_client(broker, username, client_id=client_id)
    return intruder.connect(clean_start=False).value == NOT_AUTHORIZED


def test_a_terminal_connects_with_its_own_client_id_only(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    assert not mqtt_client_factory(broker, "T1", client_id="T1").connect().is_failure
    for other_id in ("T1-spare", "t1", "test-T1"):
        assert refused(mqtt_client_factory, broker, "T1", other_id), other_id


def test_a_terminal_cannot_take_over_another_terminals_session(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    honest = connected(mqtt_client_factory, broker, "T2")
    honest.subscribe(terminal_topic("T2", "ack"))
    hq = connected(mqtt_client_factory, broker, "hq", client_id="hq-console")

    assert refused(mqtt_client_factory, broker, "T1", "T2")

    assert honest.paho.is_connected()
    assert not hq.publish(terminal_topic("T2", "ack"), b"still yours").is_failure
    (message,) = honest.receive(1)
    assert message.payload == b"still yours"


@pytest.mark.parametrize("worker_id", ["hq-1", "hq-2"])
def test_a_terminal_cannot_take_an_hq_workers_client_id(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory, worker_id: str
) -> None:
    worker = connected(mqtt_client_factory, broker, "hq", client_id=worker_id)
    worker.subscribe(HQ_EVENTS)

    assert refused(mqtt_client_factory, broker, "T1", worker_id)

    # The worker keeps its connection and its session: the next event still reaches it.
    terminal = connected(mqtt_client_factory, broker, "T1")
    assert not terminal.publish(terminal_topic("T1", "events"), b"sale 1").is_failure
    (message,) = worker.receive(1)
    assert (message.topic, message.payload) == ("hy/v1/t/T1/events", b"sale 1")
    assert worker.paho.is_connected() and worker.receive_all(quiet_for=0.3) == []


def test_several_hq_workers_each_keep_their_own_id(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    workers = [connected(mqtt_client_factory, broker, "hq", client_id=f"hq-{n}")
               for n in (1, 2)]
    assert all(worker.paho.is_connected() for worker in workers)


def test_the_refused_takeover_is_in_the_broker_log(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    connected(mqtt_client_factory, broker, "hq", client_id="hq-1")
    assert refused(mqtt_client_factory, broker, "T1", "hq-1")
    wait_for(lambda: REFUSAL in broker.log_tail(50), timeout=5,
             what="the refusal in the broker's log")
    lines = broker.log_tail(50).splitlines()
    refusal = next(number for number, line in enumerate(lines) if REFUSAL in line)
    # Mosquitto 2.0.11 names neither the client id nor the user of a refused CONNECT: the line
    # before gives the address it came from.
    assert f"New connection from {broker.host}:" in lines[refusal - 1]
    # Measured before the binding: "Client hq-1 already connected, closing old connection."
    assert not any("already connected" in line for line in lines)
