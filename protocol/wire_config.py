"""Configuration documents on the wire (decision 7): versioned, per scope, retained on their
config topic; the most specific scope wins for a document name. docs/protocol.md,
"Configuration documents"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocol.wire import (
    MAX_CONFIG_BYTES,
    SCHEMA,
    config_topic,
    decode,
    encode,
    required_text,
)
from protocol.wire_bounds import WireError, is_int
from protocol.wire_times import local_time, wire_time


@dataclass(frozen=True)
class ConfigDocument:
    """A versioned configuration document for one scope (retained on its config topic)."""

    name: str
    scope: str  # all, region:R, store:S, terminal:T
    version: int
    body: dict[str, Any]
    published_at: datetime

    @property
    def topic(self) -> str:
        return config_topic(self.scope, self.name)

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "name": self.name, "scope": self.scope,
                       "version": self.version, "published_at": wire_time(self.published_at),
                       "body": self.body})


def parse_config_document(payload: bytes) -> ConfigDocument:
    message = decode(payload, MAX_CONFIG_BYTES)
    version, body = message.get("version"), message.get("body")
    if not is_int(version) or version < 1:
        raise WireError("invalid_field", "version")
    if not isinstance(body, dict):
        raise WireError("invalid_field", "body")
    scope = required_text(message, "scope")
    document = ConfigDocument(required_text(message, "name"), scope, version, body,
                              local_time(message, "published_at"))
    config_topic(scope, document.name)  # validates the scope
    return document


SCOPE_PRECEDENCE = {"terminal": 3, "store": 2, "region": 1, "all": 0}


def scope_rank(scope: str) -> int:
    """The most specific scope wins for a document name: terminal > store > region > all."""
    return SCOPE_PRECEDENCE[scope.partition(":")[0]]
