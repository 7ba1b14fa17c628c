"""PIN exposure bounded (issue 10, point 7): a hostile terminal speaking MQTT 5 with its own
account to a real Mosquitto and a running HQ worker (SQLite and PostgreSQL) cannot collect the
offline PIN verifiers of the chain's cards by lookup, cannot lock every card of the chain with
wrong PINs, and its earlier-scheme seals are refused; HQ stays up and an honest terminal is
served throughout."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from huiyuan_devices.keypad.base import Pin
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hq.db import HqDatabase
from hq.service import HqWorker
from hq.terminal_limits import FAILED_CARDS_PER_DAY, LOOKUPS_PER_MINUTE, VERIFIERS_PER_HOUR
from membership.pin_hash import OFFLINE_COST, ONLINE_COST, make_verifier
from protocol.pin_sealing import seal_pin_request
from protocol.wire import terminal_topic
from protocol.wire_members import RATE_LIMITED, LookupRequest, parse_lookup_response
from protocol.wire_pins import PinResponse, parse_pin_response
from tests.support.hq_worker import running_hq_worker
from tests.support.mqtt import MqttTestClient
from tests.support.waiting import wait_for

START = datetime(2026, 11, 23, 10, 0)
HOSTILE, HONEST = "T3", "T1"
CARDS = [f"88000000000001{n:02d}" for n in range(FAILED_CARDS_PER_DAY + 2)]
# PINs by name: a failing assertion then shows a name, never digits.
PINS = {"right": "735194", "wrong": "918273"}


class Clock:
    """HQ's clock, moved on by the test (the lookup allowances are per minute and per hour)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hq_running(broker, hq_database_url, tmp_path, clock) -> Iterator[tuple[HqWorker, HqDatabase]]:
    """HQ with the cards of CARDS, each with a PIN (verifiers written as HQ would)."""
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=clock) as (
            worker, db):
        pepper = worker.pins.secrets.pepper
        verifiers = {"verifier": make_verifier(PINS["right"], ONLINE_COST, pepper),
                     "offline_verifier": make_verifier(PINS["right"], OFFLINE_COST)}
        for card_no in CARDS:
            db.cards.insert(card_no=card_no, member_id=f"M{card_no[-2:]}", type_code="VIP",
                            issued_on=date(2026, 1, 5)).execute()
            db.member_pins.insert(card_no=card_no, failures=0, locked=False, updated_at=START,
                                  **verifiers).execute()
        yield worker, db


def terminal(broker, mqtt_client_factory, terminal_id: str) -> MqttTestClient:
    client = mqtt_client_factory(broker, terminal_id)
    client.connect()
    for kind in ("lookup/resp", "pin/resp"):
        client.subscribe(terminal_topic(terminal_id, kind))
    return client


def ask(client: MqttTestClient, terminal_id: str, kind: str, payload: bytes) -> bytes:
    """One MQTT 5 request and HQ's answer to it."""
    properties = Properties(PacketTypes.PUBLISH)
    properties.ResponseTopic = terminal_topic(terminal_id, f"{kind}/resp")
    correlation = os.urandom(16)
    properties.CorrelationData = correlation
    client.publish(terminal_topic(terminal_id, f"{kind}/req"), payload, properties=properties)
    (message,) = client.receive(1, timeout=10)
    assert message.properties.CorrelationData == correlation
    return bytes(message.payload)


def lookup(client: MqttTestClient, card_no: str, presented: bool) -> tuple[str, str]:
    """(reason, offline verifier) of HQ's answer to a hostile lookup by card number."""
    answer = parse_lookup_response(ask(client, HOSTILE, "lookup", LookupRequest(
        HOSTILE, card_no=card_no, presented=presented).to_bytes()))
    return answer.reason, answer.records[0].offline_pin_verifier if answer.records else ""


def check_pin(client: MqttTestClient, worker: HqWorker, terminal_id: str, card_no: str,
              name: str, now: datetime) -> PinResponse:
    request = seal_pin_request(worker.pins.secrets.pin_key(now), terminal_id, card_no, "verify",
                               Pin(bytearray(PINS[name].encode())), None, now)
    return parse_pin_response(ask(client, terminal_id, "pin", request.to_bytes()))


def test_verifiers_go_only_with_cards_presented_and_at_a_bounded_rate(
        broker, mqtt_client_factory, hq_running, clock) -> None:
    worker, _ = hq_running
    hostile = terminal(broker, mqtt_client_factory, HOSTILE)
    # Before: every lookup by number carried the verifier (a 4-digit PIN falls offline).
    typed = [lookup(hostile, card_no, presented=False) for card_no in CARDS]
    assert typed == [("", "")] * len(CARDS)
    phone = parse_lookup_response(ask(hostile, HOSTILE, "lookup", LookupRequest(
        HOSTILE, phone="13800138000").to_bytes()))
    assert all(record.offline_pin_verifier == "" for record in phone.records)
    # Claiming every card presented: LOOKUPS_PER_MINUTE answered, then refused.
    clock.now += timedelta(minutes=2)
    verifiers, refused = 0, 0
    for _burst in range(VERIFIERS_PER_HOUR // LOOKUPS_PER_MINUTE + 1):
        clock.now += timedelta(minutes=2)
        for n in range(LOOKUPS_PER_MINUTE + 1):
            reason, verifier = lookup(hostile, CARDS[n % len(CARDS)], presented=True)
            verifiers += bool(verifier)
            refused += reason == RATE_LIMITED
    assert verifiers == VERIFIERS_PER_HOUR  # within the hour, whatever the terminal claims
    assert refused == VERIFIERS_PER_HOUR // LOOKUPS_PER_MINUTE + 1  # one per burst
    # The honest terminal is served, verifier included, by the same worker.
    honest = terminal(broker, mqtt_client_factory, HONEST)
    answer = parse_lookup_response(ask(honest, HONEST, "lookup", LookupRequest(
        HONEST, card_no=CARDS[0], presented=True).to_bytes()))
    assert answer.records[0].offline_pin_verifier.startswith("scrypt$12$")
    assert worker.connected.is_set()


def test_one_terminal_cannot_lock_every_card_of_the_chain(
        broker, mqtt_client_factory, hq_running, clock) -> None:
    worker, db = hq_running
    hostile = terminal(broker, mqtt_client_factory, HOSTILE)
    answers = [check_pin(hostile, worker, HOSTILE, card_no, "wrong", clock.now).outcome
               for card_no in CARDS for _ in range(3)]
    locked = FAILED_CARDS_PER_DAY
    assert answers == ["wrong", "wrong", "locked"] * locked + ["refused"] * 3 * (
        len(CARDS) - locked)
    pins = db.member_pins
    assert [row.locked for row in pins.select().order_by(pins.card_no)] == (
        [True] * locked + [False] * (len(CARDS) - locked))
    assert all(row.failures == 0 for row in pins.select().where(pins.card_no.in_(CARDS[locked:])))
    honest = terminal(broker, mqtt_client_factory, HONEST)
    assert check_pin(honest, worker, HONEST, CARDS[-1], "right", clock.now).outcome == "accepted"
    refusal = check_pin(hostile, worker, HOSTILE, CARDS[-1], "right", clock.now)
    assert refusal == PinResponse("refused", 0, "pin.terminal_limited")
    assert worker.connected.is_set()


def test_a_seal_of_the_earlier_scheme_is_refused_with_a_dead_letter(
        broker, mqtt_client_factory, hq_running, clock) -> None:
    worker, db = hq_running
    hostile = terminal(broker, mqtt_client_factory, HOSTILE)
    request = seal_pin_request(worker.pins.secrets.pin_key(clock.now), HOSTILE, CARDS[0],
                               "verify", Pin(bytearray(PINS["wrong"].encode())), None, clock.now)
    message = json.loads(request.to_bytes())
    del message["algorithm"]  # as a terminal of the earlier scheme sends it
    answer = parse_pin_response(ask(hostile, HOSTILE, "pin", json.dumps(message).encode()))
    assert answer == PinResponse("refused", 0, "pin.algorithm")
    wait_for(lambda: db.dead_letters.select().count() == 1, what="the dead letter")
    (letter,) = db.dead_letters.select()
    assert letter.reason == "pin_algorithm"
    assert db.member_pins.get_by_id(CARDS[0]).failures == 0
