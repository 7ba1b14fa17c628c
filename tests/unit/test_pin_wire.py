"""Member PIN messages and the seal: HPKE (RFC 9180) as its test vector says, a sealed PIN opens
only for the request it was made for, the scheme is versioned, and no message, repr or error ever
shows the digits."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from huiyuan_devices.keypad.base import Pin

from membership.errors import InvalidInput
from protocol.pin_sealing import SUITE, SealError, open_sealed, seal, seal_pin_request
from protocol.wire import WireError
from protocol.wire_pins import (
    PIN_ALGORITHM,
    PREVIOUS_PIN_ALGORITHM,
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

AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))  # Asia/Shanghai
# What a terminal reads HQ's AT as: its own naive local time (protocol.wire_times.local_time).
LOCAL_AT = AT.astimezone().replace(tzinfo=None)
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
    assert parse_pin_key(key.to_bytes()) == dataclasses.replace(key, published_at=LOCAL_AT)
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
    {"algorithm": PREVIOUS_PIN_ALGORITHM},
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
    (b'{"schema":2,"terminal_id":"T1","card_no":"8800","purpose":"peek"}', "invalid_field"),
    (b'{"schema":2,"terminal_id":"T1","card_no":"8800","purpose":"verify","nonce":"xyz"}',
     "invalid_field"),
    (b'{"schema":2,"terminal_id":"T2","card_no":"8800","purpose":"verify"}',
     "terminal_mismatch"),
    (b"not json", "malformed_json"),
])
def test_malformed_pin_requests_are_refused(payload, reason):
    assert reason_of(lambda: parse_pin_request(PIN_TOPIC, payload)) == reason


# RFC 9180 appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode,
# the first encryption (sequence 0).
RFC9180_A21 = {
    "skRm": "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
    "pkRm": "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
    "enc": "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
    "info": "4f6465206f6e2061204772656369616e2055726e",
    "aad": "436f756e742d30",
    "ct": "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c"
          "62ce81883d2dd1b51a28",
    "pt": "4265617574792069732074727574682c20747275746820626561757479",
}


def test_the_suite_opens_the_rfc_9180_test_vector():
    """Sealing is random (a fresh ephemeral key): the deterministic side is opening. The RFC's
    vector authenticates an aad, which the library's public single-shot API leaves empty, so
    this one check reaches its private `_decrypt_with_aad` with the very suite we seal with."""
    vector = {name: bytes.fromhex(value) for name, value in RFC9180_A21.items()}
    recipient = X25519PrivateKey.from_private_bytes(vector["skRm"])
    assert recipient.public_key().public_bytes_raw() == vector["pkRm"]
    opened = rust_openssl.hpke._decrypt_with_aad(SUITE, vector["enc"] + vector["ct"], recipient,
                                                 info=vector["info"], aad=vector["aad"])
    assert opened == vector["pt"]
    with pytest.raises(InvalidTag):  # any other aad fails the tag
        rust_openssl.hpke._decrypt_with_aad(SUITE, vector["enc"] + vector["ct"], recipient,
                                            info=vector["info"], aad=b"Count-1")


def test_the_seal_is_hpke_output_split_at_the_encapsulated_key(hq_key):
    sealed = seal(public(hq_key).public_key, b"secret", b"context")
    assert len(sealed.ephemeral_key) == 32 and len(sealed.ciphertext) == len(b"secret") + 16
    assert SUITE.decrypt(sealed.ephemeral_key + sealed.ciphertext, hq_key,
                         info=b"context") == b"secret"


def test_the_scheme_is_named_in_the_key_and_every_request(hq_key):
    key = public(hq_key)
    old_key = key.to_bytes().replace(PIN_ALGORITHM.encode(), PREVIOUS_PIN_ALGORITHM.encode())
    assert reason_of(lambda: parse_pin_key(old_key)) == "invalid_field"
    request = seal_pin_request(key, "T1", "8800", "verify", pin("new"), None, AT)
    assert parse_pin_request(PIN_TOPIC, request.to_bytes()).algorithm == PIN_ALGORITHM
    # An outdated terminal's request names no algorithm: parsed, so HQ can answer it.
    message = json.loads(request.to_bytes())
    del message["algorithm"]
    outdated = parse_pin_request(PIN_TOPIC, json.dumps(message).encode())
    assert outdated.algorithm == PREVIOUS_PIN_ALGORITHM
    message["algorithm"] = "ROT13"
    assert reason_of(lambda: parse_pin_request(PIN_TOPIC, json.dumps(message).encode())) == (
        "invalid_field")


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
