"""Times on the wire: ISO 8601 with their UTC offset (docs/protocol.md, "Times").

A terminal's clock is naive local time (its business day is its own local day); it gives each
time its zone's offset when it writes a message. HQ keeps UTC and writes aware times. HQ refuses
a terminal's time without an offset: read as HQ's own zone it would be hours out, and a store in
Asia/Shanghai against an HQ in UTC would see every PIN request stale and every batch flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from protocol.wire_bounds import WireError


def wire_time(moment: datetime) -> str:
    """`moment` with its UTC offset. A naive time is this process's local time (a terminal's
    clock); an aware one keeps its own offset."""
    return (moment if moment.tzinfo is not None else moment.astimezone()).isoformat()


def optional_wire_time(moment: datetime | None) -> str | None:
    return None if moment is None else wire_time(moment)


def required_time(message: Mapping[str, Any], name: str) -> datetime:
    """An aware time: a time without its UTC offset is a WireError `invalid_field`."""
    moment = _parsed(message, name)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise WireError("invalid_field", f"{name}: a time without its UTC offset")
    return moment


def local_time(message: Mapping[str, Any], name: str) -> datetime:
    """A time HQ sent, as this process's naive local time (a terminal's clock). A time without
    an offset, from an HQ older than offsets on the wire, is taken as local already."""
    moment = _parsed(message, name)
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone().replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise WireError("invalid_field", name) from None


def is_aware_text(value: Any) -> bool:
    """Whether `value` is an ISO 8601 time with its UTC offset."""
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).utcoffset() is not None
    except ValueError:
        return False


def with_entry_offsets(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with each ledger entry's naive `at` given this process's offset: a terminal's
    outbox keeps its entries as the core wrote them, in local time (the outbox of a terminal
    from before offsets on the wire among them). A timed session's `started_at` likewise."""
    stamped = payload
    entries = payload.get("entries")
    if isinstance(entries, list) and not all(
            not isinstance(entry, dict) or is_aware_text(entry.get("at")) for entry in entries):
        stamped = {**payload, "entries": [_entry_with_offset(entry) for entry in entries]}
    started = payload.get("started_at")
    if isinstance(started, str) and not is_aware_text(started):
        stamped = {**stamped, "started_at": _with_offset(started)}
    return stamped


def _with_offset(text: str) -> str:
    try:
        return wire_time(datetime.fromisoformat(text))
    except ValueError:
        return text


def _entry_with_offset(entry: Any) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("at"), str):
        return entry
    try:
        at = datetime.fromisoformat(entry["at"])
    except ValueError:
        return entry
    return {**entry, "at": wire_time(at)}


def _parsed(message: Mapping[str, Any], name: str) -> datetime:
    value = message.get(name)
    if not isinstance(value, str) or len(value) > 40:
        raise WireError("invalid_field", name)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise WireError("invalid_field", name) from None
