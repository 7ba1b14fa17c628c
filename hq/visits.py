"""Each card's last visit (最近到店) from the events HQ applies (membership.visits), so that a
reminder can find the members who stopped coming: a member's last visit is the latest of their
cards' (`inactive_members`).

The events come with their times no later than HQ received them (hq.ingest.future_times), so a
terminal cannot date a visit years ahead and keep a member "active". A visit only ever moves a
card's date forward: events from several terminals arrive in any order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from peewee import fn

from hq.db import HqDatabase
from hq.times import stored_time
from membership.visits import last_visits
from protocol.wire import WireEvent


def record_visits(db: HqDatabase, events: Iterable[WireEvent]) -> None:
    """One statement for all the cards the events visit: the ingest's hot path, where Peewee
    building an UPDATE per card cost a fifth of a batch's storing (bench/hq_ingest_bench.py).
    The cards are in card-number order, as the batch locked them (hq.ingest.sql)."""
    visits = sorted(last_visits((event.type, event.at, event.payload)
                                for event in events).items())
    if not visits:
        return
    at_field, param = db.cards.last_visit_at, db.database.param
    # SQLite and PostgreSQL both name a VALUES list's columns column1, column2, ...
    rows = ", ".join([f"({param}, {param})"] * len(visits))
    db.database.execute_sql(
        f'UPDATE "cards" SET "last_visit_at" = v.column2 FROM (VALUES {rows}) AS v '
        'WHERE "cards"."card_no" = v.column1 AND ("cards"."last_visit_at" IS NULL '
        'OR "cards"."last_visit_at" < v.column2)',
        # Naive UTC, as HQ stores times: compared in SQL across the stores' time zones.
        [value for card_no, at in visits
         for value in (card_no, at_field.db_value(stored_time(at)))])


def inactive_members(db: HqDatabase, before: datetime, limit: int = 1000
                     ) -> list[tuple[str, datetime]]:
    """(member_id, last visit, naive UTC) of members whose every card was last seen before
    `before` (naive UTC), longest away first; members never seen at a counter are not listed."""
    cards = db.cards
    last = fn.MAX(cards.last_visit_at)
    query = (cards.select(cards.member_id, last.alias("last_visit"))
             .where(cards.member_id != "", cards.last_visit_at.is_null(False))
             .group_by(cards.member_id).having(last < before)
             .order_by(last, cards.member_id).limit(limit))
    return [(row.member_id, row.last_visit) for row in query]
