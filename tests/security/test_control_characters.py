"""Text free of control and bidi characters (issue 10, point 3): an ESC in a card number, a
right-to-left override in a note, a bell in a coupon code, CR/LF in a member's name, a mark in
an op_id are refused at parse time as dead letters (`invalid_field`, "unsafe text ..."), in
events and in requests; Chinese text with its own punctuation passes. The shared check
(membership.text) alone, then a real HQ worker on a real broker, SQLite and PostgreSQL."""

import json

import pytest

from membership.text import is_plain_id, unsafe_character
from protocol.wire import (
    SCHEMA,
    WireError,
    build_event_batch,
    parse_event_batch,
    terminal_topic,
)
from tests.security.hostile_wire import (
    AT,
    acknowledged,
    batch_json,
    dead_letters,
    send_events,
    top_up,
)

UNSAFE = ["\x1b", "\x07", "\r", "\n", "\t", "\x00", "\x85", "\x9b", "\u202a", "\u202e",
          "\u2066", "\u2069", "\u200e", "\u200f", "\u2028"]


@pytest.mark.parametrize("char", UNSAFE)
def test_control_and_bidi_characters_are_unsafe(char):
    assert unsafe_character(f"8800{char}01") == char


def test_chinese_text_and_its_spaces_are_safe():
    assert unsafe_character("王小丽　会员卡（金卡）·充值¥100，谢谢！") is None


def test_ids_keep_to_their_alphabet():
    assert is_plain_id("SH001-T1") and is_plain_id("store_7.a")
    assert not any(is_plain_id(value) for value in ("", "-T1", "T1/x", "T1+", "终端", "a" * 65))


@pytest.mark.parametrize("char", UNSAFE)
def test_an_unsafe_character_is_refused_escaped_or_raw(char):
    """build_event_batch writes it raw (ensure_ascii=False), json.dumps escaped (\\u202e)."""
    raw = build_event_batch("T1", [top_up(1, note=f"x{char}y")], AT)
    escaped = json.dumps(json.loads(raw)).encode()
    for payload in (raw, escaped):
        with pytest.raises(WireError) as refused:
            parse_event_batch(terminal_topic("T1", "events"), payload)
        assert refused.value.detail.startswith("unsafe text")


def registration(name: str) -> dict:
    return {"seq": 1, "op_id": "T1-1", "type": "member.registered", "at": AT.isoformat(),
            "payload": {"member_id": "M1", "name": name, "phone": "13800000000"}}


def hostile_batches() -> dict[str, bytes]:
    def batch(events: list) -> bytes:
        message = batch_json([top_up(1)])
        message["events"] = events
        return json.dumps(message).encode()

    def topped_up(**changes) -> dict:
        event = batch_json([top_up(1, card_no=changes.pop("card_no", "8800"),
                                   note=changes.pop("note", ""))])["events"][0]
        event.update(changes)
        return event

    return {
        "ESC in a card number": batch([topped_up(card_no="88\x1b[2J00")]),
        "RLO in a note": batch([topped_up(note="refund \u202e001¥")]),
        "BEL in a coupon code": batch([{**topped_up(), "payload": {
            **topped_up()["payload"], "coupon_used": "C\x0701"}}]),
        "CR LF in a name": batch([registration("王\r\nINFO forged log line")]),
        "LRM in an op_id": batch([topped_up(op_id="T1-\u200e1")]),
    }


def test_unsafe_text_in_events_is_a_dead_letter_and_never_stored(worker, terminal):
    _, db = worker
    batches = hostile_batches()
    for payload in batches.values():
        send_events(terminal, payload)
    honest = build_event_batch("T1", [top_up(1, note="充值　送礼（春节）")], AT)
    assert acknowledged(terminal, honest) == 1
    letters = dead_letters(db, len(batches))
    # A member's name has its own check (membership.profiles), which names the field.
    expected = ["name" if "name" in what else "unsafe text" for what in batches]
    assert [(letter.reason, letter.detail[:len(detail)])
            for letter, detail in zip(letters, expected, strict=True)] == [
        ("invalid_field", detail) for detail in expected]
    (stored,) = db.events.select()
    assert "充值　送礼（春节）" in json.loads(stored.payload)["entries"][0]["note"]
    assert db.members.select().count() == 0


def test_unsafe_text_in_a_request_is_a_dead_letter(worker, terminal):
    _, db = worker
    lookup = {"schema": SCHEMA, "terminal_id": "T1", "by": "card", "card_no": "88\x1b]0;x\x0700"}
    terminal.publish(terminal_topic("T1", "lookup/req"), json.dumps(lookup).encode())
    (letter,) = dead_letters(db, 1)
    assert (letter.reason, letter.detail[:12]) == ("invalid_field", "unsafe text ")
