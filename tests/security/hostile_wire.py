"""A terminal that speaks MQTT 5 straight to the broker with its own account, and the few
messages the wire-bound tests send: top-ups, authorisations, raw payloads of any shape."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hq.db import HqDatabase
from protocol.wire import SCHEMA, WireEvent, build_event_batch, parse_ack, terminal_topic
from protocol.wire_auth import AuthRequest, AuthResponse, parse_auth_response
from tests.support.mqtt import MqttTestClient
from tests.support.waiting import wait_for

AT = datetime(2026, 11, 23, 10, 0)
TERMINAL = "T1"


def top_up(seq: int, card_no: str = "8800", amount: int = 10000, note: str = "") -> WireEvent:
    entry = {"op_id": f"T1-{seq}", "card_no": card_no, "account": "principal", "delta": amount,
             "kind": "topup", "at": AT.isoformat(), "note": note}
    return WireEvent(seq, f"T1-{seq}", "card.topped_up", AT,
                     {"card_no": card_no, "paid": amount, "bonus": 0, "entries": [entry],
                      "tenders": [{"kind": "cash", "amount": amount, "reference": ""}]})


def refund_of(seq: int, original_seq: int, amount: int, card_no: str = "8800") -> WireEvent:
    """A stored-value refund of `amount` fen said to reverse T1's sale `original_seq`."""
    credit = {"op_id": f"T1-{seq}", "card_no": card_no, "account": "principal",
              "delta": amount, "kind": "refund", "at": AT.isoformat(), "line_no": 1,
              "reverses_op": f"T1-{original_seq}"}
    return WireEvent(seq, f"T1-{seq}", "sale.refunded", AT, {
        "original_op": f"T1-{original_seq}", "card_no": card_no, "amount": amount,
        "quantities": [[1, 1]], "tender_refunds": [["stored_value", amount]],
        "entries": [credit]})


def batch_json(events: list[WireEvent]) -> dict[str, Any]:
    return json.loads(build_event_batch(TERMINAL, events, AT))


def connected_terminal(client: MqttTestClient) -> MqttTestClient:
    client.connect()
    for kind in ("ack", "resend", "auth/resp", "lookup/resp"):
        client.subscribe(terminal_topic(TERMINAL, kind))
    return client


def send_events(terminal: MqttTestClient, payload: bytes) -> None:
    assert not terminal.publish(terminal_topic(TERMINAL, "events"), payload).is_failure


def acknowledged(terminal: MqttTestClient, payload: bytes) -> int:
    """Send a batch and return the watermark HQ acknowledges."""
    send_events(terminal, payload)
    (ack,) = [m for m in terminal.receive(1, timeout=10)
              if m.topic == terminal_topic(TERMINAL, "ack")]
    return parse_ack(ack.payload)


def ask(terminal: MqttTestClient, request: bytes | AuthRequest) -> None:
    """Publish an authorisation request (any bytes) with its response topic."""
    properties = Properties(PacketTypes.PUBLISH)
    properties.ResponseTopic = terminal_topic(TERMINAL, "auth/resp")
    properties.CorrelationData = b"corr"
    payload = request.to_bytes() if isinstance(request, AuthRequest) else request
    terminal.publish(terminal_topic(TERMINAL, "auth/req"), payload, properties=properties)


def answer(terminal: MqttTestClient) -> AuthResponse:
    (message,) = terminal.receive(1, timeout=10)
    assert message.topic == terminal_topic(TERMINAL, "auth/resp")
    return parse_auth_response(message.payload)


def auth_request(op_id: str, amount: Any, card_no: str = "8800") -> bytes:
    return json.dumps({"schema": SCHEMA, "terminal_id": TERMINAL, "op_id": op_id,
                       "card_no": card_no, "kind": "stored_value", "amount": amount,
                       "service": ""}).encode()


def dead_letters(db: HqDatabase, count: int) -> list[Any]:
    """The dead letters, once there are `count` of them (HQ writes them on its own thread)."""
    wait_for(lambda: db.dead_letters.select().count() >= count, timeout=10,
             what=f"{count} dead letters")
    return list(db.dead_letters.select().order_by(db.dead_letters.id))
