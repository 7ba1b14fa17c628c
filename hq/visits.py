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
from membership.visits import last_visits
from protocol.wire import WireEvent


def record_visits(db: HqDatabase, events: Iterable[WireEvent]) -> None:
    """One statement per card visited in the events (a batch's cards are few)."""
    cards = db.cards
    for card_no, at in sorted(last_visits((event.type, event.at, event.payload)
                                          for event in events).items()):
        (cards.update(last_visit_at=at)
         .where((cards.card_no == card_no)
                & (cards.last_visit_at.is_null() | (cards.last_visit_at < at)))
         .execute())


def inactive_members(db: HqDatabase, before: datetime, limit: int = 1000
                     ) -> list[tuple[str, datetime]]:
    """(member_id, last visit) of members whose every card was last seen before `before`,
    longest away first; members never seen at a counter are not listed."""
    cards = db.cards
    last = fn.MAX(cards.last_visit_at)
    query = (cards.select(cards.member_id, last.alias("last_visit"))
             .where(cards.member_id != "", cards.last_visit_at.is_null(False))
             .group_by(cards.member_id).having(last < before)
             .order_by(last, cards.member_id).limit(limit))
    return [(row.member_id, row.last_visit) for row in query]
