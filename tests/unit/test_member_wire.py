"""Member profiles through enrolment and the `member.registered` event, and the member lookup's
messages: what a terminal asks, what HQ answers (Card and CardBalances with every lot)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from membership import card_service
from membership.birthdays import Birthday, Calendar
from membership.cards import Card, CardStatus
from membership.events import DomainEvent
from membership.ledger import CardBalances, Lot
from membership.profiles import ProfileDetails, normalise_phone, normalise_uid
from membership.tenders import Tender, TenderKind
from protocol.wire import WireError, WireEvent, build_event_batch, parse_event_batch
from protocol.wire_members import (
    LookupRecord,
    LookupRequest,
    LookupResponse,
    ProfileRecord,
    balances_from_json,
    balances_to_json,
    card_from_json,
    card_to_json,
    parse_lookup_request,
    parse_lookup_response,
)
from tests.support.card_service_world import GOLD, OLD_NO, op, raises_key

AT = datetime(2026, 11, 23, 10, 0)
LUNAR = Birthday(Calendar.LUNAR, 6, 10, leap_month=True, year=1987)
LOOKUP_TOPIC = "hy/v1/t/T1/lookup/req"
PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def reason_of(call) -> str:
    with pytest.raises(WireError) as caught:
        call()
    return caught.value.reason


def through_the_wire(events: tuple[DomainEvent, ...]) -> list[WireEvent]:
    wire = [WireEvent(seq, event.op_id, event.type, event.at, event.payload)
            for seq, event in enumerate(events, start=1)]
    return list(parse_event_batch("hy/v1/t/T1/events", build_event_batch("T1", wire, AT)).events)


# --- enrolment ---------------------------------------------------------------------------------

def test_enrolment_with_a_profile_registers_the_member_after_issuing_the_card():
    decision = card_service.enrol(
        op(1), OLD_NO, "M001", "张三", GOLD, [Tender(TenderKind.CASH, 2000)],
        profile=ProfileDetails(phone="138 0013-8000", birthday=LUNAR), uid="04:a1:b2:c3")
    issued, registered = through_the_wire(decision.events)
    assert (issued.type, issued.payload["uid"]) == ("card.issued", "04A1B2C3")
    assert (registered.type, registered.op_id) == ("member.registered", issued.op_id)
    assert registered.payload == {"member_id": "M001", "name": "张三", "phone": "13800138000",
                                  "birthday": "lunar:1987-leap06-10"}


def test_enrolment_without_a_profile_or_uid_is_as_before():
    decision = card_service.enrol(op(1), OLD_NO, "M001", "张三", GOLD,
                                  [Tender(TenderKind.CASH, 2000)])
    (issued,) = through_the_wire(decision.events)
    assert "uid" not in issued.payload


@pytest.mark.parametrize(("options", "key"), [
    ({"profile": ProfileDetails(phone="138-abc")}, "member.phone_invalid"),
    ({"uid": "04:zz"}, "card.uid_invalid"),
])
def test_enrolment_refuses_a_malformed_phone_or_uid(options, key):
    with raises_key(key):
        card_service.enrol(op(1), OLD_NO, "M001", "张三", GOLD,
                           [Tender(TenderKind.CASH, 2000)], **options)


def test_phone_and_uid_normalisation():
    assert normalise_phone(" 138 0013 8000 ") == "13800138000"
    assert normalise_phone("") == ""
    assert normalise_uid("04 a1 b2 c3 d4 e5 f6") == "04A1B2C3D4E5F6"


@pytest.mark.parametrize(("payload", "detail"), [
    ({"name": "张三", "phone": "", "birthday": ""}, "member_id"),
    ({"member_id": "M1", "name": "a\nb", "phone": "", "birthday": ""}, "name"),
    ({"member_id": "M1", "name": "x" * 65, "phone": "", "birthday": ""}, "name"),
    ({"member_id": "M1", "name": "", "phone": "138 0013", "birthday": ""}, "phone"),
    ({"member_id": "M1", "name": "", "phone": "", "birthday": "02-30"}, "birthday"),
    ({"member_id": "M1", "name": "", "phone": 13800138000, "birthday": ""}, "phone"),
])
def test_a_malformed_registration_is_refused_naming_the_field(payload, detail):
    batch = build_event_batch("T1", [WireEvent(1, "T1-1", "member.registered", AT, payload)], AT)
    with pytest.raises(WireError) as caught:
        parse_event_batch("hy/v1/t/T1/events", batch)
    assert (caught.value.reason, caught.value.detail) == ("invalid_field", detail)


@pytest.mark.parametrize(("event_type", "payload"), [
    ("card.issued", {"card_no": "8800", "uid": "04:a1"}),
    ("card.replaced", {"old_card_no": "8800", "new_card_no": "8801", "fee": 0, "uid": "04:a1"}),
])
def test_a_malformed_uid_on_a_card_it_binds_is_refused(event_type, payload):
    event = WireEvent(1, "T1-1", event_type, AT, payload)
    batch = build_event_batch("T1", [event], AT)
    assert reason_of(lambda: parse_event_batch("hy/v1/t/T1/events", batch)) == "invalid_field"


# --- lookup requests ---------------------------------------------------------------------------

@pytest.mark.parametrize("request_", [
    LookupRequest("T1", card_no="8800000000000001"),
    LookupRequest("T1", uid="04A1B2C3"),
    LookupRequest("T1", card_no="8800000000000001", uid="04A1B2C3"),
    LookupRequest("T1", phone="13800138000"),
])
def test_lookup_requests_round_trip(request_):
    assert parse_lookup_request(LOOKUP_TOPIC, request_.to_bytes()) == request_


@pytest.mark.parametrize(("payload", "reason"), [
    (b'{"schema":2,"terminal_id":"T1","by":"name","name":"x"}', "invalid_field"),
    (b'{"schema":2,"terminal_id":"T1","by":"card"}', "invalid_field"),
    (b'{"schema":2,"terminal_id":"T1","by":"card","uid":"04a1"}', "invalid_field"),
    (b'{"schema":2,"terminal_id":"T1","by":"phone","phone":"1380013800O"}', "invalid_field"),
    (b'{"schema":2,"terminal_id":"T2","by":"phone","phone":"13800138000"}',
     "terminal_mismatch"),
    (b'{"schema":2,"terminal_id":"T1","by":"card","card_no":"a\\u0000b"}', "invalid_field"),
    (b"[1]", "malformed_json"),
])
def test_malformed_lookup_requests_are_refused(payload, reason):
    assert reason_of(lambda: parse_lookup_request(LOOKUP_TOPIC, payload)) == reason


# --- answers: cards, balances, profiles --------------------------------------------------------

BALANCES = CardBalances(
    principal=12000, bonus=800, time_minutes=90, entry_count=9,
    points_lots=(Lot("Y2026", "", None, date(2027, 12, 31), 320, AT),
                 Lot("D2026-11-20", "", None, None, -5, AT)),
    count_lots=(Lot("T1-4:FACIAL10", "FACIAL", date(2026, 11, 1), date(2027, 10, 31), 7, AT),
                Lot("T1-2:WASH", "WASH", None, None, 0, AT)),
    pass_lots=(Lot("T1-5:STUDY-M", "study", date(2026, 11, 23), date(2026, 12, 22), 1, AT),),
)
CARD = Card("8800000000000002", "M001", "GOLD", CardStatus.FROZEN, issued_on=date(2026, 1, 5),
            expires_on=date(2028, 1, 4), level="VIP", parent_card_no="8800000000000001",
            quota=50000, replaced_by="", previous_card_nos=("8800000000000000",))


def test_card_and_balances_round_trip_with_every_field_and_lot():
    assert card_from_json(card_to_json(CARD)) == CARD
    decoded = balances_from_json(balances_to_json(BALANCES))
    assert decoded == BALANCES
    assert decoded.entry_count == 9  # not part of equality, still carried


def test_a_lookup_answer_round_trips():
    record = LookupRecord(ProfileRecord("M001", "张三", "13800138000", LUNAR), CARD, BALANCES,
                          uid="04A1B2C3", offline_pin_verifier="scrypt$12$8$1$c2FsdA==$aGFzaA==",
                          other_cards=("8800000000000001",))
    answer = LookupResponse(AT, (record, record))
    assert parse_lookup_response(answer.to_bytes()) == answer
    unknown = LookupResponse(AT, (), "member.unknown")
    assert parse_lookup_response(unknown.to_bytes()) == unknown


@pytest.mark.parametrize("change", [
    {"status": "lostish"}, {"quota": "50000"}, {"issued_on": "2026-13-01"},
    {"previous_card_nos": "8800"}, {"card_no": ""},
])
def test_a_malformed_card_is_refused(change):
    assert reason_of(lambda: card_from_json({**card_to_json(CARD), **change})) == "invalid_field"


def test_malformed_balances_are_refused():
    document = balances_to_json(BALANCES)
    document["points_lots"][0]["remaining"] = 1.5
    assert reason_of(lambda: balances_from_json(document)) == "invalid_field"
    assert reason_of(lambda: balances_from_json({"count_lots": {}})) == "invalid_field"


def test_the_protocols_lookup_examples_are_valid_messages():
    section = PROTOCOL.read_text().split("## Member lookup")[1].split("\n## ")[0]
    by_card, by_uid, by_phone, answer = (
        block.encode() for block in re.findall(r"```json\n(.*?)```", section, re.S))
    topic = "hy/v1/t/SH001-T1/lookup/req"
    assert parse_lookup_request(topic, by_card).card_no == "8800000000000001"
    assert parse_lookup_request(topic, by_uid).uid == "04A1B2C3D4E5F6"
    assert parse_lookup_request(topic, by_phone).phone == "13800138000"
    (record,) = parse_lookup_response(answer).records
    assert record.profile.birthday == Birthday(Calendar.LUNAR, 8, 15)
    assert record.balances.counts_for("FACIAL", date(2026, 12, 1)) == 7
    event = re.search(r"```json\n(\{\"seq\": 57.*?)```", PROTOCOL.read_text(), re.S)
    assert event is not None
    registered = WireEvent(**{**json.loads(event.group(1)), "at": AT})
    assert through_the_wire((DomainEvent(registered.type, registered.op_id, AT,
                                         registered.payload),))[0].payload["name"] == "张三"
