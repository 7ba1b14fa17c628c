"""HQ's PIN secrets (decision 9): the pepper mixed into every member PIN verifier and the X25519
key pair terminals seal PINs to.

Neither is in the database, so a stolen database alone is not enough to try PINs offline. Both
live in HQ's data dir, made on first start (mode 600) and reused after: workers sharing a data
dir share them; workers on other hosts need copies of both files (or the same HQ_PIN_PEPPER and
a copy of the key file), or each would answer for a key the others do not hold.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hq.errors import HqError
from hq.settings import HqSettings
from protocol.wire_pins import PinKey, key_id_of

log = logging.getLogger("hq.pin_secrets")
PEPPER_FILE = "pin_pepper"
KEY_FILE = "pin_key.pem"


class PinSecretsError(HqError):
    """A secrets file HQ cannot use (empty, not an X25519 key)."""


@dataclass(frozen=True)
class PinSecrets:
    pepper: bytes = field(repr=False)
    private_key: X25519PrivateKey = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def pin_key(self, published_at: datetime) -> PinKey:
        return PinKey(self.public_key, published_at)


def load_pin_secrets(settings: HqSettings) -> PinSecrets:
    """The pepper (from the settings, else the data dir's file) and the key pair, each file
    made on first use."""
    folder = Path(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if settings.pin_pepper:
        pepper = settings.pin_pepper.encode()
    else:
        pepper = _secret_file(folder / PEPPER_FILE,
                              lambda: secrets.token_hex(32).encode()).strip()
    if not pepper:
        raise PinSecretsError(f"{folder / PEPPER_FILE} is empty")
    key = serialization.load_pem_private_key(_secret_file(folder / KEY_FILE, _new_key_pem),
                                             password=None)
    if not isinstance(key, X25519PrivateKey):
        raise PinSecretsError(f"{folder / KEY_FILE} is not an X25519 private key")
    return PinSecrets(pepper, key)


def _new_key_pem() -> bytes:
    return X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def _secret_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; made first if missing, mode 600, complete before it appears (written
    aside, then linked into place: two HQ processes starting together keep the first one's)."""
    if not path.exists():
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(make())
                file.flush()
                os.fsync(file.fileno())
            os.link(aside, path)
            log.info("made %s", path)
        except FileExistsError:
            pass  # another HQ process made it first: use theirs
        finally:
            aside.unlink(missing_ok=True)
    _keep_private(path)
    return path.read_bytes()


def _keep_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o): now 600", path, mode)
        path.chmod(0o600)
