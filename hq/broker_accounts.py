"""Broker accounts: one MQTT identity per terminal plus `hq`, and the access rules that confine
each terminal to its own topics (DESIGN.md decision 8).

Produces the configuration of Mosquitto's dynamic-security plugin (shipped with the broker since
2.0): PBKDF2-SHA512 password hashes in the plugin's layout, and one role per terminal. Each
terminal account is bound to one client id, its terminal id (the plugin's per-client
`clientid`): with another id, its own terminal's or an HQ worker's, the broker refuses the
CONNECT as not authorised before it touches the session that id names. The `hq` account is
not bound: HQ runs several workers, each with its own id (`hq-1`, `hq-2`...), and its password
never leaves HQ's servers; terminal ids `hq` and `hq-...` are refused so that no terminal is
ever bound to an id HQ uses.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

TOPIC_PREFIX = "hy/v1"
HQ_USERNAME = "hq"
HQ_ROLE = "hq"
# HQ's client ids (its workers' `hq-1`, `hq-2`... and their one-off `hq-1-push`) start with
# this; no terminal id may (in any case), since a terminal connects with its id as client id.
HQ_CLIENT_ID_PREFIX = "hq-"
TERMINAL_ROLE_PREFIX = "terminal-"

# Sub-topics under hy/v1/t/<terminal>/ that the terminal publishes and that it receives.
TERMINAL_WRITE_SUBTOPICS = ("events", "shadow", "status", "auth/req", "lookup/req", "pin/req",
                            "snapshot/req")
TERMINAL_READ_SUBTOPICS = ("ack", "resend", "auth/resp", "lookup/resp", "pin/resp",
                           "snapshot/resp", "cards")
# Configuration documents are published per scope, and HQ's public key for sealing member PINs
# (retained) is the same for all: every terminal may read them.
TERMINAL_READ_SHARED_TOPICS = (f"{TOPIC_PREFIX}/config/#", f"{TOPIC_PREFIX}/hq/pin_key")

# What `mosquitto_ctrl dynsec` writes. The passwords are random tokens, not words a person
# chose, so the iteration count guards little and is kept at the broker's own default.
PBKDF2_ITERATIONS = 101
PBKDF2_SALT_BYTES = 12

# A terminal id becomes an MQTT username and a topic level: no `/`, `+`, `#` or spaces, which
# would widen or break the topics granted to it.
_TERMINAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class BrokerError(Exception):
    """Something went wrong preparing, starting or stopping the MQTT broker."""


class InvalidBrokerAccount(BrokerError, ValueError):
    """A terminal id or password cannot be used as a broker account."""


class BrokerNotInstalled(BrokerError):
    """The `mosquitto` executable is not installed."""


class BrokerStartError(BrokerError):
    """The broker process did not come up (its log's tail is in the message)."""


def terminal_topic(terminal_id: str, subtopic: str) -> str:
    """The topic `hy/v1/t/<terminal>/<subtopic>` of one terminal."""
    return f"{TOPIC_PREFIX}/t/{terminal_id}/{subtopic}"


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)


def _check_terminal_id(terminal_id: str) -> None:
    folded = terminal_id.lower()
    if folded == HQ_USERNAME or folded.startswith(HQ_CLIENT_ID_PREFIX):
        raise InvalidBrokerAccount(
            f"terminal id {terminal_id!r} is reserved for HQ: {HQ_USERNAME!r} is its account "
            f"and client ids starting with {HQ_CLIENT_ID_PREFIX!r} are its workers'"
        )
    if not _TERMINAL_ID.fullmatch(terminal_id):
        raise InvalidBrokerAccount(
            f"terminal id {terminal_id!r} is not usable as an MQTT username and topic level "
            "(letters, digits, '_', '.', '-'; at most 64; starting with a letter or digit)"
        )


def _check_password(username: str, password: str) -> None:
    if not password:
        raise InvalidBrokerAccount(f"broker account {username!r} has an empty password")


@dataclass(frozen=True)
class BrokerAccounts:
    """The broker's users: `hq` and one user per terminal (username = terminal id)."""

    # Kept out of repr: accounts end up in logs and test failure reports.
    hq_password: str = field(repr=False)
    terminal_passwords: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _check_password(HQ_USERNAME, self.hq_password)
        for terminal_id, password in self.terminal_passwords.items():
            _check_terminal_id(terminal_id)
            _check_password(terminal_id, password)
        # Frozen means frozen: a caller's dict changed later must not change the accounts.
        object.__setattr__(
            self, "terminal_passwords", MappingProxyType(dict(self.terminal_passwords))
        )

    @classmethod
    def generate(cls, terminal_ids: Iterable[str]) -> BrokerAccounts:
        """Accounts with fresh random passwords for `hq` and each terminal."""
        return cls(
            hq_password=secrets.token_urlsafe(24),
            terminal_passwords={tid: secrets.token_urlsafe(24) for tid in terminal_ids},
        )

    @property
    def usernames(self) -> tuple[str, ...]:
        return (HQ_USERNAME, *sorted(self.terminal_passwords))

    def password_for(self, username: str) -> str:
        if username == HQ_USERNAME:
            return self.hq_password
        try:
            return self.terminal_passwords[username]
        except KeyError:
            raise InvalidBrokerAccount(f"no broker account named {username!r}") from None

    def dynamic_security_config(self) -> dict[str, object]:
        """The dynamic-security plugin's JSON document: one client and one role per user.

        Roles list literal topics per terminal rather than `%u` patterns: Mosquitto 2.0.11's
        plugin does not substitute `%u`, and the plain `acl_file` does not check SUBSCRIBE at
        all, which lets a terminal join HQ's shared-subscription group and swallow events.
        """
        clients = [_dynsec_client(HQ_USERNAME, self.hq_password, HQ_ROLE)]
        roles: list[dict[str, object]] = [{"rolename": HQ_ROLE, "acls": _hq_acls()}]
        for terminal_id in sorted(self.terminal_passwords):
            role = f"{TERMINAL_ROLE_PREFIX}{terminal_id}"
            clients.append(_dynsec_client(terminal_id, self.terminal_passwords[terminal_id], role,
                                          client_id=terminal_id))
            roles.append({"rolename": role, "acls": _terminal_acls(terminal_id)})
        return {
            "defaultACLAccess": {
                "publishClientSend": False,
                "publishClientReceive": False,
                "subscribe": False,
                "unsubscribe": True,
            },
            "clients": clients,
            "groups": [],
            "roles": roles,
        }


def _acl(acl_type: str, topic: str) -> dict[str, object]:
    return {"acltype": acl_type, "topic": topic, "allow": True}


def _readable(topic_filter: str) -> list[dict[str, object]]:
    """Reading needs two grants: to subscribe, and to have each message delivered."""
    return [_acl("subscribePattern", topic_filter), _acl("publishClientReceive", topic_filter)]


def _terminal_acls(terminal_id: str) -> list[dict[str, object]]:
    acls = [_acl("publishClientSend", terminal_topic(terminal_id, sub))
            for sub in TERMINAL_WRITE_SUBTOPICS]
    for sub in TERMINAL_READ_SUBTOPICS:
        acls += _readable(terminal_topic(terminal_id, sub))
    for topic_filter in TERMINAL_READ_SHARED_TOPICS:
        acls += _readable(topic_filter)
    return acls


def _hq_acls() -> list[dict[str, object]]:
    # The plugin checks a shared subscription's whole filter, `$share/<group>/` included.
    return [
        _acl("publishClientSend", f"{TOPIC_PREFIX}/#"),
        *_readable(f"{TOPIC_PREFIX}/#"),
        _acl("subscribePattern", f"$share/+/{TOPIC_PREFIX}/#"),
    ]


def _dynsec_client(username: str, password: str, role: str,
                   client_id: str | None = None) -> dict[str, object]:
    """One account; with `client_id`, the only client id it may connect with."""
    salt = os.urandom(PBKDF2_SALT_BYTES)
    client: dict[str, object] = {
        "username": username,
        "password": base64.b64encode(_pbkdf2(password, salt, PBKDF2_ITERATIONS)).decode("ascii"),
        "salt": base64.b64encode(salt).decode("ascii"),
        "iterations": PBKDF2_ITERATIONS,
        "roles": [{"rolename": role}],
    }
    if client_id is not None:
        client["clientid"] = client_id
    return client
