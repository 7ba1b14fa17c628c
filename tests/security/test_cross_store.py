"""Cross-store rules at ingest (issue 10, points 2 and 3): store BJ002's terminal T2 may spend a
card store SH001 issued (通用卡), and its offline debit far above the offline limits is applied
and flagged; it may report the card lost; but its replacement, re-issue, cancellation,
extension and rewrite of the member's profile are quarantined, and its first PIN for the card is
refused. A far-future profile rewrite or status change loses to the true later one. A real HQ
worker on a real broker, SQLite and PostgreSQL; each test ends in a reconciliation."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import pytest
from huiyuan_devices.keypad.base import Pin
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hq.balances import stored_value
from hq.cli import main as hq_main
from hq.db import HqDatabase
from membership.offline_excess import OFFLINE_LIMIT_CARD, OFFLINE_LIMIT_TERMINAL
from membership.store_rules import (
    NOT_OWN_STORE,
    PARENT_NOT_OWN_STORE,
    PIN_NOT_OWN_STORE,
    PROFILE_NOT_OWN_STORE,
    REISSUE_NOT_OWN_STORE,
    REPLACE_NOT_OWN_STORE,
)
from protocol.pin_sealing import seal_pin_request
from protocol.wire import WireEvent, build_event_batch, terminal_topic
from protocol.wire_pins import PinResponse, parse_pin_response
from tests.integration.hq_feed import TerminalFeed, publish_feed_documents
from tests.security.hostile_wire import AT
from tests.support.mqtt import MqttTestClient

HOME, OTHER = "T1", "T2"  # of store SH001 (which issues CARD) and of store BJ002
STORES = {HOME: "SH001", OTHER: "BJ002"}
CARD, OTHERS_CARD = "8800000000000001", "8800000000000901"
PROFILE = {"member_id": "M1", "name": "张三", "phone": "13800138000", "birthday": ""}


@pytest.fixture
def terminals(worker, broker, mqtt_client_factory, hq_database_url, monkeypatch, capsys):
    """T1 and T2 registered with their stores (`hq terminal add`) and connected."""
    monkeypatch.setenv("HQ_DATABASE_URL", hq_database_url)
    for terminal_id, store in STORES.items():
        assert hq_main(["terminal", "add", terminal_id, "--store", store]) == 0
    capsys.readouterr()
    clients = {}
    for terminal_id in STORES:
        client = mqtt_client_factory(broker, terminal_id)
        client.connect()
        for kind in ("ack", "pin/resp"):
            client.subscribe(terminal_topic(terminal_id, kind))
        clients[terminal_id] = client
    return clients


def event(terminal_id: str, seq: int, event_type: str, payload: dict[str, Any],
          entries: tuple[dict[str, Any], ...] = (), at=AT) -> WireEvent:
    op_id = f"{terminal_id}-{seq}"
    lines = [{"op_id": op_id, "at": at.isoformat(), **entry} for entry in entries]
    return WireEvent(seq, op_id, event_type, at, {**payload, "entries": lines})


def issue(terminal_id: str, seq: int, card_no: str, member_id: str) -> WireEvent:
    return event(terminal_id, seq, "card.issued", {
        "card_no": card_no, "member_id": member_id, "type_code": "VIP", "level": "",
        "tenders": []})


def top_up(terminal_id: str, seq: int, card_no: str, amount: int) -> WireEvent:
    return event(terminal_id, seq, "card.topped_up", {
        "card_no": card_no, "paid": amount, "bonus": 0,
        "tenders": [{"kind": "cash", "amount": amount, "reference": ""}]},
        ({"card_no": card_no, "account": "principal", "delta": amount, "kind": "topup"},))


def withdrawal(terminal_id: str, seq: int, amount: int) -> WireEvent:
    """取款 of principal from CARD: money leaves the card, as a sale's stored value does."""
    return event(terminal_id, seq, "card.withdrawn", {"card_no": CARD, "amount": amount},
                 ({"card_no": CARD, "account": "principal", "delta": -amount,
                   "kind": "withdraw"},))


def registration(terminal_id: str, seq: int, at=AT, **changes: str) -> WireEvent:
    return event(terminal_id, seq, "member.registered", {**PROFILE, **changes}, at=at)


def acknowledged(client: MqttTestClient, terminal_id: str, events: list[WireEvent]
                 ) -> dict[str, Any]:
    client.publish(terminal_topic(terminal_id, "events"),
                   build_event_batch(terminal_id, events, AT))
    (ack,) = [m for m in client.receive(1, timeout=10)
              if m.topic == terminal_topic(terminal_id, "ack")]
    return json.loads(ack.payload)


def enrolled(terminals, db: HqDatabase, principal: int) -> None:
    """SH001 enrols member M1 with CARD and tops it up."""
    ack = acknowledged(terminals[HOME], HOME, [
        issue(HOME, 1, CARD, "M1"), registration(HOME, 2), top_up(HOME, 3, CARD, principal)])
    assert (ack["watermark"], ack.get("quarantined")) == (3, None)
    assert db.cards.get_by_id(CARD).issued_store_id == "SH001"
    assert db.members.get_by_id("M1").store_id == "SH001"


def test_another_store_spends_the_card_and_beyond_the_offline_limits_it_is_flagged(
        worker, terminals, capsys) -> None:
    _, db = worker
    publish_feed_documents(db)  # what the sale is priced with, for HQ to decide it again
    enrolled(terminals, db, 1_000_000)
    # BJ002's terminal sells ¥5,000 from the card offline (no hold), then pays ¥10 out: the
    # limits are ¥200 a card and ¥2,000 a terminal.
    sale = TerminalFeed(OTHER).sale(500_000, card_no=CARD)
    ack = acknowledged(terminals[OTHER], OTHER, [sale, withdrawal(OTHER, 2, 1_000)])
    assert (ack["watermark"], ack.get("quarantined")) == (2, None)  # spent: applied
    assert stored_value(db, CARD) == 1_000_000 - 501_000
    flags = {(row.reason, row.terminal_id, row.seq, row.amount_over)
             for row in db.overdrafts.select()}
    assert flags == {(OFFLINE_LIMIT_CARD, OTHER, 2, 481_000),
                     (OFFLINE_LIMIT_TERMINAL, OTHER, 2, 301_000)}
    # A spend within the limits at the issuing store is not flagged; HQ is alive.
    ack = acknowledged(terminals[HOME], HOME, [withdrawal(HOME, 4, 10_000)])
    assert ack["watermark"] == 4 and db.overdrafts.select().count() == 2
    assert db.quarantined_events.select().count() == 0
    assert hq_main(["overdrafts", "list", "--terminal", OTHER]) == 0
    listed = sorted(line.split("\t")[6:] for line in capsys.readouterr().out.splitlines())
    assert listed == [[OFFLINE_LIMIT_CARD, "over 481000"],
                      [OFFLINE_LIMIT_TERMINAL, "over 301000"]]
    assert worker[0].connected.is_set()


def test_another_stores_card_services_and_profile_rewrite_are_quarantined(
        worker, terminals, capsys) -> None:
    _, db = worker
    enrolled(terminals, db, 100_000)
    moved = ({"card_no": CARD, "account": "principal", "delta": -100_000,
              "kind": "transfer_out"},
             {"card_no": OTHERS_CARD, "account": "principal", "delta": 100_000,
              "kind": "transfer_in"})
    hostile = [
        event(OTHER, 1, "card.replaced", {"old_card_no": CARD, "new_card_no": OTHERS_CARD},
              moved),
        issue(OTHER, 2, CARD, "M-BJ"),
        event(OTHER, 3, "card.cancelled", {"card_no": CARD}, (
            {"card_no": CARD, "account": "principal", "delta": -100_000,
             "kind": "cancel_refund"},)),
        event(OTHER, 4, "card.extended", {"card_no": CARD, "expires_on": "2099-12-31",
                                          "tenders": []}),
        registration(OTHER, 5, at=AT + timedelta(days=3650), name="李四",
                     phone="13900000000"),
        event(OTHER, 6, "card.lost", {"card_no": CARD}),  # a loss is reported anywhere
        issue(OTHER, 7, "8800000000000777", "M-BJ7"),  # its own new card
        event(OTHER, 8, "card.issued", {  # a subsidiary card spending SH001's card
            "card_no": "8800000000000778", "member_id": "M-BJ7", "type_code": "VIP",
            "level": "", "parent_card_no": CARD, "quota": 100_000, "tenders": []}),
    ]
    ack = acknowledged(terminals[OTHER], OTHER, hostile)
    assert ack["watermark"] == 8  # stored, never asked for again
    assert ack["quarantined"] == [
        {"seq": 1, "reason": REPLACE_NOT_OWN_STORE}, {"seq": 2, "reason": REISSUE_NOT_OWN_STORE},
        {"seq": 3, "reason": NOT_OWN_STORE}, {"seq": 4, "reason": NOT_OWN_STORE},
        {"seq": 5, "reason": PROFILE_NOT_OWN_STORE}, {"seq": 8, "reason": PARENT_NOT_OWN_STORE}]
    card = db.cards.get_by_id(CARD)
    assert (card.member_id, card.status, card.replaced_by, card.expires_on) == (
        "M1", "lost", "", None)
    assert stored_value(db, CARD) == 100_000 and stored_value(db, OTHERS_CARD) == 0
    member = db.members.get_by_id("M1")
    assert (member.name, member.phone) == (PROFILE["name"], PROFILE["phone"])
    assert db.cards.get_by_id("8800000000000777").issued_store_id == "BJ002"
    assert db.cards.get_or_none(db.cards.parent_card_no == CARD) is None
    # The issuing store lifts the loss and extends the card: its services are its own.
    ack = acknowledged(terminals[HOME], HOME, [
        event(HOME, 4, "card.found", {"card_no": CARD}),
        event(HOME, 5, "card.extended", {"card_no": CARD, "expires_on": "2027-12-31",
                                         "tenders": []})])
    assert (ack["watermark"], ack.get("quarantined")) == (5, None)
    assert db.cards.get_by_id(CARD).status == "active"
    assert hq_main(["quarantine", "list", "--terminal", OTHER]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 6
    assert worker[0].connected.is_set()


def test_a_far_future_profile_rewrite_and_status_change_lose_to_the_true_update(
        worker, terminals) -> None:
    """HQ's clock reads AT; a change dated ten years ahead counts as made at AT."""
    _, db = worker
    enrolled(terminals, db, 10_000)
    ahead = AT + timedelta(days=3650)
    ack = acknowledged(terminals[HOME], HOME, [
        registration(HOME, 4, at=ahead, name="冒名", phone="13999999999"),
        event(HOME, 5, "card.frozen", {"card_no": CARD}, at=ahead)])
    assert (ack["watermark"], ack.get("quarantined")) == (5, None)  # not quarantined
    assert db.members.get_by_id("M1").name == "冒名"
    later = AT + timedelta(minutes=1)
    ack = acknowledged(terminals[HOME], HOME, [
        registration(HOME, 6, at=later, name="张三丰"),
        event(HOME, 7, "card.unfrozen", {"card_no": CARD}, at=later)])
    assert ack["watermark"] == 7
    member = db.members.get_by_id("M1")
    assert (member.name, member.phone) == ("张三丰", PROFILE["phone"])
    assert db.cards.get_by_id(CARD).status == "active"
    assert db.quarantined_events.select().count() == 0
    assert worker[0].connected.is_set()


def first_pin(client: MqttTestClient, worker, terminal_id: str) -> PinResponse:
    request = seal_pin_request(worker.pins.secrets.pin_key(AT), terminal_id, CARD, "set",
                               Pin(bytearray(b"735194")), None, AT)
    properties = Properties(PacketTypes.PUBLISH)
    properties.ResponseTopic = terminal_topic(terminal_id, "pin/resp")
    properties.CorrelationData = os.urandom(16)
    client.publish(terminal_topic(terminal_id, "pin/req"), request.to_bytes(),
                   properties=properties)
    (message,) = client.receive(1, timeout=10)
    return parse_pin_response(message.payload)


def test_only_the_issuing_store_sets_a_cards_first_pin(worker, terminals, caplog) -> None:
    hq_worker, db = worker
    enrolled(terminals, db, 10_000)
    assert first_pin(terminals[OTHER], hq_worker, OTHER) == PinResponse(
        "refused", 0, PIN_NOT_OWN_STORE)
    assert db.member_pins.select().count() == 0
    assert "refused the first PIN of card" in caplog.text
    assert first_pin(terminals[HOME], hq_worker, HOME).outcome == "accepted"
    assert db.member_pins.select().count() == 1
    assert hq_worker.connected.is_set()
