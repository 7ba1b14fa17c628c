"""A member's last visit (最近到店): the latest time a card was used at a counter, so that a
reminder can find the members who stopped coming (long inactivity).

A visit is an operation the member takes part in at the counter: a sale or its refund, a
top-up, a withdrawal, a purchase, a timed session, a gift, opening, replacing or extending a
card. A loss or freeze report (often by phone), a profile change, a level change and a shift are
not. A subsidiary card's visit is its own card's (the event's `actor_card_no`) and its parent's.

Pure: HQ (hq.visits) and the terminal read the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

VISIT_EVENTS = frozenset({
    "sale.completed", "sale.refunded", "sale.voided", "card.topped_up", "card.withdrawn",
    "package.purchased", "pass.purchased", "time.purchased", "time.session_closed",
    "gift.redeemed", "card.issued", "card.replaced", "card.extended",
})
_CARD_FIELDS = ("card_no", "actor_card_no", "new_card_no")
MAX_CARD_CHARS = 64


def visited_cards(event_type: str, payload: Mapping[str, Any]) -> set[str]:
    """The cards an event is a visit of (none for an event that is not a visit)."""
    if event_type not in VISIT_EVENTS:
        return set()
    return {value for value in (payload.get(name) for name in _CARD_FIELDS)
            if isinstance(value, str) and 0 < len(value) <= MAX_CARD_CHARS}


def last_visits(events: Iterable[tuple[str, datetime, Mapping[str, Any]]]) -> dict[str, datetime]:
    """card_no -> the latest time among the events (type, time, payload) that visit it."""
    latest: dict[str, datetime] = {}
    for event_type, at, payload in events:
        for card_no in visited_cards(event_type, payload):
            if card_no not in latest or latest[card_no] < at:
                latest[card_no] = at
    return latest
