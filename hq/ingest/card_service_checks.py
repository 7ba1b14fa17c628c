"""HQ's check of a batch's card services (membership.card_service_rules): their fees against
every published version of the card's type (the old card's for a replacement, the named type
for an enrolment), their entries against what the service moves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hq.db import HqDatabase
from hq.ingest.purchases import decoded_card_types
from hq.ingest.rows import PreparedEvent
from membership.card_service_rules import (
    CARD_SERVICES,
    ISSUE,
    NO_ENTRY_EVENTS,
    REPLACE,
    card_service_reason,
)
from membership.cards import Fees
from membership.config_codec_cards import CARD_TYPES


class CardServiceChecks:
    """The published fees of each card type, and the types of the batch's cards, read once."""

    def __init__(self, db: HqDatabase, events: Sequence[PreparedEvent]) -> None:
        self._fees: dict[str, list[Fees]] = {}
        self._type_of: dict[str, str] = {}
        if all(prepared.event.type in NO_ENTRY_EVENTS for prepared in events
               if prepared.event.type in CARD_SERVICES):
            return  # status changes and shifts: no fee to look up
        docs = db.config_documents
        for (body,) in docs.select(docs.body).where(docs.name == CARD_TYPES).tuples():
            for card_type in decoded_card_types(body):
                self._fees.setdefault(card_type.code, []).append(card_type.fees)
        wanted = sorted({_card_of(prepared) for prepared in events
                         if prepared.event.type in CARD_SERVICES} - {""})
        cards = db.cards
        self._type_of = {card_no: code for card_no, code in cards.select(
            cards.card_no, cards.type_code).where(cards.card_no.in_(wanted)).tuples() if code}
        for prepared in events:  # a card enrolled earlier in the batch
            payload = prepared.event.payload
            if prepared.event.type == ISSUE:
                self._type_of.setdefault(_text(payload.get("card_no")),
                                         _text(payload.get("type_code")))

    def reason(self, prepared: PreparedEvent) -> str:
        event = prepared.event
        code = (_text(event.payload.get("type_code")) if event.type == ISSUE
                else self._type_of.get(_card_of(prepared), ""))
        return card_service_reason(event.type, event.payload, prepared.entries,
                                   self._fees.get(code, []))


def _card_of(prepared: PreparedEvent) -> str:
    payload = prepared.event.payload
    return _text(payload.get("old_card_no" if prepared.event.type == REPLACE else "card_no"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
