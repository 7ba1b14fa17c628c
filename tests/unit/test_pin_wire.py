"""Member PIN messages and the seal: a sealed PIN opens only for the request it was made for, and
no message, repr or error ever shows the digits."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from huiyuan_devices.keypad.base import Pin

from membership.errors import InvalidInput
from protocol.pin_sealing import SealError, open_sealed, seal, seal_pin_request
from protocol.wire import WireError
from protocol.wire_pins import (
    PinKey,
    PinResponse,
    PinSecret,
    SealedPin,
    parse_pin_key,
    parse_pin_plaintext,
    parse_pin_request,
    parse_pin_response,
    pin_plaintext,
)

AT = datetime(2026, 11, 23, 10, 0)
PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
PIN_TOPIC = "hy/v1/t/T1/pin/req"
# By name: a failing assertion then shows a name or Pin(<6 digits>), never digits.
PINS = {"new": "735194", "old": "602837", "short": "735"}


def pin(name: str) -> Pin:
    return Pin(bytearray(PINS[name].encode()))


@pytest.fixture(scope="module")
def hq_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public(private_key: X25519PrivateKey) -> PinKey:
    return PinKey(private_key.public_key().public_bytes_raw(), AT)


def reason_of(call) -> str:
    with pytest.raises(WireError) as caught:
        call()
    return caught.value.reason


def test_the_key_message_round_trips_and_its_id_must_match():
    key = public(X25519PrivateKey.generate())
    assert parse_pin_key(key.to_bytes()) == key
    forged = key.to_bytes().replace(key.key_id.encode(), b"0" * 16)
    assert reason_of(lambda: parse_pin_key(forged)) == "invalid_field"


@pytest.mark.parametrize(("purpose", "old"), [("verify", None), ("set", None),
                                               ("change", "old")])
def test_a_sealed_request_opens_at_hq_for_exactly_that_request(hq_key, purpose, old):
    request = seal_pin_request(public(hq_key), "T1", "8800000000000001", purpose, pin("new"),
                               pin(old) if old else None, AT)
    received = parse_pin_request(PIN_TOPIC, request.to_bytes())
    assert received == request
    opened = open_sealed(hq_key, received.sealed, received.associated_data())
    assert parse_pin_plaintext(opened, purpose) == PinSecret(PINS["new"],
                                                             PINS[old] if old else "")


@pytest.mark.parametrize("change", [
    {"card_no": "8800000000000002"}, {"purpose": "set"}, {"terminal_id": "T2"},
    {"nonce": "0" * 32}, {"sent_at": AT.replace(minute=1)}, {"key_id": "f" * 16},
])
def test_a_sealed_pin_moved_to_another_request_does_not_open(hq_key, change):
    request = seal_pin_request(public(hq_key), "T1", "8800000000000001", "verify", pin("new"),
                               None, AT)
    moved = dataclasses.replace(request, **change)
    with pytest.raises(SealError):
        open_sealed(hq_key, moved.sealed, moved.associated_data())


def test_an_altered_seal_or_another_key_does_not_open(hq_key):
    sealed = seal(public(hq_key).public_key, b"secret", b"aad")
    altered = SealedPin(sealed.ephemeral_key, bytes([sealed.ciphertext[0] ^ 1])
                        + sealed.ciphertext[1:])
    for attempt in (lambda: open_sealed(hq_key, altered, b"aad"),
                    lambda: open_sealed(X25519PrivateKey.generate(), sealed, b"aad"),
                    lambda: open_sealed(hq_key, SealedPin(bytes(32), sealed.ciphertext), b"aad")):
        with pytest.raises(SealError):
            attempt()


def test_the_request_on_the_wire_holds_no_digit_of_the_pin(hq_key):
    request = seal_pin_request(public(hq_key), "T1", "8800000000000001", "change", pin("new"),
                               pin("old"), AT)
    texts = [request.to_bytes().decode(), repr(request), repr(PinSecret(PINS["new"], PINS["old"]))]
    leaked = sum(PINS[name] in text for name in ("new", "old") for text in texts)
    assert leaked == 0  # counted, not shown: a failure must not print the PIN either


def test_a_malformed_pin_is_refused_before_sealing_without_showing_it(hq_key):
    with pytest.raises(InvalidInput) as caught:
        seal_pin_request(public(hq_key), "T1", "8800", "verify", pin("short"), None, AT)
    shown = "735" in str(caught.value)
    assert (caught.value.key, shown) == ("pin.format", False)


@pytest.mark.parametrize(("plaintext", "purpose"), [
    (pin_plaintext("7351"), "change"),  # a change without the old PIN
    (pin_plaintext("7351", "6028"), "verify"),
    (pin_plaintext("73519a"), "verify"),
    (pin_plaintext("7351942"), "set"),
    (bytearray(b"7351"), "verify"),
    (bytearray(b"\xff\xfe"), "verify"),
])
def test_a_malformed_opened_seal_is_refused_without_showing_it(plaintext, purpose):
    with pytest.raises(WireError) as caught:
        parse_pin_plaintext(bytes(plaintext), purpose)
    shown = "7351" in str(caught.value)
    assert (caught.value.reason, caught.value.detail, shown) == ("invalid_field", "sealed pin",
                                                                 False)


@pytest.mark.parametrize(("payload", "reason"), [
    (b'{"schema":1,"terminal_id":"T1","card_no":"8800","purpose":"peek"}', "invalid_field"),
    (b'{"schema":1,"terminal_id":"T1","card_no":"8800","purpose":"verify","nonce":"xyz"}',
     "invalid_field"),
    (b'{"schema":1,"terminal_id":"T2","card_no":"8800","purpose":"verify"}',
     "terminal_mismatch"),
    (b"not json", "malformed_json"),
])
def test_malformed_pin_requests_are_refused(payload, reason):
    assert reason_of(lambda: parse_pin_request(PIN_TOPIC, payload)) == reason


def test_a_request_with_a_short_ephemeral_key_is_refused(hq_key):
    request = seal_pin_request(public(hq_key), "T1", "8800", "verify", pin("new"), None, AT)
    short = dataclasses.replace(request, sealed=SealedPin(b"\x01" * 16, b"\x00" * 40))
    assert reason_of(lambda: parse_pin_request(PIN_TOPIC, short.to_bytes())) == "invalid_field"


def test_pin_answers_round_trip_and_refuse_unknown_outcomes():
    for answer in (PinResponse("accepted", 3), PinResponse("wrong", 1),
                   PinResponse("refused", 0, "pin.already_set")):
        assert parse_pin_response(answer.to_bytes()) == answer
    assert reason_of(lambda: parse_pin_response(b'{"schema":1,"outcome":"maybe"}')) == (
        "invalid_field")


def test_the_protocols_pin_examples_are_valid_messages():
    key_message, request_message, answer = _protocol_examples("## Member PINs")
    key = parse_pin_key(key_message)
    request = parse_pin_request("hy/v1/t/SH001-T1/pin/req", request_message)
    assert (request.key_id, request.purpose) == (key.key_id, "verify")
    assert parse_pin_response(answer) == PinResponse("wrong", 2)


def _protocol_examples(heading: str) -> list[bytes]:
    section = PROTOCOL.read_text().split(heading)[1].split("\n## ")[0]
    return [block.encode() for block in re.findall(r"```json\n(.*?)```", section, re.S)]
