"""The MQTT contract's messages as plain data: build, parse and validate (docs/protocol.md).

Pure: JSON in and out, no network. Terminal and HQ both use it, so a message one side builds is
exactly what the other validates. Every parse error is a WireError with a short `reason` that HQ
stores in its dead-letter table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from membership.events import entry_from_dict
from membership.ledger import LedgerEntry
from membership.profiles import registration_problem, uid_problem
from protocol.wire_bounds import (
    MAX_SEQ,
    MAX_TERMINAL_INT,
    WireError,
    check_fen,
    is_int,
    refuse_unsafe_text,
    strict_json,
)
from protocol.wire_times import (
    is_aware_text,
    required_time,
    wire_time,
    with_entry_offsets,
)

# The protocol's version, written on every message (docs/protocol.md, Versions). 2: sales carry
# their decision's inputs, times their UTC offset. HQ refuses a terminal's message of another
# version (`schema_unsupported`: terminals are upgraded after HQ); a terminal still reads HQ's
# messages of version 1 (retained ones outlive HQ's upgrade). A message without one is version 1.
SCHEMA = 2
READABLE_SCHEMAS = frozenset({1, 2})
PREFIX = "hy/v1"
MAX_EVENT_BATCH_BYTES = 256 * 1024
MAX_EVENTS_PER_BATCH = 500
MAX_MESSAGE_BYTES = 64 * 1024
MAX_CONFIG_BYTES = 8 * 1024 * 1024  # a 10,000-product price book is about 1.5 MB
MAX_ID_LENGTH = 64
EVENT_TYPES = frozenset({
    "sale.completed", "sale.refunded", "sale.voided", "card.issued", "card.topped_up",
    "card.withdrawn", "card.lost", "card.found", "card.frozen", "card.unfrozen",
    "card.replaced", "card.extended", "card.cancelled", "package.purchased", "time.purchased",
    "pass.purchased", "gift.redeemed", "time.session_closed", "shift.opened", "shift.closed",
    "member.registered", "card.level_changed",
})
# What terminals publish and HQ subscribes to (request/response kinds answer on `<kind>/resp`).
TERMINAL_TOPICS = ("events", "shadow", "status", "auth/req", "lookup/req", "pin/req",
                   "snapshot/req")
CONFIG_SCOPES = ("all", "region", "store", "terminal")


def terminal_topic(terminal_id: str, kind: str) -> str:
    return f"{PREFIX}/t/{terminal_id}/{kind}"


def config_topic(scope: str, name: str) -> str:
    """scope is `all`, `region:R`, `store:S` or `terminal:T`."""
    kind, _, value = scope.partition(":")
    if kind not in CONFIG_SCOPES or (kind == "all") != (value == ""):
        raise WireError("scope_invalid", scope)
    path = "all" if kind == "all" else f"{kind}/{value}"
    return f"{PREFIX}/config/{path}/{name}"


def split_terminal_topic(topic: str) -> tuple[str, str]:
    """`hy/v1/t/T1/auth/req` -> ("T1", "auth/req")."""
    parts = topic.split("/")
    if len(parts) < 4 or "/".join(parts[:2]) != PREFIX or parts[2] != "t":
        raise WireError("topic_invalid", topic)
    return parts[3], "/".join(parts[4:])


def encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def decode(payload: bytes, max_bytes: int = MAX_MESSAGE_BYTES, max_int: int | None = None
           ) -> dict[str, Any]:
    """Strict JSON (protocol.wire_bounds.strict_json): a NaN, an infinity or a huge integer is
    a WireError `number_invalid`; an integer beyond ±max_int, when given, `out_of_range`."""
    if len(payload) > max_bytes:
        raise WireError("too_large", f"{len(payload)} > {max_bytes} bytes")
    try:
        message = strict_json(payload, max_int)
    except RecursionError:
        raise WireError("malformed_json", "nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireError("malformed_json", str(error)[:200]) from None
    if not isinstance(message, dict):
        raise WireError("malformed_json", "not an object")
    check_schema(message, READABLE_SCHEMAS)
    return message


def check_schema(message: Mapping[str, Any], schemas: frozenset[int]) -> None:
    """WireError `schema_unsupported` unless the message's version is one of `schemas`."""
    schema = message.get("schema", 1)
    if not is_int(schema) or schema not in schemas:
        raise WireError("schema_unsupported",
                        f"schema {schema!r:.20}: this side speaks {max(schemas)}")


@dataclass(frozen=True)
class WireEvent:
    seq: int
    op_id: str
    type: str
    at: datetime  # the terminal's clock
    payload: dict[str, Any] = field(default_factory=dict)
    # The payload's ledger entries as parse_event_batch read them (once: HQ's hot path), with
    # their times as sent; () for an event built to be sent.
    parsed_entries: tuple[LedgerEntry, ...] = field(default=(), compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "op_id": self.op_id, "type": self.type,
                "at": wire_time(self.at), "payload": with_entry_offsets(self.payload)}


@dataclass(frozen=True)
class EventBatch:
    terminal_id: str
    sent_at: datetime
    events: tuple[WireEvent, ...]
    # The JSON text had no escape and only printable characters: none of its texts can hold a
    # NUL or a lone surrogate (protocol.wire_bounds.refuse_unsafe_text).
    plain_text: bool = False


def build_event_batch(terminal_id: str, events: Sequence[WireEvent], sent_at: datetime) -> bytes:
    return encode({"schema": SCHEMA, "terminal_id": terminal_id, "sent_at": wire_time(sent_at),
                   "events": [event.to_json() for event in events]})


def parse_event_batch(topic: str, payload: bytes) -> EventBatch:
    """Validate a batch from `topic`; the payload must name the topic's terminal (decision 8)."""
    topic_terminal, kind = split_terminal_topic(topic)
    if kind != "events":
        raise WireError("topic_invalid", topic)
    message = decode(payload, MAX_EVENT_BATCH_BYTES, MAX_TERMINAL_INT)
    check_schema(message, frozenset({SCHEMA}))  # a terminal's message: this version only
    terminal_id = required_text(message, "terminal_id")
    if terminal_id != topic_terminal:
        raise WireError("terminal_mismatch", f"{terminal_id!r} on {topic_terminal!r}'s topic")
    raw_events = message.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise WireError("invalid_field", "events")
    if len(raw_events) > MAX_EVENTS_PER_BATCH:
        raise WireError("too_large", f"{len(raw_events)} events")
    events = tuple(_event(raw) for raw in raw_events)
    seqs = [event.seq for event in events]
    if seqs != sorted(set(seqs)):
        raise WireError("seq_order", "events must be in increasing seq order")
    plain_text = refuse_unsafe_text(terminal_id, message, payload)  # after the fields' checks
    return EventBatch(terminal_id, required_time(message, "sent_at"), events, plain_text)


def _event(raw: Any) -> WireEvent:
    if not isinstance(raw, dict):
        raise WireError("invalid_field", "event")
    seq = raw.get("seq")
    if not is_int(seq) or not 1 <= seq <= MAX_SEQ:
        raise WireError("invalid_field", "seq")
    event_type = required_text(raw, "type")
    if event_type not in EVENT_TYPES:
        raise WireError("event_type_unknown", event_type[:40])
    payload = raw.get("payload")
    if not isinstance(payload, dict):
        raise WireError("invalid_field", "payload")
    entries = validate_event_payload(payload)
    _require_entry_offsets(payload)
    _validate_member_fields(event_type, payload)
    return WireEvent(seq, required_text(raw, "op_id"), event_type, required_time(raw, "at"),
                     payload, entries)


def validate_event_payload(payload: Mapping[str, Any]) -> tuple[LedgerEntry, ...]:
    """Entries must be well-formed ledger entries (membership.events bounds their deltas);
    money fields integers from 0 to MAX_FEN. Returns the entries."""
    raw_entries = payload.get("entries", [])
    if not isinstance(raw_entries, list):
        raise WireError("invalid_field", "entries")
    try:
        entries = tuple(entry_from_dict(raw) for raw in raw_entries)
    except (KeyError, ValueError, TypeError) as error:
        raise WireError("invalid_entry", str(error)[:120]) from None
    tenders = payload.get("tenders", [])
    if not isinstance(tenders, list):
        raise WireError("invalid_field", "tenders")
    for tender in tenders:
        amount = tender.get("amount") if isinstance(tender, dict) else None
        check_fen(amount, "tender")
    for name in ("amount_due", "gross", "paid", "bonus", "amount", "change", "price"):
        if name in payload:
            check_fen(payload[name], name)
    return entries


def _require_entry_offsets(payload: Mapping[str, Any]) -> None:
    """From a terminal, every ledger entry's `at` carries its UTC offset (protocol.wire_times)."""
    if not all(is_aware_text(raw.get("at")) for raw in payload.get("entries", [])):
        raise WireError("invalid_entry", "at: a time without its UTC offset")


_BINDS_UID = ("card.issued", "card.replaced")  # the (new) card's UID, when it has no number chip


def _validate_member_fields(event_type: str, payload: Mapping[str, Any]) -> None:
    """A profile (member.registered) and a card's UID (card.issued, card.replaced) must be
    well-formed."""
    if event_type == "member.registered":
        problem = registration_problem(payload)
    else:
        problem = uid_problem(payload) if event_type in _BINDS_UID else ""
    if problem:
        raise WireError("invalid_field", problem)


def required_text(message: Mapping[str, Any], name: str) -> str:
    value = message.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise WireError("invalid_field", name)
    return value


def build_ack(terminal_id: str, watermark: int, at: datetime,
              quarantined: Sequence[tuple[int, str]] = ()) -> bytes:
    """`quarantined`: (seq, reason) of the batch's events HQ stored but applied to nothing; the
    field is left out when there are none, so an honest ack is as before."""
    message: dict[str, Any] = {"schema": SCHEMA, "terminal_id": terminal_id,
                               "watermark": watermark, "at": wire_time(at)}
    if quarantined:
        message["quarantined"] = [{"seq": seq, "reason": reason} for seq, reason in quarantined]
    return encode(message)


@dataclass(frozen=True)
class Ack:
    watermark: int
    quarantined: tuple[tuple[int, str], ...] = ()  # (seq, reason), as build_ack lists them


def parse_ack(payload: bytes) -> int:
    return parse_ack_message(payload).watermark


def parse_ack_message(payload: bytes) -> Ack:
    message = decode(payload)
    watermark = message.get("watermark")
    if not is_int(watermark) or not 0 <= watermark <= MAX_SEQ:
        raise WireError("invalid_field", "watermark")
    listed = message.get("quarantined", [])
    if not isinstance(listed, list) or len(listed) > MAX_EVENTS_PER_BATCH:
        raise WireError("invalid_field", "quarantined")
    return Ack(watermark, tuple(_quarantined(item) for item in listed))


def _quarantined(item: Any) -> tuple[int, str]:
    seq = item.get("seq") if isinstance(item, dict) else None
    reason = item.get("reason") if isinstance(item, dict) else None
    if not is_int(seq) or not 1 <= seq <= MAX_SEQ or not isinstance(reason, str) or not (
            0 < len(reason) <= MAX_ID_LENGTH):
        raise WireError("invalid_field", "quarantined")
    return seq, reason


def build_resend(terminal_id: str, from_seq: int, to_seq: int) -> bytes:
    return encode({"schema": SCHEMA, "terminal_id": terminal_id, "from_seq": from_seq,
                   "to_seq": to_seq})


def parse_resend(payload: bytes) -> tuple[int, int]:
    message = decode(payload)
    first, last = message.get("from_seq"), message.get("to_seq")
    if not (is_int(first) and is_int(last)) or not 1 <= first <= last <= MAX_SEQ:
        raise WireError("invalid_field", "from_seq/to_seq")
    return first, last


def build_status(terminal_id: str, online: bool, at: datetime) -> bytes:
    """Retained; the offline form is also the connection's will message."""
    return encode({"schema": SCHEMA, "terminal_id": terminal_id,
                   "state": "online" if online else "offline", "at": wire_time(at)})


def parse_status(topic: str, payload: bytes) -> tuple[str, bool, datetime]:
    message = decode(payload, max_int=MAX_TERMINAL_INT)
    terminal_id = own_terminal(topic, "status", message)
    state = message.get("state")
    if state not in ("online", "offline"):
        raise WireError("invalid_field", "state")
    return terminal_id, state == "online", required_time(message, "at")


@dataclass(frozen=True)
class Shadow:
    """What a terminal reports (retained): applied configuration and its own health."""

    terminal_id: str
    app_version: str
    applied: dict[str, dict[str, Any]]  # name -> {"scope": ..., "version": ...}
    outbox_depth: int
    last_ack: int
    printer: str
    reported_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "terminal_id": self.terminal_id,
                "app_version": self.app_version, "applied": self.applied,
                "outbox_depth": self.outbox_depth, "last_ack": self.last_ack,
                "printer": self.printer, "reported_at": wire_time(self.reported_at)}


def parse_shadow(topic: str, payload: bytes) -> Shadow:
    message = decode(payload, max_int=MAX_TERMINAL_INT)
    terminal_id = own_terminal(topic, "shadow", message)
    applied = message.get("applied")
    if not isinstance(applied, dict) or not all(
        isinstance(doc, dict) and is_int(doc.get("version")) and 0 <= doc["version"] <= MAX_SEQ
        for doc in applied.values()
    ):
        raise WireError("invalid_field", "applied")
    depth, last_ack = message.get("outbox_depth"), message.get("last_ack")
    if not (is_int(depth) and is_int(last_ack)) or not (0 <= depth <= MAX_SEQ
                                                        and 0 <= last_ack <= MAX_SEQ):
        raise WireError("invalid_field", "outbox_depth/last_ack")
    return Shadow(terminal_id, str(message.get("app_version", ""))[:40], applied, depth,
                  last_ack, str(message.get("printer", "unknown"))[:20],
                  required_time(message, "reported_at"))


def own_terminal(topic: str, kind: str, message: Mapping[str, Any]) -> str:
    """The terminal of a terminal's message (every kind but the event batch checks it here):
    its topic's, which the message must name, in this version of the protocol."""
    check_schema(message, frozenset({SCHEMA}))
    topic_terminal, topic_kind = split_terminal_topic(topic)
    if topic_kind != kind:
        raise WireError("topic_invalid", topic)
    if required_text(message, "terminal_id") != topic_terminal:
        raise WireError("terminal_mismatch", topic_terminal)
    refuse_unsafe_text(topic_terminal, message)
    return topic_terminal
