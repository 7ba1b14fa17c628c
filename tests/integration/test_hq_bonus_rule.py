"""A top-up's bonus with no card_types document published by HQ: no rule gives a bonus, so
none is allowed (`topup_bonus_without_rule`); once HQ publishes one, its tiers bound the bonus.
Real SQLite and PostgreSQL, HQ's own ingest."""

from __future__ import annotations

from datetime import datetime

from hq.balances import stored_value
from hq.config_push import next_document
from hq.db import HqDatabase
from membership.cards import BonusTier, CardType, Feature
from membership.config_codec_cards import CARD_TYPES, encode_card_types
from membership.event_rules import TOPUP_BONUS_WITHOUT_RULE
from tests.integration.hq_feed import CARD, TerminalFeed, ingest


def test_a_bonus_with_no_published_card_types_is_quarantined(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    result = ingest(hq, feed, feed.top_up(10000, bonus=1000), feed.top_up(10000))
    assert result.quarantined == [(2, TOPUP_BONUS_WITHOUT_RULE)]
    assert stored_value(hq, CARD) == 10000
    vip = CardType(code="VIP", name="VIP", features=frozenset({Feature.STORED_VALUE}),
                   bonus_tiers=(BonusTier(10000, 1000),))
    next_document(hq, CARD_TYPES, "all", encode_card_types([vip]), datetime(2026, 11, 1))
    assert ingest(hq, feed, feed.top_up(10000, bonus=1000)).quarantined == []
    assert stored_value(hq, CARD) == 21000
