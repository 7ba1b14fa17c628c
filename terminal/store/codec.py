"""Domain objects to plain JSON data and back, for the documents the store keeps.

Encoding is generic over the core's frozen dataclasses (enums by value, times in ISO 8601,
tuples as lists; ledger entries in their wire form, membership.events.entry_to_dict). Decoding
is explicit per type, so a stored document that no longer fits raises StoreCorrupt instead of
building a half-right object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import orjson

from membership.birthdays import Birthday, format_birthday, parse_birthday
from membership.cards import Card, CardStatus
from membership.commission import CommissionBasis, CommissionLine
from membership.errors import DomainError
from membership.events import DomainEvent, entry_to_dict
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, Lot
from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow
from membership.refunds import RefundRecord
from membership.sale_record import RecordLine, SaleRecord
from terminal.store.errors import StoreCorrupt

_SCALARS = (str, int, bool, float, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def json_ready(value: Any) -> Any:
    """JSON-ready data for a core value (dataclasses, enums, times, tuples, mappings)."""
    kind = type(value)
    if kind in _SCALARS:  # exact types: an enum is a str subclass and must take its value
        return value
    if kind is tuple or kind is list:
        return [json_ready(item) for item in value]
    if kind is LedgerEntry:
        return entry_to_dict(value)
    names = _FIELD_NAMES.get(kind)
    if names is not None or (is_dataclass(value) and not isinstance(value, type)):
        return {name: json_ready(getattr(value, name)) for name in names or _field_names(kind)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):  # subclasses, after the exact types above
        return [json_ready(item) for item in value]
    return value


def _field_names(kind: type) -> tuple[str, ...]:
    # fields() is slow enough to show in a sale's commit time; a class's fields never change.
    if kind not in _FIELD_NAMES:
        _FIELD_NAMES[kind] = tuple(field.name for field in fields(kind))
    return _FIELD_NAMES[kind]


def json_text(value: Any) -> str:
    """The JSON text of json_ready(value), encoded in one pass: a sale's commit encodes three
    documents, and json_ready() followed by json.dumps was a third of its time.

    orjson writes the core's dataclasses, enums and times itself, in json_ready()'s form (fields in
    declared order, an enum's value, ISO times: LedgerEntry's fields are entry_to_dict's, in
    its order), four times faster than the standard encoder with a Python `default` for each
    object (bench/store_bench.py). What orjson refuses but the standard library writes (an
    integer beyond 64 bits, nesting past 254 levels) goes to the standard encoder, which writes
    the same text or raises the same TypeError."""
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS
                            ).decode()
    except orjson.JSONEncodeError:
        return _ENCODER.encode(value)


def _json_default(value: Any) -> Any:
    """What json_ready() gives for a value the JSON encoder does not know; the encoder recurses."""
    kind = type(value)
    if kind is LedgerEntry:
        return entry_to_dict(value)
    names = _FIELD_NAMES.get(kind)
    if names is not None or (is_dataclass(value) and not isinstance(value, type)):
        return {name: getattr(value, name) for name in names or _field_names(kind)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    raise TypeError(f"not JSON data: {kind.__name__}")


# Same text as models.compact_json(json_ready(value)): compact, Chinese as is, fields in order.
# Enums with a str or int mixin are encoded from that mixin by the C encoder: their value.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def record_json(record: SaleRecord | RefundRecord) -> str:
    """A sale or refund record without its entries: those are stored once, in ledger_entry,
    and given back to the record when it is read."""
    return json_text({name: getattr(record, name) for name in _field_names(type(record))
                      if name != "entries"})


def event_document(event: DomainEvent) -> dict[str, Any]:
    """The outbox form of an event: type, op_id, terminal time and the payload as is."""
    return {"type": event.type, "op_id": event.op_id, "at": event.at.isoformat(),
            "payload": event.payload}


@contextmanager
def decoding(what: str, key: str) -> Iterator[None]:
    try:
        yield
    except (KeyError, TypeError, ValueError) as error:
        raise StoreCorrupt(document=what, key=key, detail=str(error)) from error


def _pairs(items: Any) -> tuple[tuple[Any, Any], ...]:
    return tuple((first, second) for first, second in items)


def _commission(data: Mapping[str, Any]) -> CommissionLine:
    return CommissionLine(
        staff_id=data["staff_id"], basis=CommissionBasis(data["basis"]), amount=data["amount"],
        rule_code=data["rule_code"], line_no=data.get("line_no"),
        source_amount=data.get("source_amount", 0),
    )


def _record_line(data: Mapping[str, Any]) -> RecordLine:
    simple = {field.name: data[field.name] for field in fields(RecordLine)
              if field.name in data and field.name != "tender_parts"}
    return RecordLine(**simple, tender_parts=_pairs(data.get("tender_parts", ())))


def sale_record_from_plain(
    data: Mapping[str, Any], entries: Sequence[LedgerEntry]
) -> SaleRecord:
    return SaleRecord(
        op_id=data["op_id"], at=datetime.fromisoformat(data["at"]), store_id=data["store_id"],
        terminal_id=data["terminal_id"], card_no=data["card_no"],
        actor_card_no=data["actor_card_no"],
        lines=tuple(_record_line(line) for line in data["lines"]),
        commissions=tuple(_commission(line) for line in data.get("commissions", ())),
        entries=tuple(entries), amount_due=data["amount_due"], cash_received=data["cash_received"],
        change=data["change"],
    )


def refund_record_from_plain(
    data: Mapping[str, Any], entries: Sequence[LedgerEntry]
) -> RefundRecord:
    return RefundRecord(
        op_id=data["op_id"], original_op=data["original_op"],
        at=datetime.fromisoformat(data["at"]), quantities=_pairs(data["quantities"]),
        amount=data["amount"], tender_refunds=_pairs(data["tender_refunds"]),
        entries=tuple(entries),
        commissions=tuple(_commission(line) for line in data.get("commissions", ())),
        is_void=data.get("is_void", False),
    )


def _receipt_rows(rows: Any) -> tuple[ReceiptRow, ...]:
    return tuple(ReceiptRow(row["label_key"], row.get("amount"), row.get("value", ""))
                 for row in rows)


def receipt_from_plain(data: Mapping[str, Any]) -> Receipt:
    lines = tuple(
        ReceiptLine(line["name"], line["qty"], line["unit_price"], line["amount"],
                    tuple(line.get("notes", ())))
        for line in data.get("lines", ())
    )
    texts = {name: data.get(name, "") for name in (
        "store_name", "terminal_id", "cashier", "card_no_masked", "member_name", "qr_payload")}
    return Receipt(
        kind=ReceiptKind(data["kind"]), op_id=data["op_id"],
        at=datetime.fromisoformat(data["at"]), lines=lines,
        totals=_receipt_rows(data.get("totals", ())),
        tenders=_receipt_rows(data.get("tenders", ())),
        balances=_receipt_rows(data.get("balances", ())),
        footer_keys=tuple(data.get("footer_keys", ())), **texts,
    )


# The ledger_entry columns entry_row gives, in its order (terminal.store.statements).
ENTRY_COLUMNS = ("op_id", "entry_index", "card_no", "account", "delta", "kind", "at", "lot",
                 "service", "valid_from", "valid_until", "actor_card_no", "reverses_op",
                 "line_no", "note")


def entry_row(entry: LedgerEntry, index: int) -> tuple[Any, ...]:
    """Column values of one ledger entry, the `index`-th of its operation (ENTRY_COLUMNS)."""
    return (entry.op_id, index, entry.card_no, entry.account.value, entry.delta,
            entry.kind.value, entry.at, entry.lot, entry.service, entry.valid_from,
            entry.valid_until, entry.actor_card_no, entry.reverses_op, entry.line_no, entry.note)


def entry_from_row(row: Any) -> LedgerEntry:
    return LedgerEntry(
        op_id=row.op_id, card_no=row.card_no, account=Account(row.account), delta=row.delta,
        kind=EntryKind(row.kind), at=row.at, lot=row.lot, service=row.service,
        valid_from=row.valid_from, valid_until=row.valid_until,
        actor_card_no=row.actor_card_no, reverses_op=row.reverses_op, line_no=row.line_no,
        note=row.note,
    )


def card_columns(card: Card) -> dict[str, Any]:
    """The columns of a card row that the Card itself decides (not the HQ snapshot)."""
    return {
        "card_no": card.card_no, "member": card.member_id, "type_code": card.type_code,
        "status": card.status.value, "issued_on": card.issued_on,
        "expires_on": card.expires_on, "level": card.level,
        "parent_card_no": card.parent_card_no, "quota": card.quota,
        "replaced_by": card.replaced_by,
    }


def card_from_row(row: Any) -> Card:
    return Card(
        card_no=row.card_no, member_id=row.member_id, type_code=row.type_code,
        status=CardStatus(row.status), issued_on=row.issued_on, expires_on=row.expires_on,
        level=row.level, parent_card_no=row.parent_card_no, quota=row.quota,
        replaced_by=row.replaced_by,
    )


def _lot(data: Mapping[str, Any]) -> Lot:
    return Lot(
        lot=data["lot"], service=data["service"],
        valid_from=_optional_day(data.get("valid_from")),
        valid_until=_optional_day(data.get("valid_until")),
        remaining=data["remaining"], opened_at=datetime.fromisoformat(data["opened_at"]),
    )


def _optional_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def balances_from_plain(data: Mapping[str, Any]) -> CardBalances:
    """The inverse of json_ready(CardBalances): HQ's balances with every lot, as the card row keeps
    them."""
    return CardBalances(
        principal=data["principal"], bonus=data["bonus"], time_minutes=data["time_minutes"],
        points_lots=tuple(_lot(lot) for lot in data["points_lots"]),
        count_lots=tuple(_lot(lot) for lot in data["count_lots"]),
        pass_lots=tuple(_lot(lot) for lot in data["pass_lots"]),
        entry_count=data.get("entry_count", 0),
    )


def birthday_from_text(text: str) -> Birthday | None:
    """The member row's birthday ("" for none), as membership.birthdays.format_birthday wrote it."""
    try:
        return parse_birthday(text) if text else None
    except DomainError as error:  # within decoding(): a stored birthday that no longer parses
        raise ValueError(str(error)) from error


def birthday_text(birthday: Birthday | None) -> str:
    return format_birthday(birthday) if birthday is not None else ""
