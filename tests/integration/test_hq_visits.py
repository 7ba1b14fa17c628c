"""Each card's last visit at HQ (hq.visits), on real SQLite and PostgreSQL: the events it
ingests move it forward only, whatever order terminals' batches arrive in; a loss report is no
visit; a visit dated far ahead counts as when HQ received it; members whose cards were all last
seen long ago are found (and listed by `hq members inactive`); visits from stores in other time
zones compare by the instant; a lookup answers a card's last visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hq.cli import main as hq_main
from hq.db import HqDatabase
from hq.ingest import Ingestor
from hq.member_lookup import MemberLookup
from hq.times import aware_time, utc_now
from hq.visits import inactive_members
from protocol.wire_members import LookupRequest, parse_lookup_response
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest, publish_card_types
from tests.integration.test_hq_jobs import _url

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


def test_visits_from_stores_in_other_time_zones_compare_by_the_instant(hq: HqDatabase) -> None:
    shanghai = timezone(timedelta(hours=8))
    east = TerminalFeed("T1", at=datetime(2026, 12, 8, 10, 0, tzinfo=shanghai))  # 02:00 UTC
    west = TerminalFeed("T2", at=datetime(2026, 12, 8, 3, 0, tzinfo=UTC))
    ingest(hq, east, east.issue())
    later = west.top_up(1_000)
    ingest(hq, west, later)
    assert aware_time(last_visit(hq)) == later.at


def test_an_operator_lists_the_inactive_members(hq: HqDatabase, monkeypatch, tmp_path,
                                                capsys) -> None:
    monkeypatch.setenv("HQ_DATABASE_URL", _url(hq))
    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path / "hq"))
    feed = TerminalFeed("T1")  # AT, long before today
    ingest(hq, feed, feed.issue(CARD, "M1"),
           feed.event("member.registered", {"member_id": "M1", "name": "张三", "phone": "",
                                            "birthday": ""}))
    away = (utc_now().date() - AT.date()).days  # HQ's clock is the real one
    assert hq_main(["members", "inactive", "--days", str(max(away - 1, 1))]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("M1\t张三\t2026-11-23 ")
    assert hq_main(["members", "inactive", "--days", "3650"]) == 0
    assert capsys.readouterr().out.splitlines() == ["no inactive member"]
    assert hq_main(["members", "inactive", "--days", "0"]) == 2
