"""The MQTT contract's messages: what one side builds, the other parses; bad input is refused
with a stable reason for the dead-letter table."""

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from protocol.wire import (
    SCHEMA,
    Ack,
    Shadow,
    WireError,
    WireEvent,
    build_ack,
    build_event_batch,
    build_resend,
    build_status,
    config_topic,
    encode,
    parse_ack,
    parse_ack_message,
    parse_event_batch,
    parse_resend,
    parse_shadow,
    parse_status,
    terminal_topic,
)
from protocol.wire_auth import AuthRequest, AuthResponse, parse_auth_request, parse_auth_response
from protocol.wire_config import ConfigDocument, parse_config_document, scope_rank

AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))  # Asia/Shanghai
# What a terminal reads HQ's AT as: its own naive local time (protocol.wire_times.local_time).
LOCAL_AT = AT.astimezone().replace(tzinfo=None)
ENTRY = {"op_id": "T1-1", "card_no": "8800", "account": "principal", "delta": -500,
         "kind": "spend", "at": AT.isoformat()}


def event(seq, payload=None, type_="sale.completed"):
    return WireEvent(seq, f"T1-{seq}", type_, AT, payload or {"entries": [ENTRY]})


def reason_of(call):
    with pytest.raises(WireError) as caught:
        call()
    return caught.value.reason


def test_an_event_batch_round_trips():
    payload = build_event_batch("T1", [event(1), event(2)], AT)
    batch = parse_event_batch(terminal_topic("T1", "events"), payload)
    assert batch.terminal_id == "T1"
    assert [e.seq for e in batch.events] == [1, 2]
    assert batch.events[0].payload["entries"][0]["delta"] == -500


def raw_batch(**changes):
    message = {"schema": SCHEMA, "terminal_id": "T1", "sent_at": AT.isoformat(),
               "events": [event(1).to_json()]}
    message.update(changes)
    return encode(message)


@pytest.mark.parametrize(("payload", "reason"), [
    (b"{not json", "malformed_json"),
    (b"\xff\xfe", "malformed_json"),
    (b"[1, 2]", "malformed_json"),
    (raw_batch(schema=1), "schema_unsupported"),  # an old terminal: refused, not misread
    (raw_batch(schema=None), "schema_unsupported"),
    (raw_batch(schema=3), "schema_unsupported"),
    (raw_batch(schema="2"), "schema_unsupported"),
    (raw_batch(terminal_id="T2"), "terminal_mismatch"),
    (raw_batch(events=[]), "invalid_field"),
    (raw_batch(events=[{**event(1).to_json(), "seq": 0}]), "invalid_field"),
    (raw_batch(events=[{**event(1).to_json(), "seq": True}]), "invalid_field"),
    (raw_batch(events=[{**event(1).to_json(), "type": "sale.stolen"}]), "event_type_unknown"),
    (raw_batch(events=[event(2).to_json(), event(1).to_json()]), "seq_order"),
    (raw_batch(events=[event(1).to_json(), event(1).to_json()]), "seq_order"),
    (raw_batch(events=[event(1, {"tenders": [{"kind": "cash", "amount": -1}]}).to_json()]),
     "negative_amount"),
    (raw_batch(events=[event(1, {"amount_due": 1.5}).to_json()]), "negative_amount"),
    (raw_batch(events=[event(1, {"entries": [{**ENTRY, "delta": "5"}]}).to_json()]),
     "invalid_entry"),
    (raw_batch(events=[event(1, {"entries": [{**ENTRY, "account": "gold"}]}).to_json()]),
     "invalid_entry"),
    (raw_batch(sent_at="yesterday"), "invalid_field"),
    (b"{" + b" " * 300_000 + b"}", "too_large"),
    (b"[" * 50_000 + b"]" * 50_000, "malformed_json"),
    (raw_batch(events=[event(1, {"tenders": "cash"}).to_json()]), "invalid_field"),
])
def test_bad_batches_are_refused_with_a_reason(payload, reason):
    assert reason_of(lambda: parse_event_batch("hy/v1/t/T1/events", payload)) == reason


def test_a_batch_on_a_foreign_topic_is_refused():
    assert reason_of(lambda: parse_event_batch("hy/v1/t/T1/shadow", raw_batch())) == \
        "topic_invalid"
    assert reason_of(lambda: parse_event_batch("other/T1/events", raw_batch())) == "topic_invalid"


def test_this_version_is_written_and_a_terminals_older_messages_are_refused():
    assert SCHEMA == 2 and json.loads(build_status("T1", True, AT))["schema"] == 2
    status = json.loads(build_status("T1", True, AT))
    for old in ({**status, "schema": 1}, {key: value for key, value in status.items()
                                          if key != "schema"}):
        assert reason_of(lambda message=old: parse_status(
            "hy/v1/t/T1/status", encode(message))) == "schema_unsupported"
    request = json.loads(AuthRequest("T1", "T1-1", "8800", "stored_value", 100).to_bytes())
    assert reason_of(lambda: parse_auth_request(
        "hy/v1/t/T1/auth/req", encode({**request, "schema": 1}))) == "schema_unsupported"


def test_a_terminal_reads_hqs_messages_of_version_1_still():
    """Retained copies (the ack, configuration documents) outlive HQ's upgrade."""
    assert parse_ack(encode({"schema": 1, "terminal_id": "T1", "watermark": 7})) == 7
    assert parse_ack(encode({"terminal_id": "T1", "watermark": 7})) == 7  # no version: 1
    assert reason_of(lambda: parse_ack(encode({"schema": 3, "watermark": 7}))) == (
        "schema_unsupported")


def test_the_ack_names_what_was_quarantined_and_the_terminal_reads_it():
    told = parse_ack_message(build_ack("T1", 9, AT, [(3, "topup_principal_not_paid"),
                                                     (5, "refund_sale_unknown")]))
    assert told == Ack(9, ((3, "topup_principal_not_paid"), (5, "refund_sale_unknown")))
    assert parse_ack_message(build_ack("T1", 9, AT)) == Ack(9, ())
    for bad in ([{"seq": 0, "reason": "x"}], [{"seq": 3}], [{"seq": 3, "reason": ""}], "x",
                [{"seq": 3, "reason": "r" * 65}]):
        assert reason_of(lambda bad=bad: parse_ack_message(encode(
            {"schema": 2, "watermark": 9, "quarantined": bad}))) == "invalid_field"


def test_ack_resend_status_round_trip():
    assert parse_ack(build_ack("T1", 41, AT)) == 41
    assert parse_resend(build_resend("T1", 10, 12)) == (10, 12)
    assert parse_status("hy/v1/t/T1/status", build_status("T1", False, AT)) == ("T1", False, AT)
    assert reason_of(lambda: parse_resend(build_resend("T1", 5, 4))) == "invalid_field"
    assert reason_of(lambda: parse_ack(encode({"schema": 1, "watermark": -1}))) == \
        "invalid_field"


def test_shadow_round_trip_and_terminal_check():
    shadow = Shadow("T1", "0.1.0", {"catalogue": {"scope": "store:S1", "version": 7}}, 3, 41,
                    "ok", AT)
    assert parse_shadow("hy/v1/t/T1/shadow", encode(shadow.to_json())) == shadow
    assert reason_of(lambda: parse_shadow("hy/v1/t/T2/shadow", encode(shadow.to_json()))) == \
        "terminal_mismatch"


def test_authorisation_request_and_response():
    request = AuthRequest("T1", "T1-9", "8800", "stored_value", 5000)
    assert parse_auth_request("hy/v1/t/T1/auth/req", request.to_bytes()) == request
    bad = AuthRequest("T1", "T1-9", "8800", "stored_value", -5)
    assert reason_of(lambda: parse_auth_request("hy/v1/t/T1/auth/req", bad.to_bytes())) == \
        "negative_amount"
    no_service = AuthRequest("T1", "T1-9", "8800", "count", 1)
    assert reason_of(lambda: parse_auth_request("hy/v1/t/T1/auth/req",
                                                no_service.to_bytes())) == "invalid_field"
    response = AuthResponse("T1-9", False, "balance.insufficient", 4900)
    assert parse_auth_response(response.to_bytes()) == response


def test_config_documents_scopes_and_precedence():
    document = ConfigDocument("catalogue", "store:S1", 7, {"products": []}, AT)
    assert document.topic == "hy/v1/config/store/S1/catalogue"
    assert parse_config_document(document.to_bytes()) == replace(document, published_at=LOCAL_AT)
    assert config_topic("all", "blacklist") == "hy/v1/config/all/blacklist"
    assert reason_of(lambda: config_topic("planet:earth", "x")) == "scope_invalid"
    assert reason_of(lambda: config_topic("store", "x")) == "scope_invalid"
    ranks = [scope_rank(s) for s in ("all", "region:East", "store:S1", "terminal:T1")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4
