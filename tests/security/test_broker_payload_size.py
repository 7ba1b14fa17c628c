"""The broker refuses payloads above the documented size (issue 10, point 3): HQ's biggest
configuration document still passes, a terminal's bigger message reaches nobody."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.broker import MosquittoBroker, terminal_topic
from protocol.wire import MAX_CONFIG_BYTES, config_topic
from tests.support.mqtt import MqttTestClient

pytestmark = pytest.mark.timeout(60)

HQ_EVENTS = "$share/hq/hy/v1/t/+/events"
MIB = 1024 * 1024

ClientFactory = Callable[..., MqttTestClient]


def connected(make_client: ClientFactory, broker: MosquittoBroker, username: str,
              **options: object) -> MqttTestClient:
    client = make_client(broker, username, **options)
    assert not client.connect().is_failure
    return client


def test_hqs_biggest_configuration_document_reaches_a_terminal(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    hq = connected(mqtt_client_factory, broker, "hq")
    topic = config_topic("all", "catalogue")
    biggest = b"c" * MAX_CONFIG_BYTES
    assert not hq.publish(topic, biggest, retain=True, timeout=20).is_failure
    terminal = connected(mqtt_client_factory, broker, "T1")
    terminal.subscribe(topic)
    (document,) = terminal.receive(1, timeout=20)
    assert len(document.payload) == MAX_CONFIG_BYTES


def sent_without_waiting(make_client: ClientFactory, broker: MosquittoBroker, payload: bytes,
                         hq: MqttTestClient) -> list[bytes]:
    """T1 publishes `payload` on its events, not waiting for an answer (none usable comes), and
    stops; then T1 again sends `small`: what HQ's subscription received."""
    flooder = connected(make_client, broker, "T1")
    flooder.paho.publish(terminal_topic("T1", "events"), payload, qos=1)
    received = [message.payload for message in hq.receive_all(quiet_for=2.0, timeout=10)]
    flooder.disconnect()  # paho would send it again after each reconnection
    honest = connected(make_client, broker, "T1")
    assert not honest.publish(terminal_topic("T1", "events"), b"small").is_failure
    received += [message.payload for message in hq.receive(1, timeout=10)]
    return received + [message.payload for message in hq.receive_all(quiet_for=0.5)]


def test_a_payload_one_byte_over_the_limit_reaches_nobody(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    hq = connected(mqtt_client_factory, broker, "hq")
    hq.subscribe(HQ_EVENTS)

    received = sent_without_waiting(mqtt_client_factory, broker, b"x" * (MAX_CONFIG_BYTES + 1), hq)

    # Measured on 2.0.11: the broker drops it (logged at debug level only) and answers a PUBACK
    # with 0x95, not a PUBACK code, on which paho drops the connection: nothing is delivered.
    assert received == [b"small"]


def test_a_terminals_10_mib_publish_does_not_reach_hq(
    broker: MosquittoBroker, mqtt_client_factory: ClientFactory
) -> None:
    hq = connected(mqtt_client_factory, broker, "hq")
    hq.subscribe(HQ_EVENTS)

    received = sent_without_waiting(mqtt_client_factory, broker, b"x" * (10 * MIB), hq)

    assert received == [b"small"]
    # Above max_packet_size: cut off at the packet's header, before the broker reads it in.
    assert "Client T1 disconnected due to oversize packet." in broker.log_tail(50)
