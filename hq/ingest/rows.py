"""From a parsed event batch to the rows HQ stores, and the arithmetic of watermarks and gaps.

Pure. protocol.wire has already checked the contract; this adds what a database refuses and
JSON allows (integers beyond 64 bits, NUL characters, lone surrogates), so that such a payload
becomes a dead letter instead of an error in the middle of a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

import orjson

from hq.times import stored_time
from membership.ledger import Account, LedgerEntry
from protocol.wire import MAX_ID_LENGTH, EventBatch, WireError, WireEvent

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
MAX_RESEND_RANGES = 50  # a terminal far behind gets the first ones now, the rest next time
STORED_VALUE_ACCOUNTS = (Account.PRINCIPAL, Account.BONUS)
# The balances an offline terminal may take below zero, flagged as overdrafts: points and
# prepaid minutes too (an honest offline terminal may spend what HQ no longer has), never
# quarantined.
DEBITED_ACCOUNTS = (*STORED_VALUE_ACCOUNTS, Account.COUNT, Account.POINTS, Account.TIME)
POINTS_OVERDRAFT = "points"  # an overdraft's kind and reason when points went below zero


@dataclass(frozen=True)
class PreparedEvent:
    event: WireEvent  # its `at` as HQ stores times: naive UTC (hq.times)
    payload_json: str
    entries: tuple[LedgerEntry, ...]
    # A sale's hq.ingest.redecide.SaleVerdict, decided before the write lock; None if not.
    sale_verdict: object = None


@dataclass(frozen=True)
class PreparedBatch:
    terminal_id: str
    sent_at: datetime
    events: tuple[PreparedEvent, ...]
    store_id: str  # from a payload that names it; "" if none does


def prepare_batch(batch: EventBatch) -> PreparedBatch:
    """Raises WireError for anything the database could not store as it is."""
    events = tuple(_prepare_event(event, batch.plain_text) for event in batch.events)
    store_ids = (event.event.payload.get("store_id") for event in events)
    store_id = next((value for value in store_ids if _is_id(value)), "")
    return PreparedBatch(batch.terminal_id, _naive(batch.sent_at, "sent_at"), events, store_id)


def _prepare_event(event: WireEvent, plain_text: bool) -> PreparedEvent:
    """`plain_text`: the batch's JSON text had no escape and only printable characters, so no
    text in it can hold a NUL or a lone surrogate (each needs an escape): no text is checked."""
    if event.seq > INT64_MAX:
        raise WireError("invalid_field", "seq")
    if not plain_text:
        _check_text(event.op_id, "op_id")
    try:  # orjson refuses a lone surrogate, which a database cannot store either
        payload_json = orjson.dumps(event.payload).decode()
    except orjson.JSONEncodeError:
        raise WireError("invalid_field", "payload") from None
    if not plain_text:
        _check_text(payload_json, "payload")
    entries = tuple(_prepare_entry(entry, plain_text) for entry in event.parsed_entries)
    if event.at.tzinfo is not None:
        event = WireEvent(event.seq, event.op_id, event.type, _naive(event.at, "at"),
                          event.payload, event.parsed_entries)
    return PreparedEvent(event, payload_json, entries)


def _prepare_entry(entry: LedgerEntry, plain_text: bool) -> LedgerEntry:
    """The entry (protocol.wire has parsed and bounded it) with its time as HQ stores it."""
    if not _is_id(entry.card_no):
        raise WireError("invalid_entry", "card_no")
    if not plain_text:
        for name in ("op_id", "lot", "service", "actor_card_no", "reverses_op", "note"):
            _check_text(getattr(entry, name), name)
    if entry.at.tzinfo is None:
        return entry
    # Positionally, not dataclasses.replace: 25,000 entries a second pass here.
    return LedgerEntry(entry.op_id, entry.card_no, entry.account, entry.delta, entry.kind,
                       _naive(entry.at, "entry at"), entry.lot, entry.service,
                       entry.valid_from, entry.valid_until, entry.actor_card_no,
                       entry.reverses_op, entry.line_no, entry.note)


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and is_storable_text(value)


def _check_text(value: str, name: str) -> None:
    if not is_storable_text(value):
        raise WireError("invalid_field", name)


def is_storable_text(value: str) -> bool:
    """False for what JSON allows and databases refuse: NUL (PostgreSQL text cannot hold it)
    and lone surrogates such as \ud800 (not encodable as UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _naive(moment: datetime, name: str) -> datetime:
    """As HQ stores it (hq.times): naive UTC. protocol.wire has refused a naive time."""
    try:
        return stored_time(moment)
    except OverflowError:  # year 9999 and an offset west of UTC
        raise WireError("invalid_field", name) from None


def event_row(terminal_id: str, prepared: PreparedEvent, received_at: datetime) -> dict[str, Any]:
    event = prepared.event
    return {"terminal_id": terminal_id, "seq": event.seq, "op_id": event.op_id,
            "type": event.type, "terminal_at": event.at, "received_at": received_at,
            "payload": prepared.payload_json}


def entry_row(terminal_id: str, seq: int, entry: LedgerEntry) -> dict[str, Any]:
    return {"terminal_id": terminal_id, "seq": seq, "op_id": entry.op_id,
            "card_no": entry.card_no, "account": entry.account.value, "delta": entry.delta,
            "kind": entry.kind.value, "at": entry.at, "lot": entry.lot, "service": entry.service,
            "valid_from": entry.valid_from, "valid_until": entry.valid_until,
            "actor_card_no": entry.actor_card_no, "reverses_op": entry.reverses_op,
            "line_no": entry.line_no, "note": entry.note}


def advance_watermark(watermark: int, stored_above: Sequence[int]) -> int:
    """The highest seq reached from `watermark` without a gap; `stored_above` is sorted."""
    for seq in stored_above:
        if seq != watermark + 1:
            break
        watermark = seq
    return watermark


def missing_ranges(watermark: int, stored_above: Iterable[int], highest: int
                   ) -> list[tuple[int, int]]:
    """The runs of seqs between `watermark` and `highest` that are not stored, first ones first."""
    ranges: list[tuple[int, int]] = []
    expected = watermark + 1
    for seq in stored_above:
        if seq > expected:
            ranges.append((expected, seq - 1))
        expected = max(expected, seq + 1)
        if len(ranges) >= MAX_RESEND_RANGES:
            return ranges
    if expected <= highest:
        ranges.append((expected, highest))
    return ranges[:MAX_RESEND_RANGES]


@dataclass(frozen=True)
class Debit:
    """A balance an event took something from: where an overdraft would show."""

    card_no: str
    kind: str  # stored_value or count (as in an authorisation), points or time
    service: str

    @staticmethod
    def of(card_no: str, account: str, service: str) -> Debit:
        """The balance a debit of `account` (a ledger account's value) takes from."""
        if account == Account.COUNT.value:
            return Debit(card_no, "count", service)
        if account == Account.POINTS.value:
            return Debit(card_no, "points", "")
        if account == Account.TIME.value:  # one balance of minutes, whatever the service
            return Debit(card_no, "time", "")
        return Debit(card_no, "stored_value", "")


def debits_by_last_event(events: Iterable[PreparedEvent]) -> dict[Debit, PreparedEvent]:
    """Every balance the events debit, with the last event (highest seq) that debited it."""
    debits: dict[Debit, PreparedEvent] = {}
    for prepared in events:
        for entry in prepared.entries:
            if entry.delta >= 0:
                continue
            if entry.account in DEBITED_ACCOUNTS:
                debits[Debit.of(entry.card_no, entry.account.value, entry.service)] = prepared
    return debits
