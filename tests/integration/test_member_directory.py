"""The member directory and member PINs end to end: a terminal's real store and SyncClient, a
real Mosquitto broker with per-terminal ACLs, a real HQ worker on SQLite and PostgreSQL.
Enrolment registers the member through the outbox; HqDirectory looks members up and checks PINs
at HQ; offline it answers None; and no PIN ever shows in a log, a dead letter, HQ's tables or
the bytes on the wire."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from huiyuan_devices.keypad.base import Pin
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from harness.fleet_terminal import SimulatedTerminal
from hq.db import HqDatabase
from hq.service import HqWorker
from membership import card_service
from membership import counter_operations as counter
from membership.birthdays import Birthday, Calendar
from membership.errors import DomainError
from membership.profiles import ProfileDetails
from membership.tenders import Tender, TenderKind
from protocol.wire import terminal_topic
from protocol.wire_members import LookupRequest, parse_lookup_response
from protocol.wire_pins import PIN_KEY_TOPIC, parse_pin_key
from terminal.cashier.ports import CardRef, PinCheck, PinCheckOutcome
from terminal.demo import store as demo
from terminal.sync.directory import HqDirectory
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

FIRST_CARD, SECOND_CARD = "T1-C0001", "T1-C0002"
UID = "04A1B2C3D4E5F6"
PHONE = "13800138000"
# Six digits no timestamp, card number or amount in these tests contains. By name in the
# tests: a failing assertion then shows a name or Pin(<6 digits>), never digits.
PINS = {"first": "735194", "second": "602837", "wrong": "918273"}
FIRST, SECOND, WRONG = "first", "second", "wrong"
NOT_AUTHORIZED = 0x87


def pin(name: str) -> Pin:
    return Pin(bytearray(PINS[name].encode()))


def running_hq(broker, url: str, tmp_path: Path) -> Iterator[tuple[HqWorker, HqDatabase]]:
    with running_hq_worker(broker, url, tmp_path / "hq") as running:
        yield running


@pytest.fixture
def hq(broker, hq_database_url: str, tmp_path: Path) -> Iterator[tuple[HqWorker, HqDatabase]]:
    """On SQLite and on PostgreSQL: for the tests whose outcome HQ's storage decides."""
    yield from running_hq(broker, hq_database_url, tmp_path)


@pytest.fixture
def hq_on_sqlite(broker, tmp_path: Path) -> Iterator[tuple[HqWorker, HqDatabase]]:
    """For the tests of the broker, the transport and the terminal's time-outs."""
    yield from running_hq(broker, f"sqlite:///{tmp_path / 'hq.sqlite3'}", tmp_path)


def running_terminal(broker, tmp_path: Path) -> Iterator[SimulatedTerminal]:
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port,
                                  directory_timeout_s=5.0)
    terminal = SimulatedTerminal.open("T1", tmp_path, settings, seed=1)
    terminal.sync.start()
    assert terminal.sync.online.wait(10)
    yield terminal
    terminal.close()


@pytest.fixture
def terminal(broker, hq, tmp_path: Path) -> Iterator[SimulatedTerminal]:
    yield from running_terminal(broker, tmp_path)


@pytest.fixture
def terminal_on_sqlite(broker, hq_on_sqlite, tmp_path: Path) -> Iterator[SimulatedTerminal]:
    yield from running_terminal(broker, tmp_path)


def enrol(terminal: SimulatedTerminal, card_no: str, uid: str = "") -> None:
    """开卡 with a profile, as the cashier does: committed locally, then through the outbox."""
    decision = card_service.enrol(
        terminal.next_operation(), card_no, "M-0001", "张三", demo.GOLD_CARD,
        [Tender(TenderKind.CASH, 2000)], level="NORMAL",
        profile=ProfileDetails(PHONE, Birthday(Calendar.LUNAR, 8, 15)), uid=uid)
    terminal.store.commit_counter(decision)
    terminal.cards[card_no] = decision.cards[0]
    terminal.sync.notify()


def synced(db: HqDatabase, terminal: SimulatedTerminal) -> None:
    wait_for(lambda: terminal.store.outbox_depth() == 0, what="HQ to acknowledge the outbox")


def test_a_member_enrolled_here_is_found_at_hq_by_card_uid_and_phone(
        hq, terminal: SimulatedTerminal) -> None:
    _, db = hq
    enrol(terminal, FIRST_CARD, uid=UID)
    enrol(terminal, SECOND_CARD)
    terminal.store.commit_counter(counter.top_up(
        terminal.next_operation(), terminal.member(FIRST_CARD), 10000,
        [Tender(TenderKind.CASH, 10000)]))
    terminal.sync.notify()
    synced(db, terminal)
    directory = HqDirectory(terminal.sync)
    record = directory.lookup_card(CardRef(card_no=FIRST_CARD))
    assert record is not None
    assert (record.profile.name, record.profile.phone, record.profile.birthday) == (
        "张三", PHONE, Birthday(Calendar.LUNAR, 8, 15))
    assert record.card == terminal.cards[FIRST_CARD]
    assert record.balances == terminal.store.card_balances(FIRST_CARD)
    assert (record.uid, record.other_cards) == (UID, (SECOND_CARD,))
    by_uid = directory.lookup_card(CardRef(uid=UID.lower()))
    assert by_uid is not None and by_uid.card.card_no == FIRST_CARD
    by_phone = directory.lookup_phone("138 0013 8000")
    assert by_phone is not None
    assert sorted(found.card.card_no for found in by_phone) == [FIRST_CARD, SECOND_CARD]
    with pytest.raises(DomainError) as unknown_card:
        directory.lookup_card(CardRef(card_no="T1-C9999"))
    assert unknown_card.value.key == "card.unknown"
    assert directory.lookup_phone("13900000000") == ()  # HQ: member.unknown


def test_member_pins_are_set_checked_locked_and_changed_at_hq(
        hq, terminal: SimulatedTerminal) -> None:
    directory = HqDirectory(terminal.sync)
    assert directory.verify_pin(FIRST_CARD, pin(FIRST)) == PinCheck(PinCheckOutcome.NOT_SET)
    assert directory.set_pin(FIRST_CARD, pin(FIRST)) == PinCheck(PinCheckOutcome.ACCEPTED, 3)
    with pytest.raises(DomainError) as already:
        directory.set_pin(FIRST_CARD, pin(SECOND))
    assert already.value.key == "pin.already_set"
    assert directory.set_pin(FIRST_CARD, pin(SECOND), old_pin=pin(WRONG)) == PinCheck(
        PinCheckOutcome.WRONG, 2)
    assert directory.set_pin(FIRST_CARD, pin(SECOND), old_pin=pin(FIRST)) == PinCheck(
        PinCheckOutcome.ACCEPTED, 3)
    assert directory.verify_pin(FIRST_CARD, pin(SECOND)) == PinCheck(PinCheckOutcome.ACCEPTED, 3)
    outcomes = [directory.verify_pin(FIRST_CARD, pin(WRONG)) for _ in range(3)]
    assert outcomes == [PinCheck(PinCheckOutcome.WRONG, 2), PinCheck(PinCheckOutcome.WRONG, 1),
                        PinCheck(PinCheckOutcome.LOCKED)]
    assert directory.verify_pin(FIRST_CARD, pin(SECOND)) == PinCheck(PinCheckOutcome.LOCKED)


def test_offline_the_directory_answers_none(broker, hq_on_sqlite,
                                           terminal_on_sqlite: SimulatedTerminal) -> None:
    terminal = terminal_on_sqlite
    directory = HqDirectory(terminal.sync, timeout_s=2.0)
    assert directory.set_pin(FIRST_CARD, pin(FIRST)) is not None  # online: answered
    broker.stop()
    # Whether or not the terminal has noticed yet, no answer comes: None within the time-out.
    assert directory.lookup_card(CardRef(card_no=FIRST_CARD)) is None
    wait_for(lambda: not terminal.sync.online.is_set(), what="the terminal to go offline")
    assert directory.lookup_card(CardRef(card_no=FIRST_CARD)) is None
    assert directory.lookup_phone(PHONE) is None
    assert directory.verify_pin(FIRST_CARD, pin(FIRST)) is None
    assert directory.set_pin(FIRST_CARD, pin(SECOND), old_pin=pin(FIRST)) is None


def test_no_pin_shows_in_logs_dead_letters_tables_or_on_the_wire(
        broker, hq, terminal: SimulatedTerminal, mqtt_client_factory, caplog) -> None:
    _, db = hq
    caplog.set_level(logging.DEBUG)  # peewee then logs every statement with its parameters
    spy = mqtt_client_factory(broker, "hq", client_id="pin-spy")
    spy.connect()
    for kind in ("pin/req", "pin/resp"):
        spy.subscribe(terminal_topic("T1", kind))
    directory = HqDirectory(terminal.sync)
    enrol(terminal, FIRST_CARD)
    directory.set_pin(FIRST_CARD, pin(FIRST))
    directory.verify_pin(FIRST_CARD, pin(WRONG))
    directory.verify_pin(FIRST_CARD, pin(FIRST))
    directory.set_pin(FIRST_CARD, pin(SECOND), old_pin=pin(FIRST))
    flows = spy.receive(8)  # each request and its answer
    moved = _moved_to_another_card(flows[-2].payload)
    # T1's own credentials allow only T1's client id: the tamperer takes T1's connection over
    # for one message and leaves, and the terminal reconnects by itself.
    tamperer = mqtt_client_factory(broker, "T1")
    tamperer.connect()
    tamperer.publish(terminal_topic("T1", "pin/req"), moved)
    tamperer.disconnect()
    wait_for(lambda: db.dead_letters.select().count() == 1, what="the moved PIN's dead letter")
    synced(db, terminal)

    wire = [message.payload for message in flows + spy.receive_all(quiet_for=0.3)] + [moved]
    logs = [_log_text(record) for record in caplog.records]
    tables = _table_texts(db)
    assert any("pin/req" in text for text in logs)  # the checks below do look somewhere
    assert any(row.verifier in text for row in db.member_pins.select() for text in tables)
    assert sum(b'"sealed"' in payload for payload in wire) == 6  # the moved one twice
    # Counted, never shown: a failure message must not print a PIN either.
    for digits in PINS.values():
        assert sum(digits in text for text in logs) == 0, "a PIN in a log record"
        assert sum(digits in text for text in tables) == 0, "a PIN in HQ's database"
        assert sum(digits.encode() in payload for payload in wire) == 0, "a PIN on the wire"


def _moved_to_another_card(payload: bytes) -> bytes:
    message = json.loads(payload)
    assert message["purpose"] == "change"
    message["card_no"] = SECOND_CARD
    return json.dumps(message).encode()


def _log_text(record: logging.LogRecord) -> str:
    return " ".join((record.getMessage(), repr(record.args), record.exc_text or ""))


def _table_texts(db: HqDatabase) -> list[str]:
    """Every value of every row of every HQ table, as text (bytes decoded as Latin-1, so every
    byte is kept)."""
    texts = []
    for table in db.tables:
        cursor = db.database.execute_sql(f'SELECT * FROM "{table._meta.table_name}"')
        for row in cursor.fetchall():
            for value in row:
                if isinstance(value, memoryview | bytes):
                    texts.append(bytes(value).decode("latin-1"))
                else:
                    texts.append(str(value))
    return texts


def test_terminals_reach_only_their_own_directory_topics_and_read_hqs_key(
        broker, hq_on_sqlite, mqtt_client_factory) -> None:
    worker, _ = hq_on_sqlite
    t1 = mqtt_client_factory(broker, "T1")
    t1.connect()
    assert t1.publish(terminal_topic("T2", "lookup/req"), b"{}").value == NOT_AUTHORIZED
    assert t1.publish(terminal_topic("T2", "pin/req"), b"{}").value == NOT_AUTHORIZED
    assert t1.publish(PIN_KEY_TOPIC, b"{}").value == NOT_AUTHORIZED
    assert t1.subscribe(terminal_topic("T2", "pin/resp")).value == NOT_AUTHORIZED
    assert not t1.subscribe(PIN_KEY_TOPIC).is_failure
    (retained,) = t1.receive(1)
    assert parse_pin_key(retained.payload).key_id == worker.pins.secrets.key_id


def test_hq_answers_only_on_the_requesting_terminals_own_response_topic(
        broker, hq_on_sqlite, mqtt_client_factory) -> None:
    spy = mqtt_client_factory(broker, "hq", client_id="resp-spy")
    spy.connect()
    spy.subscribe("hy/v1/t/+/lookup/resp")
    t1 = mqtt_client_factory(broker, "T1")
    t1.connect()
    request = LookupRequest("T1", card_no=FIRST_CARD).to_bytes()
    for response_topic in (terminal_topic("T2", "lookup/resp"),
                           terminal_topic("T1", "lookup/resp")):
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = response_topic
        properties.CorrelationData = response_topic.encode()
        t1.publish(terminal_topic("T1", "lookup/req"), request, properties=properties)
    (answer,) = spy.receive(1)
    assert answer.topic == terminal_topic("T1", "lookup/resp")
    assert parse_lookup_response(answer.payload).reason == "card.unknown"
    assert spy.receive_all(quiet_for=0.3) == []
