"""HQ's check of a batch's card services (membership.card_service_rules): their fees against
every published version of the card's type (the old card's for a replacement, the named type
for an enrolment), their entries against what the service moves."""

from __future__ import annotations

from typing import Any

from hq.ingest.batch_facts import BatchCards, PublishedRules
from hq.ingest.rows import PreparedEvent
from membership.card_service_rules import (
    ISSUE,
    REPLACE,
    card_service_reason,
)
from membership.cards import Fees


class CardServiceChecks:
    """The published fees of each card type, and the types of the batch's cards."""

    def __init__(self, published: PublishedRules, cards: BatchCards) -> None:
        self._fees: dict[str, list[Fees]] = {}
        for card_type in published.card_types:
            self._fees.setdefault(card_type.code, []).append(card_type.fees)
        self._cards = cards

    def reason(self, prepared: PreparedEvent) -> str:
        event = prepared.event
        code = (_text(event.payload.get("type_code")) if event.type == ISSUE
                else self._cards.type_of(_card_of(prepared)) or "")
        return card_service_reason(event.type, event.payload, prepared.entries,
                                   self._fees.get(code, []))


def _card_of(prepared: PreparedEvent) -> str:
    payload = prepared.event.payload
    return _text(payload.get("old_card_no" if prepared.event.type == REPLACE else "card_no"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
