"""A level reached at the counter reaches HQ (`card.level_changed`, hq.card_events): HQ moves the
card to it when the card is still at the level the terminal moved it from, so a change HQ made
since (its daily review) is not undone by a terminal's older view. Real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from harness.demo_config import publish_demo_documents
from hq.db import HqDatabase
from hq.ingest import Ingestor
from membership.catalogue import SaleLine
from membership.tenders import TenderKind as K
from protocol.wire import build_event_batch, terminal_topic
from terminal.cashier import operations as ops
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    TERMINAL_ID,
    cashier_world,
    configuration,
    tenders,
)
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


def test_a_sale_after_an_upgrade_in_the_same_batch_is_priced_at_the_new_level(
        hq: HqDatabase, tmp_path) -> None:
    """A terminal sends its outbox in batches: the upgrade's event and the next sale, priced
    at the new level, may arrive together; HQ decides the sale with the level the batch
    reached, so it is applied, not quarantined `sale_mismatch:level`."""
    with cashier_world(tmp_path, datetime(2026, 11, 23, 10, 0)) as world:
        publish_demo_documents(hq, configuration().to_documents())  # what the sales name
        member = world.enrol()
        ops.top_up(world.ctx, CASHIER, member, 100000, tenders((K.CASH, 100000)))
        cake = demo.PRODUCTS["CAKE"]
        lines = [SaleLine(1, cake, 1)]
        due = ops.quote_sale(world.ctx, CASHIER, world.member(), lines).amount_due
        sale = ops.confirm_sale(world.ctx, CASHIER, world.member(), lines,
                                tenders((K.CASH, due)))
        events = world.store.outbox_batch(0, 100)
        assert [event.type for event in events] == [
            "card.issued", "member.registered", "card.topped_up", "card.level_changed",
            "sale.completed"]
        assert events[-1].document["payload"]["inputs"]["level_code"] == "SILVER"
        payload = build_event_batch(TERMINAL_ID, [event.to_wire() for event in events],
                                    world.clock())
    result = Ingestor(hq).handle_events(terminal_topic(TERMINAL_ID, "events"), payload,
                                        datetime(2026, 11, 23, 2, 5))
    assert result.dead_letter_reason is None and result.watermark == len(events)
    assert list(hq.quarantined_events.select()) == []
    assert hq.cards.get_by_id(CARD_NO).level == "SILVER"
    assert hq.ledger.select().where(hq.ledger.op_id == sale.op_id).count() > 0
