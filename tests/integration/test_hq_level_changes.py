"""A level reached at the counter reaches HQ (`card.level_changed`, hq.card_events): HQ moves the
card to it when the card is still at the level the terminal moved it from, so a change HQ made
since (its daily review) is not undone by a terminal's older view. Real SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from harness.demo_config import publish_demo_documents
from hq.db import HqDatabase
from hq.ingest import Ingestor
from membership.catalogue import SaleLine
from membership.tenders import TenderKind as K
from protocol.wire import WireEvent, build_event_batch, terminal_topic
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


def _issued_at(feed: TerminalFeed, level: str):
    issued = feed.issue()
    issued.payload["level"] = level
    return issued


def test_a_level_hq_reaches_too_is_the_cards_at_hq(hq: HqDatabase) -> None:
    """The demo levels: SILVER from ¥1,000 spent in the window; a top-up's principal is spend."""
    publish_demo_documents(hq)
    feed = TerminalFeed("T1")
    ingest(hq, feed, _issued_at(feed, "NORMAL"), feed.top_up(100_000),
           _changed(feed, "NORMAL", "SILVER"))
    assert hq.cards.get_by_id(CARD).level == "SILVER"
    assert hq.quarantined_events.select().count() == 0


def test_a_level_hq_does_not_reach_is_quarantined_and_not_applied(hq: HqDatabase) -> None:
    """A terminal's claim of a level is money (every later sale priced lower): HQ applies it
    only when the card's activity as HQ knows it reaches that level."""
    publish_demo_documents(hq)
    feed = TerminalFeed("T1")
    ingest(hq, feed, _issued_at(feed, "NORMAL"), feed.top_up(100_000))  # reaches SILVER only
    result = ingest(hq, feed, _changed(feed, "NORMAL", "GOLD"),  # GOLD needs ¥5,000
                    _changed(feed, "GOLD", "PLATINUM"),  # no such level
                    _changed(feed, "NORMAL", "NORMAL"))  # not an upgrade
    assert result.quarantined == [(3, "level_not_reached"), (4, "level_unknown"),
                                  (5, "level_not_reached")]
    assert hq.cards.get_by_id(CARD).level == "NORMAL"
    ingest(hq, feed, feed.top_up(400_000), _changed(feed, "NORMAL", "GOLD"))  # now ¥5,000
    assert hq.cards.get_by_id(CARD).level == "GOLD"


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


def test_a_sale_priced_at_a_level_the_terminal_claimed_is_quarantined(
        hq: HqDatabase, tmp_path) -> None:
    """A hostile terminal sends a level HQ does not reach, then a sale priced at it: HQ
    quarantines both (the batch's cards follow an allowed level change only), so no sale gets
    the claimed level's discount."""
    with cashier_world(tmp_path, datetime(2026, 11, 23, 10, 0)) as world:
        publish_demo_documents(hq, configuration().to_documents())
        member = world.enrol()
        ops.top_up(world.ctx, CASHIER, member, 10_000, tenders((K.CASH, 10_000)))  # ¥100
        honest = world.member()
        assert honest.card.level in ("", "NORMAL")
        gold = next(level for level in world.ctx.configuration().levels.levels
                    if level.code == "GOLD")
        claimed = dataclasses.replace(honest, card=dataclasses.replace(honest.card,
                                                                       level="GOLD"), level=gold)
        cake = demo.PRODUCTS["CAKE"]
        lines = [SaleLine(1, cake, 1)]
        due = ops.quote_sale(world.ctx, CASHIER, claimed, lines).amount_due
        sale = ops.confirm_sale(world.ctx, CASHIER, claimed, lines, tenders((K.CASH, due)))
        wire_events = [event.to_wire() for event in world.store.outbox_batch(0, 100)]
        assert wire_events[-1].payload["inputs"]["level_code"] == "GOLD"
        forged = WireEvent(wire_events[-1].seq, f"{TERMINAL_ID}-9001", "card.level_changed",
                           wire_events[-1].at, {"card_no": CARD_NO, "from_level": "NORMAL",
                                                "to_level": "GOLD", "entries": [],
                                                "reason": "level.upgrade_spend"})
        batch = [*wire_events[:-1], forged,
                 dataclasses.replace(wire_events[-1], seq=wire_events[-1].seq + 1)]
        payload = build_event_batch(TERMINAL_ID, batch, world.clock())
    result = Ingestor(hq).handle_events(terminal_topic(TERMINAL_ID, "events"), payload,
                                        datetime(2026, 11, 23, 2, 5))
    assert [reason for _, reason in result.quarantined] == ["level_not_reached",
                                                           "sale_mismatch:level"]
    assert hq.cards.get_by_id(CARD_NO).level in ("", "NORMAL")
    assert hq.ledger.select().where(hq.ledger.op_id == sale.op_id).count() == 0
