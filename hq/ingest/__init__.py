"""Idempotent ingest of the terminals' messages (DESIGN.md decision 5).

`Ingestor.handle_events` stores a batch in one transaction: the events at most once, their
ledger entries, what they say about cards, the coupons they use, the holds they consume, the
overdrafts they cause, and the terminal's watermark. It returns what the MQTT shell must
publish (the watermark, any resend ranges) once the transaction has committed. A payload never
raises: it is stored or it becomes a dead letter. Database failures do raise, so that the shell
does not acknowledge.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from peewee import DataError

from hq.card_events import (
    BLACKLISTED,
    DATES_CARDS,
    MOVES_SUBSIDIARIES,
    CardState,
    apply_card_events,
    cards_named,
)
from hq.coupons import coupon_use_rows, store_coupon_uses
from hq.db import HqDatabase
from hq.ingest.conflicts import record_seq_conflicts
from hq.ingest.future_times import clamped_events
from hq.ingest.offline_flags import record_offline_excesses
from hq.ingest.overdrafts import record_overdrafts
from hq.ingest.ownership_screen import screen_stores
from hq.ingest.quarantine import Screened, screen, store_quarantined
from hq.ingest.redecide import with_early_sale_verdicts
from hq.ingest.refund_hold import first_held_seq
from hq.ingest.refusals import PARSER_ERRORS, Refusal
from hq.ingest.rows import (
    INT32_MAX,
    PreparedBatch,
    PreparedEvent,
    advance_watermark,
    entry_row,
    event_row,
    is_storable_text,
    missing_ranges,
    prepare_batch,
)
from hq.ingest.sql import (
    LockedCards,
    TerminalState,
    consume_holds,
    lock_cards,
    lock_terminal,
    stored_seqs_above,
)
from hq.member_events import member_rows, store_members
from hq.ownership import with_first_issuers
from hq.stores import StoreZones
from hq.subsidiaries import follow_parents
from hq.times import UTC, stored_time
from hq.visits import record_visits
from protocol.wire import WireError, WireEvent, parse_event_batch, parse_shadow, parse_status

log = logging.getLogger("hq.ingest")


@dataclass(frozen=True)
class IngestResult:
    stored: int  # events newly stored by this batch
    duplicates: int  # events HQ already had
    watermark: int  # every seq up to it is stored: publish it as the ack (0 for a dead letter)
    resend: list[tuple[int, int]] = field(default_factory=list)  # (from_seq, to_seq) missing
    dead_letter_reason: str | None = None
    card_events: bool = False  # the blacklist may have changed (Ingestor._update_cards)
    coupon_uses: bool = False  # a new sale used a coupon: coupons_used may change
    # (seq, reason) of the new events no rule allows: stored, quarantined, applied to nothing
    quarantined: list[tuple[int, str]] = field(default_factory=list)
    # events of the batch not stored (nor acknowledged) because a refund among them cannot be
    # judged before a gap below it is filled (hq.ingest.refund_hold)
    held: int = 0


@dataclass(frozen=True)
class MessageResult:
    accepted: bool
    dead_letter_reason: str | None = None


class Ingestor:
    def __init__(self, db: HqDatabase, max_clock_skew_s: int = 300,
                 verify_events: bool = True, zones: StoreZones | None = None) -> None:
        """`verify_events=False` applies every new event without screening it: for
        bench/hq_ingest_bench.py, which measures what verifying costs, only. No TOML key, CLI
        flag or environment variable reaches it; hq.service always verifies."""
        self._db = db
        self._max_clock_skew_s = max_clock_skew_s
        self._verify_events = verify_events
        self._zones = zones or StoreZones(db)

    def handle_events(self, topic: str, payload: bytes, received_at: datetime) -> IngestResult:
        """One batch in a transaction of its own (hq.ingest.group stores several in one)."""
        prepared = self.prepare_events(topic, payload)
        with self._db.write_transaction():
            return self.store_events(topic, payload, prepared, received_at)

    def prepare_events(self, topic: str, payload: bytes) -> PreparedBatch | Refusal:
        """The batch parsed and checked, or why it is refused, and its sales decided again
        (hq.ingest.redecide): a group does it before it takes the write lock."""
        try:
            prepared = prepare_batch(parse_event_batch(topic, payload))
        except PARSER_ERRORS as error:
            return Refusal.of(error)
        if not self._verify_events:
            return prepared
        return with_early_sale_verdicts(self._db, prepared, self._zones)

    def store_events(self, topic: str, payload: bytes, prepared: PreparedBatch | Refusal,
                     received_at: datetime) -> IngestResult:
        """Within a write_transaction: the batch in a savepoint of its own, so that a value the
        database refuses rolls back this batch alone and leaves it as a dead letter in the same
        transaction. Any other exception leaves the savepoint rolled back and propagates."""
        received_at = stored_time(received_at)
        if isinstance(prepared, Refusal):
            self._db.record_dead_letter(topic, payload, prepared.reason, prepared.detail,
                                        received_at)
            return IngestResult(0, 0, 0, [], prepared.reason)
        try:
            with self._db.database.atomic():  # a savepoint inside the caller's transaction
                return self._store(prepared, received_at)
        except DataError as error:
            # A value the checks above let through but the database refuses: the batch is
            # rolled back whole and kept for a person to look at. (An IntegrityError is not
            # caught: no payload can cause one, so it would be HQ's own bug.)
            self._db.record_dead_letter(topic, payload, "invalid_field", str(error)[:500],
                                        received_at)
            return IngestResult(0, 0, 0, [], "invalid_field")

    def _store(self, batch: PreparedBatch, received_at: datetime) -> IngestResult:
        terminal = self._locked_terminal(batch.terminal_id)
        stored_before = self._stored_before(terminal)
        storable = self._without_held(batch, terminal, stored_before)
        stored_seqs = self._insert_events(storable, received_at)
        stored_events = [event for event in storable.events if event.event.seq in stored_seqs]
        if len(stored_events) < len(storable.events):  # a redelivery, or a rewrite of history
            record_seq_conflicts(self._db, batch.terminal_id, [
                event for event in storable.events if event.event.seq not in stored_seqs],
                received_at)
        store_id = terminal.store_id or batch.store_id
        screened = self._screened(stored_events, store_id)
        store_quarantined(self._db, batch.terminal_id, screened.quarantined, received_at)
        new_events = screened.allowed
        coupon_uses = coupon_use_rows(batch.terminal_id, (event.event for event in new_events),
                                      received_at)
        card_events = False
        if new_events:
            card_events = self._apply_effects(batch.terminal_id, new_events, received_at,
                                              store_id)
            store_coupon_uses(self._db, coupon_uses)
        watermark, resend = self._advance(terminal, batch, stored_before, stored_seqs,
                                          received_at)
        record_overdrafts(self._db, batch.terminal_id, new_events, terminal.watermark,
                          watermark, received_at)
        if self._verify_events:
            record_offline_excesses(self._db, batch.terminal_id, new_events,
                                    terminal.watermark, watermark, received_at)
        return IngestResult(len(stored_seqs), len(storable.events) - len(stored_seqs), watermark,
                            resend, card_events=card_events, coupon_uses=bool(coupon_uses),
                            quarantined=[(event.event.seq, reason)
                                         for event, reason in screened.quarantined],
                            held=len(batch.events) - len(storable.events))

    def _without_held(self, batch: PreparedBatch, terminal: TerminalState,
                      stored_before: list[int]) -> PreparedBatch:
        """The batch without its events from the first refund HQ cannot judge yet upward: not
        stored, so not acknowledged; the terminal sends them again with the gap below."""
        if not self._verify_events:
            return batch
        held_from = first_held_seq(self._db, terminal.watermark, stored_before, batch.events)
        if held_from is None:
            return batch
        log.info("terminal %s: events from seq %d held until the gap below is filled",
                 batch.terminal_id, held_from)
        return dataclasses.replace(batch, events=tuple(
            event for event in batch.events if event.event.seq < held_from))

    def _screened(self, events: Sequence[PreparedEvent], store_id: str) -> Screened:
        """What no rule allows is stored but applied to nothing: the cross-store rules first,
        then the mint rules, for a terminal of `store_id`."""
        if not self._verify_events:
            return Screened(list(events), [])
        owned = screen_stores(self._db, events, store_id)
        screened = screen(self._db, owned.allowed, self._zones, store_id)
        return Screened(screened.allowed, sorted([*owned.quarantined, *screened.quarantined],
                                                 key=lambda refused: refused[0].event.seq))

    def _locked_terminal(self, terminal_id: str) -> TerminalState:
        """The terminal's row, locked until the transaction ends.

        Two workers may hold batches of one terminal at once (a redelivery, a resend racing a
        newer batch). Each reads the watermark, inserts, and writes a new watermark; without
        serialising them, both could read the same old watermark and the later commit would
        write back a stale one. On PostgreSQL the second worker blocks on SELECT ... FOR UPDATE
        until the first commits, then reads the row as the first left it (READ COMMITTED
        re-reads a row it waited for). On SQLite the transaction began IMMEDIATE, holding the
        database's only write lock from BEGIN to COMMIT, so the second cannot even begin.
        """
        terminal = lock_terminal(self._db, terminal_id)
        if terminal is None:  # its first message: a concurrent first one may create it too
            self._db.terminals.insert(id=terminal_id).on_conflict_ignore().execute()
            terminal = lock_terminal(self._db, terminal_id)
        if terminal is None:  # HQ never deletes a terminal: this would be a bug, not a payload
            raise self._db.terminals.DoesNotExist(terminal_id)
        return terminal

    def _insert_events(self, batch: PreparedBatch, received_at: datetime) -> set[int]:
        """Insert the batch, skipping seqs already stored; returns the seqs this call stored."""
        rows = [event_row(batch.terminal_id, event, received_at) for event in batch.events]
        inserted = self._db.bulk_insert(self._db.events, rows, skip_duplicates=True,
                                        returning="seq")
        return {seq for (seq,) in inserted}

    def _apply_effects(self, terminal_id: str, new_events: Sequence[PreparedEvent],
                       received_at: datetime, store_id: str) -> bool:
        """Ledger, cards, members and holds of the new events; True when the blacklist may
        have changed. Cards and members take the events' times no later than HQ received them
        (hq.ingest.future_times)."""
        op_ids = [event.event.op_id for event in new_events]
        locked = self._locked_cards(_cards_touched(new_events), terminal_id, op_ids)
        rows = [entry_row(terminal_id, event.event.seq, entry)
                for event in new_events for entry in event.entries]
        self._db.bulk_insert(self._db.ledger, rows)
        events = clamped_events((event.event for event in new_events), received_at,
                                self._max_clock_skew_s)
        blacklist_changed = self._update_cards(
            with_first_issuers(locked.cards, events, store_id), events, terminal_id)
        follow_parents(self._db, events)
        store_members(self._db, member_rows(events, store_id))
        record_visits(self._db, events)
        if locked.held:
            consume_holds(self._db, terminal_id, op_ids, locked.held, received_at)
        return blacklist_changed

    def _locked_cards(self, card_nos: set[str], terminal_id: str, op_ids: list[str]
                      ) -> LockedCards:
        """Cards this batch changes (balances, status, holds), created if HQ has not seen them,
        then locked. hq.authority locks a card before it reads balance and holds, so it never
        sees half of this batch."""
        if card_nos:
            self._db.bulk_insert(self._db.cards, [{"card_no": card_no}
                                                  for card_no in sorted(card_nos)],
                                 skip_duplicates=True)
        return lock_cards(self._db, card_nos, terminal_id, op_ids)

    def _update_cards(self, cards: dict[str, CardState], events: list[WireEvent],
                      terminal_id: str) -> bool:
        """Write the cards the events changed. True when one entered or left the blacklist's
        statuses, or subsidiary cards may have followed their parent: only then is the
        blacklist worth recomputing (an enrolment, the commonest card event, never is)."""
        blacklist_changed = any(event.type in MOVES_SUBSIDIARIES for event in events)
        dated = any(event.type in DATES_CARDS for event in events)
        zone = self._zones.of_terminal(terminal_id) if dated else UTC  # a query only if needed
        for card in apply_card_events(cards, events, zone).values():
            before = cards.get(card.card_no)
            listed_before = before is not None and before.status in BLACKLISTED
            blacklist_changed |= listed_before != (card.status in BLACKLISTED)
            fields = asdict(card)
            del fields["card_no"]
            self._db.update_row(self._db.cards, "card_no", card.card_no, fields)
        return blacklist_changed

    def _advance(self, terminal: TerminalState, batch: PreparedBatch, stored_before: list[int],
                 stored_seqs: set[int], received_at: datetime
                 ) -> tuple[int, list[tuple[int, int]]]:
        """The new watermark and the ranges to ask again: held events (seqs up to the batch's
        last) are asked again with the gap."""
        stored_above = sorted({*stored_before,
                               *(seq for seq in stored_seqs if seq > terminal.watermark)})
        watermark = advance_watermark(terminal.watermark, stored_above)
        highest = max(terminal.highest_seen, batch.events[-1].event.seq)
        skew = (batch.sent_at - received_at).total_seconds()
        changes: dict[str, Any] = {
            "watermark": watermark, "highest_seen": highest, "last_seen_at": received_at,
            # A clock years out must not overflow the column and lose the batch.
            "clock_skew_seconds": int(max(-INT32_MAX, min(INT32_MAX, round(skew)))),
            "skew_flagged": abs(skew) > self._max_clock_skew_s,
        }
        if not terminal.store_id and batch.store_id:
            changes["store_id"] = batch.store_id
        self._db.update_row(self._db.terminals, "id", terminal.id, changes)
        return watermark, missing_ranges(watermark, stored_above, highest)

    def _stored_before(self, terminal: TerminalState) -> list[int]:
        """The seqs stored above the watermark before this batch, in order. Every stored seq
        is at most highest_seen (both are written under the terminal's lock), so with no gap
        open (watermark == highest_seen) there is none: no query."""
        if terminal.highest_seen > terminal.watermark:
            return stored_seqs_above(self._db, terminal.id, terminal.watermark)
        return []

    def handle_shadow(self, topic: str, payload: bytes, received_at: datetime) -> MessageResult:
        """Keep the newest reported shadow of each terminal (retained copies arrive again)."""
        received_at = stored_time(received_at)
        try:
            shadow = parse_shadow(topic, payload)
            reported = _storable_json(shadow.to_json())
            reported_at = stored_time(shadow.reported_at)
        except (*PARSER_ERRORS, OverflowError) as error:
            return self._rejected(topic, payload, error, received_at)
        shadows = self._db.shadows
        with self._db.write_transaction():
            self._locked_terminal(shadow.terminal_id)
            current = shadows.get_or_none(shadows.terminal_id == shadow.terminal_id)
            row = {"reported": reported, "reported_at": reported_at, "received_at": received_at}
            if current is None:
                shadows.insert(terminal_id=shadow.terminal_id, **row).execute()
            elif current.reported_at <= reported_at:
                shadows.update(**row).where(shadows.terminal_id == shadow.terminal_id).execute()
        return MessageResult(True)

    def handle_status(self, topic: str, payload: bytes, received_at: datetime) -> MessageResult:
        """Online / offline; an older retained status never overwrites a newer one."""
        received_at = stored_time(received_at)
        try:
            terminal_id, online, at = parse_status(topic, payload)
            at = stored_time(at)
        except (*PARSER_ERRORS, OverflowError) as error:
            return self._rejected(topic, payload, error, received_at)
        terminals = self._db.terminals
        with self._db.write_transaction():
            self._locked_terminal(terminal_id)
            terminal = terminals.get_by_id(terminal_id)
            if terminal.status_at is None or terminal.status_at <= at:
                terminals.update(online=online, status_at=at, last_seen_at=received_at).where(
                    terminals.id == terminal_id).execute()
        return MessageResult(True)

    def _rejected(self, topic: str, payload: bytes, error: Exception, received_at: datetime
                  ) -> MessageResult:
        refusal = Refusal.of(error)
        self._db.record_dead_letter(topic, payload, refusal.reason, refusal.detail, received_at)
        return MessageResult(False, refusal.reason)


def _storable_json(message: dict[str, Any]) -> str:
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    if not is_storable_text(text):
        raise WireError("invalid_field", "text a database cannot store")
    return text


def _cards_touched(events: Iterable[PreparedEvent]) -> set[str]:
    touched: set[str] = set()
    for prepared in events:
        touched.update(entry.card_no for entry in prepared.entries)
        touched.update(cards_named(prepared.event))
    return touched
