"""Sealing a member PIN to HQ's public key (decision 9), and opening the seal at HQ.

HPKE (RFC 9180) in base mode, as the pinned `cryptography` implements it: DHKEM(X25519,
HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 (PIN_ALGORITHM). HPKE makes a one-off key pair per
message, so no AEAD nonce is ever reused, and its key schedule binds HQ's public key. The
request's context (protocol.wire_pins.pin_associated_data: terminal, card, purpose, nonce, time,
key and algorithm) is HPKE's `info`, so a seal opens only for the request it was made for.
Both sides are here so the scheme is in one place.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from membership.pin_hash import check_pin_format
from protocol.wire_pins import PUBLIC_KEY_BYTES, PinKey, PinRequest, SealedPin, pin_plaintext

# protocol.wire_pins.PIN_ALGORITHM names this suite on the wire.
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


class Pin(Protocol):
    """What sealing needs of a PIN typed on the keypad (huiyuan_devices' Pin): its digits, once.
    A Protocol so that the wire format depends on no device driver."""

    def reveal(self) -> str: ...


class SealError(ValueError):
    """A seal that does not open: another key, altered bytes, or moved to another request."""


def seal(public_key: bytes, plaintext: bytes | bytearray, context: bytes) -> SealedPin:
    """HPKE single-shot seal to `public_key` with `context` as `info`. HPKE's output is the
    encapsulated key (the one-off X25519 public key, 32 bytes) then the AEAD ciphertext."""
    output = SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(public_key),
                           info=context)
    return SealedPin(output[:PUBLIC_KEY_BYTES], output[PUBLIC_KEY_BYTES:])


def open_sealed(private_key: X25519PrivateKey, sealed: SealedPin, context: bytes) -> bytes:
    try:
        # A low-order encapsulated key (an all-zero shared secret) is refused like a bad tag.
        return SUITE.decrypt(sealed.ephemeral_key + sealed.ciphertext, private_key,
                             info=context)
    except (InvalidTag, ValueError):
        raise SealError("the sealed PIN does not open") from None


def seal_pin_request(key: PinKey, terminal_id: str, card_no: str, purpose: str, pin: Pin,
                     old_pin: Pin | None, sent_at: datetime) -> PinRequest:
    """The one place a terminal reveals a PIN: checked, sealed and the plaintext wiped. Raises
    InvalidInput("pin.format") (which names no digit) for a PIN that is not 4-6 digits."""
    digits, old_digits = pin.reveal(), old_pin.reveal() if old_pin is not None else ""
    check_pin_format(digits)
    if old_pin is not None:
        check_pin_format(old_digits)
    plaintext = pin_plaintext(digits, old_digits)
    try:
        request = PinRequest(terminal_id, card_no, purpose, os.urandom(16).hex(), sent_at,
                             key.key_id, SealedPin(b"", b""))
        sealed = seal(key.public_key, plaintext, request.associated_data())
    finally:
        plaintext[:] = bytes(len(plaintext))
    return dataclasses.replace(request, sealed=sealed)
