"""HQ's check of a batch's prepaid-time purchases and timed-session bills
(membership.time_rules): against the time rates and features of every published version of
the card's type, and the passes HQ knows on the card (its ledger, and the batch's allowed
events so far). A session is timed on the store's wall clock (hq.stores zones): its
`started_at` is the terminal's wall-clock time without offset, as the core wrote it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from hq.db import HqDatabase
from hq.ingest.batch_facts import BatchCards, PublishedRules
from hq.ingest.rows import PreparedEvent
from hq.stores import StoreZones
from hq.times import local_wall_time
from membership.cards import Feature
from membership.ledger import Account
from membership.time_rules import (
    SESSION,
    TIME_EVENTS,
    TIME_PURCHASE,
    session_reason,
    time_purchase_reason,
)

PassLot = tuple[str, str, date | None, date | None]  # lot, service, valid_from, valid_until


class TimeChecks:
    """What the batch's time events are checked against, read once a batch."""

    def __init__(self, db: HqDatabase, events: Sequence[PreparedEvent], published: PublishedRules,
                 cards: BatchCards, zones: StoreZones | None = None) -> None:
        timed = [prepared for prepared in events if prepared.event.type in TIME_EVENTS]
        card_nos = sorted({_text(prepared.event.payload.get("card_no")) for prepared in timed})
        self._types = published.card_types
        self._cards = cards
        self._passes = _pass_lots(db, card_nos)
        self._zones = zones or StoreZones(db)

    def reason(self, prepared: PreparedEvent, allowed: Sequence[PreparedEvent]) -> str:
        event = prepared.event
        card_no = _text(event.payload.get("card_no"))
        types = self._cards.types_of(card_no, self._types)
        if event.type == TIME_PURCHASE:
            return time_purchase_reason(event.payload, prepared.entries, any(
                card_type.has(Feature.TIME) for card_type in types))
        if event.type != SESSION:
            return ""
        zone = self._zones.of_terminal(event.op_id.rpartition("-")[0])
        passes = [*self._passes.get(card_no, []), *_batch_passes(card_no, allowed)]

        def known(lot: str, service: str, day: date) -> bool:
            return any(lot == held and service == held_service and (start is None or start <= day)
                       and (end is None or day <= end)
                       for held, held_service, start, end in passes)

        return session_reason(event.payload, prepared.entries,
                              _started_at(event.payload.get("started_at"), zone),
                              local_wall_time(event.at, zone),
                              [rate for card_type in types for rate in card_type.time_rates],
                              known)


def _pass_lots(db: HqDatabase, card_nos: Iterable[str]) -> dict[str, list[PassLot]]:
    """The pass lots still held (not refunded) on the cards, from HQ's ledger."""
    ledger = db.ledger
    held: dict[tuple[str, str, str, date | None, date | None], int] = {}
    wanted = sorted(set(card_nos))
    if wanted:
        for card_no, lot, service, start, end, delta in ledger.select(
                ledger.card_no, ledger.lot, ledger.service, ledger.valid_from,
                ledger.valid_until, ledger.delta).where(
                ledger.card_no.in_(wanted), ledger.account == Account.PASS.value).tuples():
            key = (card_no, lot, service, _day(start), _day(end))
            held[key] = held.get(key, 0) + delta
    lots: dict[str, list[PassLot]] = {}
    for (card_no, lot, service, start, end), remaining in held.items():
        if remaining > 0:
            lots.setdefault(card_no, []).append((lot, service, start, end))
    return lots


def _batch_passes(card_no: str, allowed: Iterable[PreparedEvent]) -> list[PassLot]:
    return [(entry.lot, entry.service, entry.valid_from, entry.valid_until)
            for prepared in allowed for entry in prepared.entries
            if entry.card_no == card_no and entry.account is Account.PASS and entry.delta > 0]


def _started_at(value: Any, zone: tzinfo) -> datetime | None:
    """The session's start on the store's wall clock (a time without offset is taken as that
    already); None when missing or unreadable."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        started = datetime.fromisoformat(value)
        return started if started.tzinfo is None else local_wall_time(started, zone)
    except (ValueError, OverflowError):
        return None


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
