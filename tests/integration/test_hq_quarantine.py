"""HQ's quarantine at ingest (hq/ingest/quarantine.py): an event no rule allows is stored and
listed, applied to no balance, and the watermark moves past it; honest events beside it apply."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

from hq.balances import card_balances, stored_value
from hq.cli.quarantine import quarantine_line
from hq.config_push import next_document
from hq.db import HqDatabase
from hq.ingest.quarantine import quarantined_rows
from membership.cards import BonusTier, CardType, Feature
from membership.config_codec_cards import CARD_TYPES, encode_card_types
from membership.event_rules import (
    ENTRIES_NOT_ALLOWED,
    HQ_ONLY_KIND,
    REFUND_BEYOND_SALE,
    TOPUP_BONUS_BEYOND_RULE,
    TOPUP_PRINCIPAL_NOT_PAID,
)
from membership.ledger import Account, EntryKind
from protocol.wire import WireEvent, build_ack
from tests.integration.hq_feed import CARD, TerminalFeed, ingest


def minted_top_up(feed: TerminalFeed, principal: int) -> WireEvent:
    """+principal with nothing paid: no tender listed."""
    honest = feed.top_up(principal)
    return WireEvent(honest.seq, honest.op_id, honest.type, honest.at,
                     {**honest.payload, "tenders": []})


def adjust_in_status_change(feed: TerminalFeed, amount: int) -> WireEvent:
    op_id = feed.next_op_id()
    adjust = feed._entry(op_id, CARD, Account.PRINCIPAL, amount, EntryKind.ADJUST)
    return feed.event("card.found", {"card_no": CARD, "tenders": []}, [adjust])


def points_at_registration(feed: TerminalFeed, points: int) -> WireEvent:
    op_id = feed.next_op_id()
    lot = feed._entry(op_id, CARD, Account.POINTS, points, EntryKind.EARN, lot="P1")
    return feed.event("member.registered", {"member_id": "M1", "name": "张三", "phone": "",
                                            "birthday": "", "card_no": CARD}, [lot])


def test_minting_events_are_quarantined_and_honest_ones_applied(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.top_up(10000))
    result = ingest(hq, feed, minted_top_up(feed, 1000000), adjust_in_status_change(feed, 500000),
                    points_at_registration(feed, 1000000), feed.top_up(2000))
    assert result.watermark == 6 and result.resend == []
    assert result.quarantined == [(3, TOPUP_PRINCIPAL_NOT_PAID), (4, HQ_ONLY_KIND),
                                  (5, ENTRIES_NOT_ALLOWED)]
    assert stored_value(hq, CARD) == 12000 and card_balances(hq, CARD).points == 0
    listed = quarantined_rows(hq, "T1")
    assert [(row["seq"], row["reason"]) for row in listed] == [
        (5, ENTRIES_NOT_ALLOWED), (4, HQ_ONLY_KIND), (3, TOPUP_PRINCIPAL_NOT_PAID)]
    assert json.loads(listed[2]["payload"])["tenders"] == []
    assert "seq 3" in quarantine_line(listed[2])
    assert hq.members.select().count() == 0  # a quarantined registration changes no member


def test_a_quarantined_event_sent_again_is_a_duplicate_not_a_second_row(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    minted = minted_top_up(feed, 1000000)
    ingest(hq, feed, minted)
    again = ingest(hq, feed, minted)
    assert (again.duplicates, again.quarantined, again.watermark) == (1, [], 1)
    assert len(quarantined_rows(hq)) == 1 and stored_value(hq, CARD) == 0


def test_bonus_is_bounded_by_the_card_types_published_rule(hq: HqDatabase) -> None:
    vip = CardType(code="VIP", name="VIP", features=frozenset({Feature.STORED_VALUE}),
                   bonus_tiers=(BonusTier(10000, 1000),))
    next_document(hq, CARD_TYPES, "all", encode_card_types([vip]), datetime(2026, 11, 1))
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    result = ingest(hq, feed, feed.top_up(10000, bonus=1000), feed.top_up(10000, bonus=1001))
    assert result.quarantined == [(3, TOPUP_BONUS_BEYOND_RULE)]
    assert stored_value(hq, CARD) == 11000


def test_the_ack_names_the_quarantined_seqs_and_is_unchanged_without() -> None:
    at = datetime(2026, 11, 23, 10, 0)
    plain = json.loads(build_ack("T1", 4, at))
    assert "quarantined" not in plain
    told = json.loads(build_ack("T1", 4, at, [(3, TOPUP_PRINCIPAL_NOT_PAID)]))
    assert told["quarantined"] == [{"seq": 3, "reason": TOPUP_PRINCIPAL_NOT_PAID}]


def refund_of(feed: TerminalFeed, sale: WireEvent, principal: int) -> WireEvent:
    op_id = feed.next_op_id()
    credit = dataclasses.replace(
        feed._entry(op_id, CARD, Account.PRINCIPAL, principal, EntryKind.REFUND),
        reverses_op=sale.op_id)
    return feed.event("sale.refunded", {
        "original_op": sale.op_id, "card_no": CARD, "amount": principal, "quantities": [],
        "tender_refunds": [["stored_value", principal]]}, [credit])


def test_a_refund_gives_back_at_most_what_is_left_of_its_sale(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    opening = [feed.issue(), feed.top_up(100000)]
    sale = feed.sale(1000)
    ingest(hq, feed, *opening, sale)
    first = ingest(hq, feed, refund_of(feed, sale, 600))
    assert first.quarantined == []
    result = ingest(hq, feed, refund_of(feed, sale, 401), refund_of(feed, sale, 800000),
                    refund_of(feed, sale, 400))
    assert result.quarantined == [(5, REFUND_BEYOND_SALE), (6, REFUND_BEYOND_SALE)]
    assert stored_value(hq, CARD) == 100000  # ¥10 sold, ¥10 given back, nothing more


def test_a_refund_in_the_same_batch_as_its_sale_is_judged_against_it(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    opening = [feed.issue(), feed.top_up(5000)]
    sale = feed.sale(1000)
    result = ingest(hq, feed, *opening, sale, refund_of(feed, sale, 1000))
    assert result.quarantined == [] and stored_value(hq, CARD) == 5000


def test_a_refund_above_a_gap_is_held_until_its_sale_can_be_there(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    opening = [feed.issue(), feed.top_up(5000)]
    sale = feed.sale(1000)
    refund = refund_of(feed, sale, 1000)
    ingest(hq, feed, *opening)
    held = ingest(hq, feed, refund)  # seq 3, the sale, is missing: not judged, not stored
    assert (held.stored, held.held, held.watermark, held.resend) == (0, 1, 2, [(3, 4)])
    assert hq.events.select().count() == 2 and held.quarantined == []
    filled = ingest(hq, feed, sale)
    assert (filled.watermark, filled.resend) == (3, [(4, 4)])
    judged = ingest(hq, feed, refund)  # the terminal sends it again: now judged, and allowed
    assert (judged.stored, judged.watermark, judged.quarantined) == (1, 4, [])
    assert stored_value(hq, CARD) == 5000
