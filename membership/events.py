"""Domain events: what happened, as JSON-ready plain data, for the outbox and HQ ingest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from membership.ledger import Account, EntryKind, LedgerEntry
from membership.money import MAX_FEN

# Points, counts and minutes are bounded as money is: one entry moves at most MAX_DELTA.
MAX_DELTA = MAX_FEN
MAX_LINE_NO = 2**31 - 1


@dataclass(frozen=True)
class DomainEvent:
    """`type` names the event (`sale.completed`, `card.topped_up`, ...); payload is plain JSON."""

    type: str
    op_id: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


def entry_to_dict(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "op_id": entry.op_id,
        "card_no": entry.card_no,
        "account": entry.account.value,
        "delta": entry.delta,
        "kind": entry.kind.value,
        "at": entry.at.isoformat(),
        "lot": entry.lot,
        "service": entry.service,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "actor_card_no": entry.actor_card_no,
        "reverses_op": entry.reverses_op,
        "line_no": entry.line_no,
        "note": entry.note,
    }


def entry_from_dict(data: dict[str, Any]) -> LedgerEntry:
    """The inverse of entry_to_dict; raises KeyError / ValueError on a malformed document
    (a delta beyond ±MAX_DELTA or a line number beyond MAX_LINE_NO among them)."""
    delta, line_no = data["delta"], data.get("line_no")
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise ValueError("delta must be an integer")
    if abs(delta) > MAX_DELTA:
        raise ValueError("delta out of range")
    if line_no is not None and (not isinstance(line_no, int) or isinstance(line_no, bool)
                                or not 0 <= line_no <= MAX_LINE_NO):
        raise ValueError("line_no out of range")
    return LedgerEntry(
        op_id=str(data["op_id"]),
        card_no=str(data["card_no"]),
        account=Account(data["account"]),
        delta=delta,
        kind=EntryKind(data["kind"]),
        at=datetime.fromisoformat(data["at"]),
        lot=str(data.get("lot") or ""),
        service=str(data.get("service") or ""),
        valid_from=_optional_date(data.get("valid_from")),
        valid_until=_optional_date(data.get("valid_until")),
        actor_card_no=str(data.get("actor_card_no") or ""),
        reverses_op=str(data.get("reverses_op") or ""),
        line_no=line_no,
        note=str(data.get("note") or ""),
    )


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
