"""A profile edit's details at HQ, on real SQLite and PostgreSQL: `member.registered` with the
address, gender, notes and consent fills the member's row; an enrolment's registration after it
keeps them; a lookup answers them (and a terminal reads them back); a malformed detail is a
dead letter, never a row."""

from __future__ import annotations

from datetime import timedelta

from hq.db import HqDatabase
from hq.ingest import Ingestor
from hq.member_lookup import MemberLookup
from membership.profiles import ProfileExtras
from protocol.wire_members import LookupRequest, parse_lookup_response
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest

PHONE = "13800138000"
DETAILS = {"address": "上海市静安区南京西路 1 号", "gender": "female", "notes": "对坚果过敏",
           "consent": True}


def registration(feed: TerminalFeed, **details):
    return feed.event("member.registered", {"member_id": "M1", "name": "张三",
                                            "phone": PHONE, "birthday": "", **details})


def test_an_edit_fills_the_details_and_an_enrolment_keeps_them(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), registration(feed), registration(feed, **DETAILS))
    row = hq.members.get_by_id("M1")
    assert (row.address, row.gender, row.notes, bool(row.consent)) == tuple(DETAILS.values())
    ingest(hq, feed, registration(feed))  # a second card's enrolment: no details
    assert hq.members.get_by_id("M1").notes == DETAILS["notes"]

    answer = MemberLookup(hq).lookup(LookupRequest("T1", card_no=CARD), AT + timedelta(hours=1))
    (record,) = parse_lookup_response(answer.to_bytes()).records
    assert record.profile.extras == ProfileExtras(**DETAILS)


def test_a_malformed_detail_is_a_dead_letter(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), registration(feed))
    bad = registration(feed, notes="备" * 201, consent=True)
    result = Ingestor(hq).handle_events(feed.topic, feed.batch([bad]), feed.at)
    assert result.dead_letter_reason is not None
    assert hq.members.get_by_id("M1").notes == ""


def test_another_store_may_not_change_the_details_but_may_send_them_again(
        hq: HqDatabase) -> None:
    hq.terminals.insert_many([{"id": "T1", "store_id": "SH001"},
                              {"id": "T2", "store_id": "BJ002"}]).execute()
    home, other = TerminalFeed("T1"), TerminalFeed("T2", at=AT + timedelta(hours=1))
    ingest(hq, home, home.issue(), registration(home, **DETAILS))
    same = Ingestor(hq).handle_events(other.topic, other.batch(
        [registration(other, **DETAILS)]), other.at)
    assert same.quarantined == []
    changed = registration(other, **{**DETAILS, "notes": "改了"})
    refused = Ingestor(hq).handle_events(other.topic, other.batch([changed]), other.at)
    assert [reason for _, reason in refused.quarantined] == ["profile_not_own_store"]
    assert hq.members.get_by_id("M1").notes == DETAILS["notes"]
