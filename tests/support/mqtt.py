"""A blocking MQTT 5 test client over paho-mqtt 2.2: every call waits (bounded) for the broker's
answer and returns its reason code, so tests can assert on CONNACK, PUBACK and SUBACK."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from paho.mqtt.client import CallbackAPIVersion, Client, ConnectFlags, MQTTMessage
from paho.mqtt.enums import MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

DEFAULT_TIMEOUT = 5.0


class MqttTestError(AssertionError):
    """The broker did not answer in time, or the client could not send."""


class MqttTestClient:
    """One MQTT 5 connection as a named broker user. Not thread-safe for callers: one test
    drives it; paho's network thread only fills the answer slots."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        client_id: str | None = None,
        session_expiry: int = 0,
    ) -> None:
        self.host, self.port, self.session_expiry = host, port, session_expiry
        self.paho = Client(
            CallbackAPIVersion.VERSION2,
            # A terminal's account may connect only with its terminal id (hq.broker_accounts).
            client_id=client_id or username,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.paho.username_pw_set(username, password)
        self.messages: queue.Queue[MQTTMessage] = queue.Queue()
        self.session_present: bool | None = None
        self._answers: dict[tuple[str, int], Any] = {}
        self._answered = threading.Condition()
        self.paho.on_connect = self._on_connect
        self.paho.on_publish = self._on_publish
        self.paho.on_subscribe = self._on_subscribe
        self.paho.on_message = lambda _client, _userdata, message: self.messages.put(message)

    def _answer(self, kind: str, key: int, value: Any) -> None:
        with self._answered:
            self._answers[(kind, key)] = value
            self._answered.notify_all()

    def _wait_answer(self, kind: str, key: int, timeout: float) -> Any:
        with self._answered:
            if not self._answered.wait_for(lambda: (kind, key) in self._answers, timeout):
                raise MqttTestError(f"no {kind} from the broker within {timeout} s")
            return self._answers.pop((kind, key))

    def _on_connect(
        self, _c: Client, _u: Any, flags: ConnectFlags, reason: ReasonCode, _p: Any
    ) -> None:
        self.session_present = flags.session_present
        self._answer("CONNACK", 0, reason)

    def _on_publish(self, _c: Client, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        self._answer("PUBACK", mid, reason)

    def _on_subscribe(
        self, _c: Client, _u: Any, mid: int, reasons: list[ReasonCode], _p: Any
    ) -> None:
        self._answer("SUBACK", mid, reasons)

    def connect(self, *, clean_start: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ReasonCode:
        """Connect and return the CONNACK reason. The network thread starts only after a
        successful CONNACK: after a refusal paho's thread would sleep to retry."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        self.paho.connect(self.host, self.port, keepalive=30, clean_start=clean_start,
                          properties=properties)
        deadline = time.monotonic() + timeout
        while ("CONNACK", 0) not in self._answers:
            if time.monotonic() > deadline:
                raise MqttTestError(f"no CONNACK from the broker within {timeout} s")
            self.paho.loop(timeout=0.05)
        reason: ReasonCode = self._answers.pop(("CONNACK", 0))
        if reason.is_failure:
            self.paho.disconnect()
        else:
            self.paho.loop_start()
        return reason

    def publish(
        self, topic: str, payload: bytes | str, *, qos: int = 1, timeout: float = DEFAULT_TIMEOUT,
        properties: Any = None, retain: bool = False,
    ) -> ReasonCode:
        """Publish (QoS 1 unless told) and return the PUBACK reason."""
        info = self.paho.publish(topic, payload, qos=qos, properties=properties, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise MqttTestError(f"paho could not send to {topic}: {info.rc.name}")
        return self._wait_answer("PUBACK", info.mid, timeout)

    def subscribe(
        self, topic_filter: str, *, qos: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> ReasonCode:
        """Subscribe to one filter and return its SUBACK reason."""
        result, mid = self.paho.subscribe(topic_filter, qos=qos)
        if result != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            raise MqttTestError(f"paho could not subscribe to {topic_filter}: {result.name}")
        (reason,) = self._wait_answer("SUBACK", mid, timeout)
        return reason

    def receive(self, count: int, *, timeout: float = DEFAULT_TIMEOUT) -> list[MQTTMessage]:
        """The next `count` messages; fails if they do not all arrive within `timeout`."""
        received: list[MQTTMessage] = []
        deadline = time.monotonic() + timeout
        while len(received) < count:
            try:
                received.append(self.messages.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise MqttTestError(
                    f"got {len(received)} of {count} messages within {timeout} s"
                ) from None
        return received

    def receive_all(
        self, *, quiet_for: float = 0.5, timeout: float = DEFAULT_TIMEOUT
    ) -> list[MQTTMessage]:
        """Every message that arrives until none has come for `quiet_for` s (at most `timeout`)."""
        received: list[MQTTMessage] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                received.append(self.messages.get(timeout=quiet_for))
            except queue.Empty:
                break
        return received

    def disconnect(self) -> None:
        if self.paho.is_connected():
            self.paho.disconnect()
        self.paho.loop_stop()

    def __enter__(self) -> MqttTestClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.disconnect()
