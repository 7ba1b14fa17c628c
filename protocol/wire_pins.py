"""Member PINs at HQ over MQTT (decision 9; docs/protocol.md): HQ's public key, published
retained on `hy/v1/hq/pin_key`, and `hy/v1/t/{terminal}/pin/req` -> `.../pin/resp`.

The PIN never travels in clear: the terminal seals it to HQ's key with HPKE (RFC 9180,
PIN_ALGORITHM; protocol/pin_sealing.py). The sealing context binds the terminal, the card, the
purpose, a fresh nonce, the time, the key and the algorithm, so HQ refuses a sealed PIN moved to
another card or purpose, and remembers nonces to refuse one sent twice.

Pure: only the messages and the associated data are here; the cryptography is in the shells.
No parse error, repr or message here ever contains a PIN.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from membership.pin_hash import PIN_MAX_DIGITS, PIN_MIN_DIGITS
from protocol.wire import (
    PREFIX,
    SCHEMA,
    WireError,
    decode,
    encode,
    is_int,
    own_terminal,
    required_text,
    required_time,
)
from protocol.wire_times import local_time, wire_time

PIN_KEY_TOPIC = f"{PREFIX}/hq/pin_key"
# The seal's scheme, named in the key message and in every request. Versioned: HQ opens only
# PIN_ALGORITHM; a request without `algorithm` was sealed by a terminal of the earlier scheme
# (PREVIOUS_PIN_ALGORITHM, home-made X25519 + HKDF + ChaCha20-Poly1305) and is refused with
# ALGORITHM_STALE and a dead letter (docs/protocol.md).
PIN_ALGORITHM = "HPKE-X25519-SHA256-ChaCha20Poly1305"
PREVIOUS_PIN_ALGORITHM = "X25519-HKDF-SHA256-ChaCha20Poly1305"
PIN_PURPOSES = ("verify", "set", "change")
PIN_OUTCOMES = ("accepted", "wrong", "locked", "not_set", "refused")
# Reasons of a `refused` answer (message keys).
ALREADY_SET = "pin.already_set"  # `set` is for a card without a PIN; a change needs the old one
SEAL_REFUSED = "pin.refused"  # the seal does not open for this request
REPLAYED = "pin.replayed"  # this request (its nonce) was seen before
STALE = "pin.stale"  # sent too far from HQ's clock
KEY_STALE = "pin.key_stale"  # sealed to a key HQ no longer holds: use the newest pin_key
ALGORITHM_STALE = "pin.algorithm"  # sealed with a scheme HQ no longer opens: update the terminal
TERMINAL_LIMITED = "pin.terminal_limited"  # this terminal failed PINs on too many cards lately
PUBLIC_KEY_BYTES = 32
MAX_SEALED_BYTES = 256  # a sealed {"pin": ..., "old_pin": ...} is under 80
_NONCE = re.compile(r"[0-9a-f]{32}")
_PIN = re.compile(rf"[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}")


@dataclass(frozen=True)
class PinKey:
    """HQ's X25519 public key for sealing PINs (retained on PIN_KEY_TOPIC)."""

    public_key: bytes
    published_at: datetime

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "algorithm": PIN_ALGORITHM, "key_id": self.key_id,
                       "public_key": _b64(self.public_key),
                       "published_at": wire_time(self.published_at)})


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def parse_pin_key(payload: bytes) -> PinKey:
    message = decode(payload)
    if message.get("algorithm") != PIN_ALGORITHM:
        raise WireError("invalid_field", "algorithm")
    public_key = _unb64(message, "public_key", PUBLIC_KEY_BYTES)
    if len(public_key) != PUBLIC_KEY_BYTES or message.get("key_id") != key_id_of(public_key):
        raise WireError("invalid_field", "public_key/key_id")
    return PinKey(public_key, local_time(message, "published_at"))


@dataclass(frozen=True)
class SealedPin:
    ephemeral_key: bytes  # HPKE's encapsulated key: the terminal's one-off X25519 public key
    ciphertext: bytes  # HPKE's ChaCha20-Poly1305 output, tag included


@dataclass(frozen=True)
class PinRequest:
    terminal_id: str
    card_no: str
    purpose: str  # verify, set (no PIN yet) or change (the old PIN sealed with the new one)
    nonce: str  # 32 hex digits, fresh per request
    sent_at: datetime  # the terminal's clock
    key_id: str  # the PinKey the PIN is sealed to
    sealed: SealedPin
    algorithm: str = PIN_ALGORITHM  # PREVIOUS_PIN_ALGORITHM: an outdated terminal's request

    def associated_data(self) -> bytes:
        return pin_associated_data(self.terminal_id, self.card_no, self.purpose, self.nonce,
                                   self.sent_at, self.key_id, self.algorithm)

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "terminal_id": self.terminal_id,
                       "card_no": self.card_no, "purpose": self.purpose, "nonce": self.nonce,
                       "sent_at": wire_time(self.sent_at), "key_id": self.key_id,
                       "algorithm": self.algorithm,
                       "sealed": {"ephemeral_key": _b64(self.sealed.ephemeral_key),
                                  "ciphertext": _b64(self.sealed.ciphertext)}})


def pin_associated_data(terminal_id: str, card_no: str, purpose: str, nonce: str,
                        sent_at: datetime, key_id: str, algorithm: str = PIN_ALGORITHM) -> bytes:
    """What the seal authenticates besides the PIN (HPKE's `info`). Every part is a checked id
    without control characters, so joining them with \\x1f is unambiguous."""
    parts = ("hy/v1/pin", algorithm, terminal_id, card_no, purpose, nonce,
             wire_time(sent_at), key_id)
    return "\x1f".join(parts).encode()


def parse_pin_request(topic: str, payload: bytes) -> PinRequest:
    message = decode(payload)
    terminal_id = own_terminal(topic, "pin/req", message)
    purpose, nonce = message.get("purpose"), message.get("nonce")
    algorithm = message.get("algorithm", PREVIOUS_PIN_ALGORITHM)
    if algorithm not in (PIN_ALGORITHM, PREVIOUS_PIN_ALGORITHM):
        raise WireError("invalid_field", "algorithm")
    if purpose not in PIN_PURPOSES:
        raise WireError("invalid_field", "purpose")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise WireError("invalid_field", "nonce")
    card_no, key_id = required_text(message, "card_no"), required_text(message, "key_id")
    if not card_no.isprintable() or not key_id.isprintable():
        raise WireError("invalid_field", "card_no/key_id")
    sealed = message.get("sealed")
    if not isinstance(sealed, dict):
        raise WireError("invalid_field", "sealed")
    ephemeral_key = _unb64(sealed, "ephemeral_key", PUBLIC_KEY_BYTES)
    if len(ephemeral_key) != PUBLIC_KEY_BYTES:
        raise WireError("invalid_field", "ephemeral_key")
    return PinRequest(terminal_id, card_no, purpose, nonce, required_time(message, "sent_at"),
                      key_id, SealedPin(ephemeral_key,
                                        _unb64(sealed, "ciphertext", MAX_SEALED_BYTES)),
                      algorithm)


@dataclass(frozen=True)
class PinSecret:
    """The opened seal: the PIN and, to change a PIN, the old one. Never shown in a repr."""

    pin: str = field(repr=False)
    old_pin: str = field(default="", repr=False)


def pin_plaintext(pin: str, old_pin: str = "") -> bytearray:
    """What the terminal seals (a bytearray, so the caller can wipe it afterwards)."""
    return bytearray(json.dumps({"pin": pin, "old_pin": old_pin}).encode("ascii"))


def parse_pin_plaintext(plaintext: bytes, purpose: str) -> PinSecret:
    """The opened seal's PINs; WireError("invalid_field", "sealed pin") names no digit."""
    try:
        document = json.loads(plaintext.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise WireError("invalid_field", "sealed pin") from None
    if not isinstance(document, dict):
        raise WireError("invalid_field", "sealed pin")
    pin, old_pin = document.get("pin"), document.get("old_pin", "")
    old_pin_fits = _is_pin(old_pin) if purpose == "change" else old_pin == ""
    if not _is_pin(pin) or not old_pin_fits:
        raise WireError("invalid_field", "sealed pin")
    return PinSecret(pin, old_pin)


def _is_pin(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _PIN.fullmatch(value) is not None


@dataclass(frozen=True)
class PinResponse:
    outcome: str  # PIN_OUTCOMES; the first four are terminal.cashier.ports.PinCheckOutcome
    tries_left: int = 0  # wrong PINs left before the lockout
    reason: str = ""  # refused: a message key (pin.already_set, pin.refused, ...)

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "outcome": self.outcome, "tries_left": self.tries_left,
                       "reason": self.reason})


def parse_pin_response(payload: bytes) -> PinResponse:
    message = decode(payload)
    outcome, tries_left = message.get("outcome"), message.get("tries_left", 0)
    if outcome not in PIN_OUTCOMES:
        raise WireError("invalid_field", "outcome")
    if not is_int(tries_left) or not 0 <= tries_left <= 100:
        raise WireError("invalid_field", "tries_left")
    reason = message.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 80:
        raise WireError("invalid_field", "reason")
    return PinResponse(outcome, tries_left, reason)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(message: dict[str, Any], name: str, max_bytes: int) -> bytes:
    value = message.get(name)
    if not isinstance(value, str) or len(value) > (max_bytes * 4 // 3) + 4:
        raise WireError("invalid_field", name)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise WireError("invalid_field", name) from None
