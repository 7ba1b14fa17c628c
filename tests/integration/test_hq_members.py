"""HQ as the member directory, on real SQLite and PostgreSQL: profiles from `member.registered`
events, card UIDs from `card.issued`, and lookups by card number, UID and phone answered from
HQ's own tables and ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hq.balances import card_balances
from hq.db import LATEST_VERSION, HqDatabase, open_database
from hq.member_lookup import MemberLookup, aware_lots
from hq.times import aware_time
from membership.birthdays import Birthday, Calendar
from membership.cards import CardStatus
from membership.profiles import ProfileExtras
from protocol.wire import WireEvent, terminal_topic
from protocol.wire_members import LookupRequest, ProfileRecord
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest, publish_card_types

NOW = AT + timedelta(hours=1)
SECOND = "8800000000000002"
UID = "04A1B2C3D4E5F6"
PHONE = "13800138000"
LOOKUP_TOPIC = terminal_topic("T1", "lookup/req")


def register(feed: TerminalFeed, member_id: str = "M1", name: str = "张三",
             phone: str = PHONE, birthday: str = "lunar:08-15") -> WireEvent:
    return feed.event("member.registered", {"member_id": member_id, "name": name,
                                            "phone": phone, "birthday": birthday})


def issue(feed: TerminalFeed, card_no: str = CARD, member_id: str = "M1", uid: str = "",
          ) -> WireEvent:
    event = feed.issue(card_no, member_id)
    if uid:
        event.payload["uid"] = uid
    return event


def lookup(hq: HqDatabase, **by: str):
    return MemberLookup(hq).lookup(LookupRequest("T1", **by), NOW)


def test_registrations_fill_the_members_table_and_the_newest_wins(hq: HqDatabase) -> None:
    early, late = TerminalFeed("T1"), TerminalFeed("T2", at=AT + timedelta(days=1))
    ingest(hq, late, register(late, phone="13900139000", birthday=""))
    ingest(hq, early, register(early), register(early, "M2", "李四", "13700137000"))
    rows = {row.member_id: row for row in hq.members.select()}
    # T1's registration of M1 happened before T2's (terminal clocks): T2's stays.
    assert (rows["M1"].phone, rows["M1"].birthday) == ("13900139000", "")
    assert (rows["M2"].name, rows["M2"].phone, rows["M2"].birthday) == (
        "李四", "13700137000", "lunar:08-15")
    ingest(hq, late, register(late, name="张三丰"))
    assert hq.members.get_by_id("M1").name == "张三丰"


def test_a_lookup_by_card_number_answers_everything_hq_knows(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    publish_card_types(hq)
    ingest(hq, feed, issue(feed, uid=UID), register(feed), feed.top_up(5_000, bonus=500),
           feed.buy_package("FACIAL", 10), issue(feed, SECOND), feed.sale(1_200))
    answer = lookup(hq, card_no=CARD)
    assert (answer.as_of, answer.reason) == (aware_time(NOW), "")  # naive test times are UTC
    (record,) = answer.records
    assert record.profile == ProfileRecord("M1", "张三", PHONE, Birthday(Calendar.LUNAR, 8, 15),
                                           ProfileExtras())  # no profile edit yet
    card = record.card
    assert (card.card_no, card.member_id, card.type_code, card.status, card.level) == (
        CARD, "M1", "VIP", CardStatus.ACTIVE, "GOLD")
    assert (card.issued_on, card.expires_on) == (AT.date(), date(2028, 12, 31))
    assert record.balances == aware_lots(card_balances(hq, CARD))  # stored lots are UTC
    assert (record.balances.principal, record.balances.bonus) == (3_800, 500)
    (lot,) = record.balances.count_lots
    assert (lot.service, lot.remaining, lot.valid_until) == ("FACIAL", 10, date(2027, 12, 31))
    assert (record.uid, record.offline_pin_verifier, record.other_cards) == (UID, "", (SECOND,))


def test_a_lookup_by_uid_finds_the_live_card_bound_to_it(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, issue(feed, uid=UID), feed.change_status("card.cancelled"))
    later = TerminalFeed("T1", at=AT + timedelta(days=30))
    later.seq = feed.seq
    ingest(hq, later, issue(later, SECOND, "M2", uid=UID))  # the UID bound again
    (record,) = lookup(hq, uid=UID).records
    assert (record.card.card_no, record.uid, record.profile.member_id) == (SECOND, UID, "M2")
    assert lookup(hq, card_no=CARD, uid=UID).records[0].card.card_no == CARD  # number first


def test_a_lookup_by_phone_answers_every_card_of_its_members(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, register(feed), issue(feed), issue(feed, SECOND),
           register(feed, "M3", phone="13600136000"), issue(feed, "8800000000000003", "M3"))
    answer = lookup(hq, phone=PHONE)
    assert sorted(record.card.card_no for record in answer.records) == [CARD, SECOND]
    assert {record.other_cards for record in answer.records} == {(CARD,), (SECOND,)}
    assert all(record.profile.name == "张三" for record in answer.records)


def test_unknown_cards_and_phones_are_answered_with_their_reason(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, register(feed), issue(feed))
    assert lookup(hq, card_no="8899").reason == "card.unknown"
    assert lookup(hq, uid="DEADBEEF").reason == "card.unknown"
    answer = lookup(hq, phone="13900000000")
    assert (answer.reason, answer.records) == ("member.unknown", ())


def test_a_replacement_card_lists_what_it_replaced_and_keeps_no_uid(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, issue(feed, uid=UID), register(feed), feed.top_up(2_000))
    ingest(hq, feed, feed.event("card.replaced", {
        "card_no": SECOND, "old_card_no": CARD, "new_card_no": SECOND, "fee": 0,
        "tenders": []}))
    (new,) = lookup(hq, card_no=SECOND).records
    assert (new.card.previous_card_nos, new.uid, new.card.status) == (
        (CARD,), "", CardStatus.ACTIVE)
    (old,) = lookup(hq, uid=UID).records
    assert (old.card.status, old.card.replaced_by) == (CardStatus.REPLACED, SECOND)


@pytest.mark.parametrize("payload", [
    b"garbage", b'{"schema":2,"terminal_id":"T1","by":"card"}',
    b'{"schema":2,"terminal_id":"T2","by":"phone","phone":"13800138000"}',
    b'{"schema":2,"terminal_id":"T1","by":"phone","phone":["13800138000"]}',
    b"[" * 5000 + b"]" * 5000,
])
def test_garbage_lookups_are_dead_letters_without_an_answer(hq: HqDatabase,
                                                            payload: bytes) -> None:
    assert MemberLookup(hq).handle_request(LOOKUP_TOPIC, payload, NOW) is None
    (letter,) = hq.dead_letters.select()
    assert letter.topic == LOOKUP_TOPIC and letter.reason in (
        "malformed_json", "invalid_field", "terminal_mismatch")


def test_migration_4_adds_profiles_and_card_uids_to_an_older_database(
        hq_database_url: str) -> None:
    old = open_database(hq_database_url)
    with old.write_transaction():
        old.members.drop_table()
        if old.is_sqlite:  # SQLite drops no column an index names
            old.database.execute_sql('DROP INDEX "cards_uid"')
            old.database.execute_sql('DROP INDEX "cards_parent_card_no"')
        for column in ("uid", "parent_card_no", "quota"):
            old.database.execute_sql(f'ALTER TABLE cards DROP COLUMN "{column}"')
        old.schema_version.delete().where(old.schema_version.version >= 4).execute()
        param = old.database.param  # a card stored before the migration, as HQ then did
        old.database.execute_sql(
            'INSERT INTO cards ("card_no", "member_id", "type_code", "status", "level", '
            f'"replaced_by") VALUES ({", ".join([param] * 6)})',
            [CARD, "M1", "VIP", "active", "", ""])
    feed = TerminalFeed("T1")
    old.close()
    hq = open_database(hq_database_url, migrate=False)
    try:
        assert hq.migrate() == list(range(4, LATEST_VERSION + 1))
        assert "cards_uid" in _card_indexes(hq)
        ingest(hq, feed, issue(feed, SECOND, uid=UID), register(feed))
        assert lookup(hq, uid=UID).records[0].profile.phone == PHONE
        assert lookup(hq, card_no=CARD).records[0].card.quota == 0
    finally:
        hq.close()


def _card_indexes(hq: HqDatabase) -> set[str]:
    return {index.name for index in hq.database.get_indexes("cards")}


def test_a_new_database_indexes_card_uids_and_phones(hq: HqDatabase) -> None:
    assert "cards_uid" in _card_indexes(hq)
    assert any(index.columns == ["phone"] for index in hq.database.get_indexes("members"))
