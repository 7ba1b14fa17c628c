"""Each card's last visit at HQ (hq.visits), on real SQLite and PostgreSQL: the events it
ingests move it forward only, whatever order terminals' batches arrive in; a loss report is no
visit; a visit dated far ahead counts as when HQ received it; members whose cards were all last
seen long ago are found; a lookup answers a card's last visit."""

from __future__ import annotations

from datetime import timedelta

from hq.db import HqDatabase
from hq.ingest import Ingestor
from hq.member_lookup import MemberLookup
from hq.times import aware_time
from hq.visits import inactive_members
from protocol.wire_members import LookupRequest, parse_lookup_response
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest, publish_card_types

SECOND = "8800000000000002"


def last_visit(hq: HqDatabase, card_no: str = CARD):
    return hq.cards.get_by_id(card_no).last_visit_at


def test_the_latest_visit_stays_whatever_order_batches_arrive_in(hq: HqDatabase) -> None:
    publish_card_types(hq)
    early, late = TerminalFeed("T1"), TerminalFeed("T2", at=AT + timedelta(days=3))
    issued = early.issue()
    ingest(hq, early, issued)
    assert last_visit(hq) == issued.at
    top_up = late.top_up(5_000)
    ingest(hq, late, top_up)
    assert last_visit(hq) == top_up.at
    ingest(hq, early, early.sale(1_000))  # an earlier visit, arriving later
    assert last_visit(hq) == top_up.at
    ingest(hq, late, late.change_status("card.lost"))  # reported by phone: no visit
    assert last_visit(hq) == top_up.at


def test_a_visit_dated_far_ahead_counts_as_when_hq_received_it(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    ahead = TerminalFeed("T9", at=AT + timedelta(days=3650))
    received = feed.at + timedelta(minutes=1)
    result = Ingestor(hq).handle_events(ahead.topic, ahead.batch([ahead.issue(SECOND)]),
                                        received)
    assert result.dead_letter_reason is None
    assert last_visit(hq, SECOND) == received


def test_members_whose_cards_were_all_last_seen_long_ago_are_inactive(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(CARD, "M1"), feed.issue(SECOND, "M2"))
    later = TerminalFeed("T2", at=AT + timedelta(days=100))
    ingest(hq, later, later.issue("8800000000000003", "M2"))  # M2's second card, lately
    cutoff = AT + timedelta(days=30)
    assert inactive_members(hq, cutoff) == [("M1", last_visit(hq, CARD))]
    assert [member for member, _ in inactive_members(hq, AT + timedelta(days=200))] == [
        "M1", "M2"]


def test_a_lookup_answers_the_cards_last_visit_and_a_terminal_reads_it(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    answer = MemberLookup(hq).lookup(LookupRequest("T1", card_no=CARD), feed.at)
    (record,) = parse_lookup_response(answer.to_bytes()).records
    sent = aware_time(last_visit(hq))
    assert record.last_visit == sent.astimezone().replace(tzinfo=None)  # the terminal's clock
