"""HQ's check of a batch's withdrawals, package and pass purchases and gift redemptions
(membership.purchase_rules): the principal it knows on the card (hq.ingest.totals, with the
batch's allowed events so far), the packages and passes that every published version of the
card's type offers, and the gifts of every published `points_rules` version."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from hq.db import HqDatabase
from hq.ingest.rows import PreparedEvent
from hq.ingest.totals import CardTotals
from membership.cards import CardType
from membership.config_codec_cards import CARD_TYPES, decode_card_types
from membership.config_codec_rules import POINTS_RULES, decode_points_rules
from membership.errors import ConfigError
from membership.ledger import Account
from membership.points import Gift
from membership.purchase_rules import (
    GIFT,
    PACKAGE,
    PASS,
    PURCHASES,
    WITHDRAW,
    gift_reason,
    package_reason,
    pass_reason,
    withdrawal_reason,
)

CHECKED = PURCHASES | {WITHDRAW, GIFT}


class PurchaseChecks:
    """What the batch's withdrawals and purchases are checked against, read once a batch."""

    def __init__(self, db: HqDatabase, events: Sequence[PreparedEvent]) -> None:
        purchases = [prepared for prepared in events if prepared.event.type in PURCHASES]
        self._types: list[CardType] = []
        self._type_of: dict[str, str] = {}
        self._gifts: list[Gift] = []
        if any(prepared.event.type == GIFT for prepared in events):
            docs = db.config_documents
            for (body,) in docs.select(docs.body).where(docs.name == POINTS_RULES).tuples():
                self._gifts.extend(_decoded_gifts(body))
        if purchases:
            docs = db.config_documents
            for (body,) in docs.select(docs.body).where(docs.name == CARD_TYPES).tuples():
                self._types.extend(decoded_card_types(body))
            self._type_of = _types_of(db, events)

    def reason(self, prepared: PreparedEvent, totals: CardTotals) -> str:
        event = prepared.event
        card_no = _text(event.payload.get("card_no"))
        if event.type == WITHDRAW:
            return withdrawal_reason(event.payload, prepared.entries,
                                     totals.balance(card_no, Account.PRINCIPAL))
        if event.type == GIFT:
            code = _text(event.payload.get("gift"))
            return gift_reason(event.payload, prepared.entries,
                               [gift for gift in self._gifts if gift.code == code])
        code = _text(event.payload.get("package" if event.type == PACKAGE else "pass"))
        types = self._of_card(card_no)
        if event.type == PACKAGE:
            return package_reason(event.payload, prepared.entries, [
                package for card_type in types for package in card_type.count_packages
                if package.code == code])
        if event.type == PASS:
            return pass_reason(event.payload, prepared.entries, [
                period_pass for card_type in types for period_pass in card_type.passes
                if period_pass.code == code])
        return ""

    def _of_card(self, card_no: str) -> list[CardType]:
        """Every published version of the card's type; of every type when HQ does not know
        the card's (its enrolment may be in a gap still coming)."""
        code = self._type_of.get(card_no)
        return [card_type for card_type in self._types if code in (None, card_type.code)]


@functools.lru_cache(maxsize=64)
def decoded_card_types(body: str) -> tuple[CardType, ...]:
    """By the body's text: each published version is decoded once per process."""
    try:
        return tuple(decode_card_types(json.loads(body)))
    except (ConfigError, ValueError, TypeError, KeyError):  # unreadable: it offers nothing
        return ()


@functools.lru_cache(maxsize=64)
def _decoded_gifts(body: str) -> tuple[Gift, ...]:
    try:
        return decode_points_rules(json.loads(body)).gifts
    except (ConfigError, ValueError, TypeError, KeyError):  # unreadable: it offers nothing
        return ()


def _types_of(db: HqDatabase, events: Iterable[PreparedEvent]) -> dict[str, str]:
    events = list(events)
    wanted = sorted({_text(prepared.event.payload.get("card_no")) for prepared in events
                     if prepared.event.type in PURCHASES} - {""})
    cards = db.cards
    type_of = {card_no: code for card_no, code in cards.select(
        cards.card_no, cards.type_code).where(cards.card_no.in_(wanted)).tuples() if code}
    for prepared in events:
        payload = prepared.event.payload
        card_no, code = _text(payload.get("card_no")), _text(payload.get("type_code"))
        if prepared.event.type == "card.issued" and card_no and code:
            type_of.setdefault(card_no, code)
    return type_of


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
