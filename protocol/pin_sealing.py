"""Sealing a member PIN to HQ's public key (decision 9), and opening the seal at HQ.

X25519 with a one-off key per request, HKDF-SHA256 over the shared secret (salted with both
public keys) for a ChaCha20-Poly1305 key and nonce, and the request's associated data
(protocol.wire_pins.pin_associated_data) authenticated with it. A fresh key per message means
the nonce is never reused; the associated data means a seal opens only for the terminal, card,
purpose, nonce and time it was made for. Both sides are here so the scheme is in one place.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from membership.pin_hash import check_pin_format
from protocol.wire_pins import PinKey, PinRequest, SealedPin, pin_plaintext

HKDF_INFO = b"hy/v1 member pin seal"
_KEY_BYTES = 32
_NONCE_BYTES = 12


class Pin(Protocol):
    """What sealing needs of a PIN typed on the keypad (huiyuan_devices' Pin): its digits, once.
    A Protocol so that the wire format depends on no device driver."""

    def reveal(self) -> str: ...


class SealError(ValueError):
    """A seal that does not open: another key, altered bytes, or moved to another request."""


def seal(public_key: bytes, plaintext: bytes | bytearray, associated_data: bytes) -> SealedPin:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    key, nonce = _derive(shared, ephemeral_public, public_key)
    return SealedPin(ephemeral_public,
                     ChaCha20Poly1305(key).encrypt(nonce, bytes(plaintext), associated_data))


def open_sealed(private_key: X25519PrivateKey, sealed: SealedPin, associated_data: bytes
                ) -> bytes:
    recipient_public = private_key.public_key().public_bytes_raw()
    try:
        # exchange() refuses a low-order point (an all-zero secret) with ValueError.
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(sealed.ephemeral_key))
        key, nonce = _derive(shared, sealed.ephemeral_key, recipient_public)
        return ChaCha20Poly1305(key).decrypt(nonce, sealed.ciphertext, associated_data)
    except (InvalidTag, ValueError):
        raise SealError("the sealed PIN does not open") from None


def _derive(shared: bytes, ephemeral_public: bytes, recipient_public: bytes
            ) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES + _NONCE_BYTES,
                    salt=ephemeral_public + recipient_public, info=HKDF_INFO).derive(shared)
    return material[:_KEY_BYTES], material[_KEY_BYTES:]


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
