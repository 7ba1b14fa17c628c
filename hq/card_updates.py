"""HQ tells terminals about cards it changed itself (a job's points expiry or level change):
`hy/v1/t/{terminal}/cards`, QoS 1, not retained, each message a lookup answer (the records of
up to 20 cards, protocol.wire_members) that the terminal caches as it caches a lookup's.

Sent to every terminal of every store that has seen the card (its issuing store, and the
stores of the terminals that wrote its ledger entries: the cards a snapshot page would list),
and to the terminals that wrote them (whose store HQ may not know), so an offline terminal's
balances and levels agree with HQ's ledger. A terminal that is away
gets them from its persistent session when it returns; one away longer than the session
expiry gets them at its next lookup or rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from hq.db import HqDatabase
from hq.member_lookup import MemberLookup
from hq.times import aware_time, stored_time
from protocol.wire import terminal_topic
from protocol.wire_members import MAX_LOOKUP_RECORDS, LookupResponse

log = logging.getLogger("hq.card_updates")

CARDS_TOPIC_KIND = "cards"
# topic, payload: publish QoS 1, not retained.
Send = Callable[[str, bytes], None]


def terminals_for_cards(db: HqDatabase, card_nos: Iterable[str]) -> dict[str, list[str]]:
    """terminal -> the cards it should hear about, both sorted."""
    cards = sorted(set(card_nos))
    if not cards:
        return {}
    ledger, rows, terminals = db.ledger, db.cards, db.terminals
    writers = {(row.card_no, row.terminal_id) for row in ledger.select(
        ledger.card_no, ledger.terminal_id).where(ledger.card_no.in_(cards)).distinct()}
    store_of = {row.id: row.store_id for row in terminals.select(terminals.id, terminals.store_id)}
    stores: dict[str, set[str]] = {}
    for card_no, terminal_id in writers:
        if store_of.get(terminal_id):
            stores.setdefault(card_no, set()).add(store_of[terminal_id])
    for row in rows.select(rows.card_no, rows.issued_store_id).where(rows.card_no.in_(cards)):
        if row.issued_store_id:
            stores.setdefault(row.card_no, set()).add(row.issued_store_id)
    audience: dict[str, set[str]] = {}
    for card_no, terminal_id in writers:  # a terminal whose store HQ does not know yet
        if terminal_id in store_of:
            audience.setdefault(terminal_id, set()).add(card_no)
    for terminal_id, store_id in store_of.items():
        for card_no in cards:
            if store_id and store_id in stores.get(card_no, ()):
                audience.setdefault(terminal_id, set()).add(card_no)
    return {terminal: sorted(held) for terminal, held in sorted(audience.items())}


def push_card_updates(db: HqDatabase, lookup: MemberLookup, send: Send,
                      card_nos: Iterable[str], now: datetime) -> int:
    """Send the cards' records to the terminals that hold them; how many messages went."""
    sent = 0
    for terminal_id, cards in terminals_for_cards(db, card_nos).items():
        for start in range(0, len(cards), MAX_LOOKUP_RECORDS):
            payload = _records(db, lookup, terminal_id, cards[start:start + MAX_LOOKUP_RECORDS],
                               now)
            send(terminal_topic(terminal_id, CARDS_TOPIC_KIND), payload)
            sent += 1
    log.info("sent %d card updates", sent)
    return sent


def _records(db: HqDatabase, lookup: MemberLookup, terminal_id: str, card_nos: list[str],
             now: datetime) -> bytes:
    with db.database.atomic():  # one consistent view of cards, ledger and members
        cards = db.cards
        rows = list(cards.select().where(cards.card_no.in_(card_nos)).order_by(cards.card_no))
        coupons = lookup.coupons.codes_by_member(terminal_id, {row.member_id for row in rows},
                                                 stored_time(now))
        records = tuple(lookup.record(row, coupons.get(row.member_id, ())) for row in rows)
    return LookupResponse(aware_time(now), records).to_bytes()
