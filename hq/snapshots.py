"""HQ rebuilds a terminal's cache: answers `snapshot/req` with a page of the cards the
terminal's store has seen, and on the last page the configuration documents the terminal should
hold (protocol.wire_snapshot, docs/protocol.md).

A store has seen a card when one of its terminals issued it (card.issued, card.replaced) or
wrote a ledger entry on it; a quarantined event (hq.ingest.quarantine) counts for nothing.
Read only. A malformed request becomes a dead letter, unanswered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hq.config_push import desired_documents
from hq.db import HqDatabase
from hq.member_lookup import MemberLookup
from hq.request_parsing import parsed_or_dead_letter
from hq.times import aware_time, stored_time, utc_now
from protocol.wire_snapshot import SnapshotPage, SnapshotRequest, parse_snapshot_request


class StoreSnapshots:
    def __init__(self, db: HqDatabase, lookup: MemberLookup,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._db, self._lookup, self._clock = db, lookup, clock

    def handle_request(self, topic: str, payload: bytes, now: datetime | None = None
                       ) -> SnapshotPage | None:
        now = stored_time(now or self._clock())
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
                return SnapshotPage(aware_time(now), records, next_after=card_nos[-1])
            return SnapshotPage(aware_time(now), records, documents=desired_documents(
                self._db, request.terminal_id, request.store_id))

    def cards_seen(self, terminals: list[str], after: str, limit: int) -> list[str]:
        """Numbers of the cards these terminals issued or wrote ledger entries for, sorted,
        after `after` (a number HQ has no card row for is skipped when the page is read). One
        statement: the issued numbers are read from the events' JSON by the database. A
        quarantined issue or replacement is no card of the store's (it wrote no entry either:
        the ledger holds applied events only)."""
        db, param = self._db, self._db.database.param
        issued, replaced = (_json_field(db, "payload", key) for key in ("card_no", "new_card_no"))
        among = db.among("terminal_id")
        applied = ('NOT EXISTS (SELECT 1 FROM "quarantined_events" AS "q" WHERE '
                   '"q"."terminal_id" = "events"."terminal_id" AND "q"."seq" = "events"."seq")')
        rows = db.database.execute_sql(
            f'SELECT "card" FROM ('
            f'SELECT {issued} AS "card" FROM "events" WHERE {among} AND "type" = \'card.issued\' '
            f'AND {applied} '
            f'UNION SELECT {replaced} FROM "events" WHERE {among} '
            f'AND "type" = \'card.replaced\' AND {applied} '
            f'UNION SELECT "card_no" FROM "ledger_entries" WHERE {among}'
            f') AS "seen" WHERE "card" > {param} ORDER BY "card" LIMIT {param}',
            [*(db.list_parameter(terminals) for _ in range(3)), after, limit])
        return [card for (card,) in rows]

    def _store_terminals(self, terminal_id: str, claimed_store: str) -> list[str]:
        """The terminals of the terminal's store: as HQ registered it, else as it claims."""
        terminals = self._db.terminals
        own = terminals.get_or_none(terminals.id == terminal_id)
        store_id = own.store_id if own is not None and own.store_id else claimed_store
        if not store_id:
            return [terminal_id]
        return [terminal_id, *(row.id for row in terminals.select(terminals.id).where(
            terminals.store_id == store_id, terminals.id != terminal_id))]


def _json_field(db: HqDatabase, column: str, key: str) -> str:
    """SQL text: the text at `key` of the JSON object stored as text in `column`."""
    if db.is_sqlite:
        return f"json_extract(\"{column}\", '$.{key}')"
    return f"(\"{column}\"::json ->> '{key}')"
