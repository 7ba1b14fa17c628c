"""Hold abuse (issue 10, point 3): a hold belongs to the terminal that asked for it, and one
terminal's holds are bounded in number, stored value and age. Hostile terminal T3 speaks MQTT 5
straight to a real broker with its own account, against a running HQ worker on SQLite and
PostgreSQL; honest terminal T1 is served throughout, and each test ends reconciled."""

import dataclasses
from datetime import timedelta

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hq.authority import DEFAULT_HOLD_SECONDS, Authority
from hq.balances import available, stored_value
from hq.hold_limits import (
    DEFAULT_MAX_ACTIVE_HOLDS,
    DEFAULT_MAX_HELD_FEN,
    OP_NOT_OWN,
    TOO_MANY_HOLDS,
    TOO_MUCH_HELD,
)
from protocol.wire import build_event_batch, parse_ack, terminal_topic
from protocol.wire_auth import AuthRequest, AuthResponse, parse_auth_response
from terminal.i18n import has_translation
from tests.integration.hq_feed import TerminalFeed
from tests.security.hostile_wire import AT, acknowledged
from tests.support.mqtt import MqttTestClient

HOSTILE = "T3"


def connected(mqtt_client_factory, broker, terminal_id: str) -> MqttTestClient:
    client = mqtt_client_factory(broker, terminal_id)
    client.connect()
    for kind in ("ack", "auth/resp"):
        client.subscribe(terminal_topic(terminal_id, kind))
    return client


def decide(client: MqttTestClient, *requests: AuthRequest) -> dict[str, AuthResponse]:
    """Ask for each hold in turn, as the request's terminal, and return HQ's answers by op_id."""
    for request in requests:
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = terminal_topic(request.terminal_id, "auth/resp")
        properties.CorrelationData = request.op_id.encode()
        client.publish(terminal_topic(request.terminal_id, "auth/req"), request.to_bytes(),
                       properties=properties)
    answers = [parse_auth_response(message.payload)
               for message in client.receive(len(requests), timeout=20)]
    return {response.op_id: response for response in answers}


def load_cards(terminal: MqttTestClient, balances: dict[str, int]) -> TerminalFeed:
    """T1 issues the cards and tops them up, paid in cash (HQ acknowledges every event)."""
    feed = TerminalFeed("T1", AT - timedelta(minutes=1))
    events = [event for card_no, principal in balances.items()
              for event in (feed.issue(card_no, f"M{card_no}"), feed.top_up(principal, 0, card_no))]
    assert acknowledged(terminal, build_event_batch("T1", events, AT)) == len(events)
    return feed


def debit(terminal_id: str, op_id: str, amount: int, card_no: str = "8800") -> AuthRequest:
    return AuthRequest(terminal_id, op_id, card_no, "stored_value", amount)


def holds_of(db, terminal_id: str) -> list:
    holds = db.holds
    return list(holds.select().where(holds.terminal_id == terminal_id).order_by(holds.id))


def test_holds_under_another_terminals_op_ids_are_refused(worker, terminal, broker,
                                                          mqtt_client_factory, caplog):
    _, db = worker
    load_cards(terminal, {"8800": 10000})  # T1's op_ids 1 and 2
    hostile = connected(mqtt_client_factory, broker, HOSTILE)
    stolen = ["T1-000003", "T1-3", "T1-4", "T1-3-1", f"{HOSTILE}-T1-3"]
    refused = decide(hostile, *(debit(HOSTILE, op_id, 10000) for op_id in stolen))
    assert {op_id: (answer.approved, answer.reason) for op_id, answer in refused.items()} == {
        op_id: (False, OP_NOT_OWN) for op_id in stolen}
    assert holds_of(db, HOSTILE) == []
    assert "terminal T3 asked a hold under op_id 'T1-000003', not its own" in caplog.text

    honest = decide(terminal, debit("T1", "T1-3", 10000))["T1-3"]
    assert (honest.approved, honest.available) == (True, 0)
    # T3's event under T1's op_id does not consume T1's hold: only T1's own sale may.
    top_up = TerminalFeed(HOSTILE, AT).top_up(500, 0, "8800")
    sneaky = dataclasses.replace(top_up, op_id="T1-3", payload={**top_up.payload, "entries": [
        {**entry, "op_id": "T1-3"} for entry in top_up.payload["entries"]]})
    hostile.publish(terminal_topic(HOSTILE, "events"), build_event_batch(HOSTILE, [sneaky], AT))
    assert [parse_ack(m.payload) for m in hostile.receive(1, timeout=10)] == [1]
    (hold,) = holds_of(db, "T1")
    assert (hold.op_id, hold.state, hold.amount) == ("T1-3", "active", 10000)
    # Reconciled: whatever HQ made of T3's top-up, T1's hold still reserves its 10000.
    assert available(db, "8800", "stored_value", "", AT) == stored_value(db, "8800") - 10000
    assert not decide(terminal, debit("T1", "T1-4", 10001))["T1-4"].approved  # HQ alive


def test_a_terminal_flooding_holds_is_refused_beyond_its_bounds(worker, terminal, broker,
                                                                mqtt_client_factory):
    _, db = worker
    big = DEFAULT_MAX_HELD_FEN + 1_000_000
    load_cards(terminal, {"8800": 10000, "8801": big})  # T1's op_ids 1 to 4
    hostile = connected(mqtt_client_factory, broker, HOSTILE)

    room = DEFAULT_MAX_ACTIVE_HOLDS - 1  # fen left under the total after the first hold
    first = decide(hostile, debit(HOSTILE, "T3-1", DEFAULT_MAX_HELD_FEN - room, "8801"),
                   debit(HOSTILE, "T3-2", room + 1))
    assert [(first[op].approved, first[op].reason) for op in ("T3-1", "T3-2")] == [
        (True, ""), (False, TOO_MUCH_HELD)]
    more = [debit(HOSTILE, f"T3-{n}", 1) for n in range(3, DEFAULT_MAX_ACTIVE_HOLDS + 8)]
    flood = decide(hostile, *more)
    approved = [op_id for op_id, answer in flood.items() if answer.approved]
    assert len(approved) == room
    assert {answer.reason for answer in flood.values() if not answer.approved} == {
        TOO_MANY_HOLDS}

    held = holds_of(db, HOSTILE)  # refusals are not stored: a flood leaves no rows
    assert len(held) == DEFAULT_MAX_ACTIVE_HOLDS
    assert sum(hold.amount for hold in held) == DEFAULT_MAX_HELD_FEN
    # The honest terminal can still debit everything T3 has not reserved.
    honest = decide(terminal, debit("T1", "T1-5", 10000 - room),
                    debit("T1", "T1-6", big - DEFAULT_MAX_HELD_FEN + room, "8801"))
    assert [(honest[op].approved, honest[op].available) for op in ("T1-5", "T1-6")] == [
        (True, 0), (True, 0)]
    assert (stored_value(db, "8800"), stored_value(db, "8801")) == (10000, big)

    # Past the hold time, T3's holds count for nothing, toward the card and toward T3.
    later = AT + timedelta(seconds=DEFAULT_HOLD_SECONDS + 1)
    assert available(db, "8800", "stored_value", "", later) == 10000
    again = Authority(db).authorise(debit(HOSTILE, "T3-99", 1), later)
    assert again.approved


def test_the_refusals_have_both_translations():
    for key in (OP_NOT_OWN, TOO_MANY_HOLDS, TOO_MUCH_HELD):
        assert has_translation(key, "zh_CN") and has_translation(key, "en"), key
