"""Subsidiary cards (附属卡) follow their parent at HQ, whichever terminal saw them.

A terminal moves or cancels the subsidiary cards it knows with their parent
(terminal.cashier.operations.cards), but the card.replaced and card.cancelled events name only
the parent: HQ, which knows every card, moves the rest. A subsidiary card of a replaced parent
now belongs under the new card (the money moved there); one of a cancelled parent is cancelled,
and the blacklist refresh that follows every card event then lists it.
"""

from __future__ import annotations

from collections.abc import Iterable

from hq.card_events import card_id
from hq.db import HqDatabase
from membership.cards import CardStatus
from protocol.wire import WireEvent

_NO_LONGER_USABLE = (CardStatus.REPLACED.value, CardStatus.CANCELLED.value)


def follow_parents(db: HqDatabase, events: Iterable[WireEvent]) -> None:
    cards = db.cards
    for event in events:
        payload = event.payload
        if event.type == "card.replaced":
            old, new = card_id(payload.get("old_card_no")), card_id(payload.get("new_card_no"))
            if old and new and old != new:
                (cards.update(parent_card_no=new)
                 .where((cards.parent_card_no == old) & (cards.card_no != new)).execute())
        elif event.type == "card.cancelled":
            parent = card_id(payload.get("card_no"))
            if parent:
                (cards.update(status=CardStatus.CANCELLED.value, status_at=event.at)
                 .where((cards.parent_card_no == parent)
                        & cards.status.not_in(_NO_LONGER_USABLE)).execute())
