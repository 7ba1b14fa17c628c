"""A level reached at the counter reaches HQ (`card.level_changed`, hq.card_events): HQ moves the
card to it when the card is still at the level the terminal moved it from, so a change HQ made
since (its daily review) is not undone by a terminal's older view. Real SQLite and PostgreSQL."""

from __future__ import annotations

from hq.db import HqDatabase
from tests.integration.hq_feed import CARD, TerminalFeed, ingest


def _changed(feed: TerminalFeed, before: str, after: str):
    return feed.event("card.level_changed", {"card_no": CARD, "from_level": before,
                                             "to_level": after, "reason": "level.upgrade_spend"})


def test_a_level_reached_at_the_counter_is_the_cards_at_hq(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), _changed(feed, "GOLD", "PLATINUM"))
    assert hq.cards.get_by_id(CARD).level == "PLATINUM"
    assert hq.quarantined_events.select().count() == 0


def test_a_change_from_a_level_the_card_no_longer_has_is_not_applied(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    hq.cards.update(level="SILVER").where(hq.cards.card_no == CARD).execute()  # HQ's review
    result = ingest(hq, feed, _changed(feed, "GOLD", "PLATINUM"))
    assert result.watermark == 2  # stored and acknowledged, applied to nothing
    assert hq.cards.get_by_id(CARD).level == "SILVER"
