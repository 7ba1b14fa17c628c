"""Rebuilding a terminal's cache from HQ: `hy/v1/t/{terminal}/snapshot/req` -> `.../snapshot/resp`
(docs/protocol.md).

A terminal whose store is new (a replaced SD card, a second terminal in a store) asks HQ, page by
page, for every card its store has seen, each as a member lookup record (profile, card, balances
with every lot, offline PIN verifier, coupons). The last page also names the configuration
documents HQ wants the terminal to hold (name -> scope and version); their bodies come, as
always, retained on the configuration topics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from membership.profiles import is_id
from protocol.wire import (
    SCHEMA,
    WireError,
    config_topic,
    decode,
    encode,
    is_int,
    own_terminal,
)
from protocol.wire_members import (
    MAX_LOOKUP_RESPONSE_BYTES,
    LookupRecord,
    record_from_json,
    record_to_json,
)
from protocol.wire_times import local_time, wire_time

MAX_SNAPSHOT_PAGE = 50  # cards in one answer: every lot of each, under the response's size limit
MAX_MANIFEST_DOCUMENTS = 100


@dataclass(frozen=True)
class SnapshotRequest:
    """The page of cards whose numbers sort after `after` ("" for the first page). `store_id`
    is the store the terminal is configured for: HQ goes by its own registration of the
    terminal (`hq terminal add`, or its first events) and by this only when it has none."""

    terminal_id: str
    store_id: str = ""
    after: str = ""
    limit: int = MAX_SNAPSHOT_PAGE

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "terminal_id": self.terminal_id,
                       "store_id": self.store_id, "after": self.after, "limit": self.limit})


def parse_snapshot_request(topic: str, payload: bytes) -> SnapshotRequest:
    message = decode(payload)
    terminal_id = own_terminal(topic, "snapshot/req", message)
    after, limit = message.get("after", ""), message.get("limit", MAX_SNAPSHOT_PAGE)
    store_id = message.get("store_id", "")
    for name, value in (("after", after), ("store_id", store_id)):
        if value != "" and not is_id(value):
            raise WireError("invalid_field", name)
    if not is_int(limit) or not 0 < limit <= MAX_SNAPSHOT_PAGE:
        raise WireError("invalid_field", "limit")
    return SnapshotRequest(terminal_id, store_id, after, limit)


@dataclass(frozen=True)
class SnapshotPage:
    """One page. `next_after` is "" on the last page, which alone carries `documents`."""

    as_of: datetime  # HQ's clock
    records: tuple[LookupRecord, ...] = ()
    next_after: str = ""
    documents: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def last(self) -> bool:
        return not self.next_after

    def to_bytes(self) -> bytes:
        return encode({
            "schema": SCHEMA, "as_of": wire_time(self.as_of), "next_after": self.next_after,
            "records": [record_to_json(record) for record in self.records],
            "documents": {name: {"scope": scope, "version": version}
                          for name, (scope, version) in self.documents.items()}})


def parse_snapshot_page(payload: bytes) -> SnapshotPage:
    message = decode(payload, MAX_LOOKUP_RESPONSE_BYTES)
    records, next_after = message.get("records"), message.get("next_after", "")
    if not isinstance(records, list) or len(records) > MAX_SNAPSHOT_PAGE:
        raise WireError("invalid_field", "records")
    if next_after != "" and not is_id(next_after):
        raise WireError("invalid_field", "next_after")
    return SnapshotPage(local_time(message, "as_of"),
                        tuple(record_from_json(record) for record in records), next_after,
                        _documents(message.get("documents", {})))


def _documents(raw: Any) -> dict[str, tuple[str, int]]:
    if not isinstance(raw, dict) or len(raw) > MAX_MANIFEST_DOCUMENTS:
        raise WireError("invalid_field", "documents")
    documents: dict[str, tuple[str, int]] = {}
    for name, held in raw.items():
        scope = held.get("scope") if isinstance(held, dict) else None
        version = held.get("version") if isinstance(held, dict) else None
        if not isinstance(scope, str) or not is_int(version) or version < 1:
            raise WireError("invalid_field", f"documents.{name}")
        config_topic(scope, name)  # raises WireError for a scope outside the contract
        documents[name] = (scope, version)
    return documents
