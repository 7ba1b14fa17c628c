"""PIN verifiers (decision 9): a slow salted hash, never the PIN.

Format: `scrypt$<log2 n>$<r>$<p>$<salt, base64>$<hash, base64>`. HQ keeps member and staff PIN
verifiers with a server-side `pepper` mixed in (a stolen database alone cannot be brute-forced);
the offline verifier HQ gives a terminal for cards that cannot check their own PIN has no pepper
and a lower cost — the documented, bounded risk of decision 9, limited by the offline limits.
Pure: hashlib.scrypt is in the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from membership.errors import InvalidInput

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 6


@dataclass(frozen=True)
class ScryptCost:
    log2_n: int
    r: int = 8
    p: int = 1


ONLINE_COST = ScryptCost(14)  # ~50 ms here: HQ checks one PIN per request
OFFLINE_COST = ScryptCost(12)  # ~12 ms on a Raspberry Pi class terminal
_HASH_BYTES = 32


def check_pin_format(pin: str) -> None:
    """4-6 digits. The message never contains the PIN."""
    if not (PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS and pin.isascii() and pin.isdigit()):
        raise InvalidInput("pin.format", min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS)


def make_verifier(pin: str, cost: ScryptCost = ONLINE_COST, pepper: bytes = b"",
                  salt: bytes | None = None) -> str:
    check_pin_format(pin)
    salt = os.urandom(16) if salt is None else salt
    digest = _scrypt(pin, salt, cost, pepper)
    return "$".join(("scrypt", str(cost.log2_n), str(cost.r), str(cost.p),
                     _b64(salt), _b64(digest)))


def matches(pin: str, verifier: str, pepper: bytes = b"") -> bool:
    """True when `pin` is the PIN `verifier` was made from; False for a malformed verifier."""
    try:
        scheme, log2_n, r, p, salt, digest = verifier.split("$")
        cost = ScryptCost(int(log2_n), int(r), int(p))
        expected = base64.b64decode(digest, validate=True)
        salt_bytes = base64.b64decode(salt, validate=True)
    except (ValueError, TypeError):
        return False
    if scheme != "scrypt" or not 10 <= cost.log2_n <= 20:
        return False
    return hmac.compare_digest(_scrypt(pin, salt_bytes, cost, pepper), expected)


def _scrypt(pin: str, salt: bytes, cost: ScryptCost, pepper: bytes) -> bytes:
    return hashlib.scrypt(pin.encode("ascii", "replace") + pepper, salt=salt, n=2 ** cost.log2_n,
                          r=cost.r, p=cost.p, maxmem=256 * 1024 * 1024, dklen=_HASH_BYTES)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
