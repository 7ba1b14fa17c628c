"""HQ rebuilds a terminal's cache: answers `snapshot/req` with a page of the cards the
terminal's store has seen, and on the last page the configuration documents the terminal should
hold (membership.wire_snapshot, docs/protocol.md).

A store has seen a card when one of its terminals issued it (card.issued, card.replaced) or
wrote a ledger entry on it. Read only. A malformed request becomes a dead letter, unanswered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from hq.config_push import desired_documents
from hq.db import HqDatabase, naive_local
from hq.member_lookup import MemberLookup
from hq.requests import parsed_or_dead_letter
from membership.wire_snapshot import SnapshotPage, SnapshotRequest, parse_snapshot_request

_ISSUING_EVENTS = ("card.issued", "card.replaced")
_CARD_FIELDS = ("card_no", "new_card_no")


class StoreSnapshots:
    def __init__(self, db: HqDatabase, lookup: MemberLookup,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self._db, self._lookup, self._clock = db, lookup, clock

    def handle_request(self, topic: str, payload: bytes, now: datetime | None = None
                       ) -> SnapshotPage | None:
        now = naive_local(now or self._clock())
        request = parsed_or_dead_letter(self._db, topic, payload, parse_snapshot_request, now)
        return None if request is None else self.page(request, now)

    def page(self, request: SnapshotRequest, now: datetime) -> SnapshotPage:
        with self._db.database.atomic():  # one consistent view of cards, ledger and members
            terminals = self._store_terminals(request.terminal_id, request.store_id)
            card_nos = self.cards_seen(terminals, request.after, request.limit + 1)
            more = len(card_nos) > request.limit
            card_nos = card_nos[:request.limit]
            cards = self._db.cards
            rows = list(cards.select().where(cards.card_no.in_(card_nos)).order_by(cards.card_no))
            coupons = self._lookup.coupons.codes_by_member(
                request.terminal_id, {row.member_id for row in rows}, now)
            records = tuple(self._lookup.record(row, coupons.get(row.member_id, ()))
                            for row in rows)
            if more:
                return SnapshotPage(now, records, next_after=card_nos[-1])
            return SnapshotPage(now, records, documents=desired_documents(
                self._db, request.terminal_id, request.store_id))

    def cards_seen(self, terminals: list[str], after: str, limit: int) -> list[str]:
        """Numbers of the cards these terminals have seen, sorted, after `after` (a number HQ
        has no card row for is skipped when the page is read)."""
        ledger = self._db.ledger
        from_ledger = {row.card_no for row in (
            ledger.select(ledger.card_no).distinct()
            .where(ledger.terminal_id.in_(terminals), ledger.card_no > after)
            .order_by(ledger.card_no).limit(limit))}
        return sorted(from_ledger | self._issued(terminals, after))[:limit]

    def _store_terminals(self, terminal_id: str, claimed_store: str) -> list[str]:
        """The terminals of the terminal's store: as HQ registered it, else as it claims."""
        terminals = self._db.terminals
        own = terminals.get_or_none(terminals.id == terminal_id)
        store_id = own.store_id if own is not None and own.store_id else claimed_store
        if not store_id:
            return [terminal_id]
        return [terminal_id, *(row.id for row in terminals.select(terminals.id).where(
            terminals.store_id == store_id, terminals.id != terminal_id))]

    def _issued(self, terminals: list[str], after: str) -> set[str]:
        events = self._db.events
        issued = set()
        for row in events.select(events.payload).where(
                events.terminal_id.in_(terminals), events.type.in_(_ISSUING_EVENTS)):
            payload = json.loads(row.payload)
            for name in _CARD_FIELDS:
                value = payload.get(name)
                if isinstance(value, str) and value > after:
                    issued.add(value)
        return issued
