"""HQ's check of a batch's withdrawals, package and pass purchases and gift redemptions
(membership.purchase_rules): the principal it knows on the card (hq.ingest.totals, with the
batch's allowed events so far), the packages and passes that every published version of the
card's type offers, and the gifts of every published `points_rules` version."""

from __future__ import annotations

from typing import Any

from hq.ingest.batch_facts import BatchCards, PublishedRules
from hq.ingest.rows import PreparedEvent
from hq.ingest.totals import CardTotals
from membership.ledger import Account
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
    """What the batch's withdrawals and purchases are checked against, read once a batch
    (hq.ingest.batch_facts)."""

    def __init__(self, published: PublishedRules, cards: BatchCards) -> None:
        self._published = published
        self._cards = cards

    def reason(self, prepared: PreparedEvent, totals: CardTotals) -> str:
        event = prepared.event
        card_no = _text(event.payload.get("card_no"))
        if event.type == WITHDRAW:
            return withdrawal_reason(event.payload, prepared.entries,
                                     totals.balance(card_no, Account.PRINCIPAL))
        if event.type == GIFT:
            code = _text(event.payload.get("gift"))
            return gift_reason(event.payload, prepared.entries,
                               [gift for gift in self._published.gifts if gift.code == code])
        code = _text(event.payload.get("package" if event.type == PACKAGE else "pass"))
        types = self._cards.types_of(card_no, self._published.card_types)
        if event.type == PACKAGE:
            return package_reason(event.payload, prepared.entries, [
                package for card_type in types for package in card_type.count_packages
                if package.code == code])
        if event.type == PASS:
            return pass_reason(event.payload, prepared.entries, [
                period_pass for card_type in types for period_pass in card_type.passes
                if period_pass.code == code])
        return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
