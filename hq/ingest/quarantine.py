"""Quarantine: the events of a batch that no rule allows (membership.event_rules).

Within the ingest transaction, `screen` splits a batch's new events into those HQ applies and
those it quarantines. A quarantined event stays in `events` (its seq is stored: the watermark
moves on and the terminal is never asked for it again) and is kept whole, with its reason, in
`quarantined_events`; none of its entries, card changes, member changes, coupon uses or holds
is applied. The ack tells the terminal which seqs were quarantined (docs/protocol.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hq.card_events import card_id
from hq.db import HqDatabase
from hq.ingest.batch_facts import BatchCards, PublishedRules, published_rules
from hq.ingest.card_service_checks import CardServiceChecks
from hq.ingest.level_checks import LEVEL_CHANGED, LevelChecks
from hq.ingest.purchases import CHECKED, PurchaseChecks
from hq.ingest.redecide import SALE, SaleRedecision
from hq.ingest.refund_hold import known_operations
from hq.ingest.rows import PreparedEvent
from hq.ingest.time_checks import TimeChecks
from hq.ingest.totals import CardTotals
from hq.stores import StoreZones
from membership.card_service_rules import CARD_SERVICES
from membership.cards import BonusTier
from membership.event_rules import (
    REFUNDS,
    TOP_UP,
    left_to_refund,
    max_bonus,
    quarantine_reason,
    top_up_principal,
)
from membership.ledger import Account
from membership.time_rules import TIME_EVENTS

log = logging.getLogger("hq.ingest")


@dataclass(frozen=True)
class Screened:
    allowed: list[PreparedEvent]
    quarantined: list[tuple[PreparedEvent, str]]  # (event, reason)


def screen(db: HqDatabase, events: Sequence[PreparedEvent],
           zones: StoreZones | None = None, store_id: str = "") -> Screened:
    """The events the rules allow, and the others with the reason they do not. The events are
    stored already, and every seq of the terminal below a refund among them is at HQ
    (hq.ingest.refund_hold holds back a refund above a gap). `zones`: the worker's store
    zones (its default zone, and what it remembers), by which a sale is timed; `store_id`:
    the store of the batch's terminal."""
    published, cards = published_rules(db), BatchCards(db, events)
    bonus_rules = (_BonusRules(published, cards) if any(e.event.type == TOP_UP for e in events)
                   else None)
    refunds = _RefundsLeft(db, events)
    totals = CardTotals(db, events)
    sales = (SaleRedecision(db, events, cards, zones=zones)
             if any(e.event.type == SALE for e in events) else None)
    purchases = (PurchaseChecks(published, cards) if any(e.event.type in CHECKED for e in events)
                 else None)
    times = (TimeChecks(db, events, published, cards, zones)
             if any(e.event.type in TIME_EVENTS for e in events) else None)
    services = (CardServiceChecks(published, cards)
                if any(e.event.type in CARD_SERVICES for e in events) else None)
    levels = (LevelChecks(db, cards, store_id) if any(e.event.type == LEVEL_CHANGED for e in events)
              else None)
    allowed: list[PreparedEvent] = []
    quarantined: list[tuple[PreparedEvent, str]] = []
    for prepared in events:
        event = prepared.event
        limit = bonus_rules.limit(prepared) if bonus_rules and event.type == TOP_UP else None
        left = refunds.left(prepared, allowed) if event.type in REFUNDS else None
        reason = quarantine_reason(event.type, event.payload, prepared.entries, limit, left)
        if not reason and sales is not None and event.type == SALE:
            reason = sales.reason(prepared)  # HQ decides the sale again
        if not reason and purchases is not None and event.type in CHECKED:
            reason = purchases.reason(prepared, totals)
        if not reason and times is not None and event.type in TIME_EVENTS:
            reason = times.reason(prepared, allowed)
        if not reason and services is not None and event.type in CARD_SERVICES:
            reason = services.reason(prepared)
        if not reason and levels is not None and event.type == LEVEL_CHANGED:
            reason = levels.reason(prepared, allowed)
            if not reason:
                cards.reach_level(event.payload)
                if sales is not None:
                    sales.card_changed(card_id(event.payload.get("card_no")))
        reason = reason or totals.reason(prepared)
        if reason:
            quarantined.append((prepared, reason))
        else:
            totals.apply(prepared)
            allowed.append(prepared)
    return Screened(allowed, quarantined)


def store_quarantined(db: HqDatabase, terminal_id: str,
                      quarantined: Sequence[tuple[PreparedEvent, str]],
                      received_at: datetime) -> None:
    for prepared, reason in quarantined:
        log.warning("terminal %s: event seq %d (%s) quarantined: %s", terminal_id,
                    prepared.event.seq, prepared.event.type, reason)
    db.bulk_insert(db.quarantined_events, [
        {"terminal_id": terminal_id, "seq": prepared.event.seq, "op_id": prepared.event.op_id,
         "type": prepared.event.type, "payload": prepared.payload_json, "reason": reason,
         "received_at": received_at}
        for prepared, reason in quarantined], skip_duplicates=True)


def quarantined_rows(db: HqDatabase, terminal_id: str = "", limit: int = 100
                     ) -> list[dict[str, Any]]:
    """The newest quarantined events, optionally of one terminal, for an operator."""
    rows = db.quarantined_events
    query = rows.select().order_by(rows.received_at.desc(), rows.id.desc()).limit(limit)
    if terminal_id:
        query = query.where(rows.terminal_id == terminal_id)
    return [{"terminal_id": row.terminal_id, "seq": row.seq, "op_id": row.op_id,
             "type": row.type, "reason": row.reason, "received_at": row.received_at,
             "payload": row.payload} for row in query]


class _BonusRules:
    """The card types' bonus rules from every card_types document HQ has published (an honest
    terminal may still price with an older version), and the card type of each card."""

    def __init__(self, published: PublishedRules, cards: BatchCards) -> None:
        self._tiers: dict[str, list[tuple[BonusTier, ...]]] = {}
        for card_type in published.card_types:
            self._tiers.setdefault(card_type.code, []).append(card_type.bonus_tiers)
        self._cards = cards

    def limit(self, prepared: PreparedEvent) -> int | None:
        """The most bonus the card's type gives for the principal credited; with the card's
        type unknown, the most any type gives. None when HQ has published no card types: no
        rule gives any bonus then."""
        paid = max(0, top_up_principal(prepared.entries))
        card_no = prepared.event.payload.get("card_no")
        code = self._cards.type_of(card_no) if isinstance(card_no, str) else None
        tier_sets = self._tiers.get(code or "") or [
            tiers for versions in self._tiers.values() for tiers in versions]
        return max_bonus(tier_sets, paid)


class _RefundsLeft:
    """What is left to refund of the sales the batch's refunds name: the sale's debits less
    earlier refunds' credits, from the ledger (applied entries only) and from the events of
    this batch already allowed."""

    def __init__(self, db: HqDatabase, events: Iterable[PreparedEvent]) -> None:
        refunds = [e.event.payload for e in events if e.event.type in REFUNDS]
        originals = sorted({op for p in refunds if isinstance(op := p.get("original_op"), str)})
        # By card (indexed): a sale's and its refunds' entries are on the card the refund names.
        cards = sorted({card for p in refunds if isinstance(card := p.get("card_no"), str)})
        self._sales: dict[str, list[tuple[Account, int]]] = {}
        self._refunded: dict[str, list[tuple[Account, int]]] = {}
        # The sales stored at HQ, applied or quarantined (this batch's too: it is stored first).
        self._known = known_operations(db, originals)
        if not originals or not cards:
            return
        rows = db.database.execute_sql(  # plain SQL: most batches have a refund
            'SELECT "op_id", "reverses_op", "account", "delta" FROM "ledger_entries" '
            f'WHERE {db.among("card_no")} AND ({db.among("op_id")} OR '
            f'{db.among("reverses_op")})', [db.list_parameter(cards),
                                            db.list_parameter(originals),
                                            db.list_parameter(originals)])
        for op_id, reverses_op, account, delta in rows.fetchall():
            if op_id in originals:
                self._sales.setdefault(op_id, []).append((Account(account), delta))
            if reverses_op in originals:
                self._refunded.setdefault(reverses_op, []).append((Account(account), delta))

    def left(self, refund: PreparedEvent, allowed: Sequence[PreparedEvent]
             ) -> dict[Account, int] | None:
        """None when HQ does not have the sale (`refund_sale_unknown` if it gives back)."""
        original = refund.event.payload.get("original_op")
        if not isinstance(original, str) or original not in self._known:
            return None
        sale = list(self._sales.get(original, []))
        refunded = list(self._refunded.get(original, []))
        for prepared in allowed:  # earlier events of this batch, not yet in the ledger
            for entry in prepared.entries:
                if entry.op_id == original:
                    sale.append((entry.account, entry.delta))
                elif entry.reverses_op == original:
                    refunded.append((entry.account, entry.delta))
        return left_to_refund(sale, refunded)
