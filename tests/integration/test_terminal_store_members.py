"""The store's members and cards as HQ's directory gives them (migrations 4 and 5, lookups by
UID and phone, balances for decisions), on real SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from peewee import IntegrityError

from membership import card_service
from membership import counter_operations as counter
from membership.birthdays import Birthday, Calendar
from membership.cards import CardStatus
from membership.catalogue import SaleLine
from membership.counter_operations import Operation
from membership.ledger import CardBalances
from membership.profiles import ProfileDetails
from membership.sale import MemberContext, SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo
from terminal.store import (
    CardSnapshot,
    HqBalances,
    MemberInfo,
    StoreConflict,
    TerminalStore,
    open_store,
)
from terminal.store.db import open_database
from terminal.store.migrations import LATEST_VERSION, migrate
from tests.integration import store_world as world
from tests.integration.desk_world import (
    AWAY_CARD_NO,
    AWAY_PHONE,
    AWAY_UID,
    FACIAL_LOT,
    away_balances,
    away_record,
)

OLD_CARD = "8800000000000001"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TerminalStore]:
    with open_store(tmp_path / "terminal.db") as opened:
        yield opened


def _version_3_file(path: Path) -> None:
    """A file as the terminal left it before migration 4: a member, a card HQ reported, one
    of its ledger entries and a shift."""
    database = open_database(path)
    assert migrate(database, target=3) == [1, 2, 3]
    database.execute_sql(
        "INSERT INTO member (member_id, name, phone, updated_at) "
        "VALUES ('M0001', '张三', '13900001111', '2026-11-01T09:00:00')")
    database.execute_sql(
        "INSERT INTO card (card_no, member_id, type_code, status, issued_on, expires_on, level,"
        " parent_card_no, quota, replaced_by, hq_principal, hq_bonus, hq_points,"
        " hq_time_minutes, hq_counts, hq_version, hq_as_of, changed_by_op, updated_at) VALUES"
        " (?, 'M0001', 'GOLD', 'active', '2026-01-05', '2028-01-04', 'SILVER', '', 0, '',"
        " 52000, 3000, 410, 0, '{\"FACIAL\":4}', 77, '2026-11-22T05:00:00', '',"
        " '2026-11-22T05:00:00')", (OLD_CARD,))
    database.execute_sql(
        "INSERT INTO ledger_entry (op_id, entry_index, card_no, account, delta, kind, at, lot,"
        " service, actor_card_no, reverses_op, note) VALUES ('SH001-T1-000001', 0, ?,"
        " 'principal', 1000, 'topup', '2026-11-22T10:00:00', '', '', '', '', '')", (OLD_CARD,))
    database.execute_sql(
        "INSERT INTO shift (cashier_id, opened_at, opening_float) "
        "VALUES ('S01', '2026-11-22T09:00:00', 50000)")
    database.close()


def test_migrations_4_and_5_keep_what_a_version_3_file_held(tmp_path: Path):
    path = tmp_path / "terminal.db"
    _version_3_file(path)

    with open_store(path) as store:
        assert LATEST_VERSION == 11
        known = store.known_card(OLD_CARD)
        assert known.member.extras is None  # migration 10: no details recorded
        assert (known.member.name, known.member.phone, known.member.birthday) == (
            "张三", "13900001111", None)
        assert (known.card.level, known.card.expires_on) == ("SILVER", date(2028, 1, 4))
        assert (known.hq.principal, known.hq.counts, known.hq.version) == (52000, {"FACIAL": 4},
                                                                            77)
        assert (known.uid, known.offline_pin_verifier, known.hq_snapshot, known.coupons) == (
            "", "", None, ())
        assert store.card_balances(OLD_CARD).principal == 1000  # the ledger is untouched
        assert store.balances_for_decision(OLD_CARD).stored_value == 55000  # HQ's totals
        assert [k.card.card_no for k in store.members_by_phone("13900001111")] == [OLD_CARD]
        (old_shift,) = store.tables.shift.select()
        assert (old_shift.cashier_id, old_shift.opening_float, old_shift.open_op_id) == (
            "S01", 50000, "")
        assert store.open_time_sessions() == ()
        with pytest.raises(IntegrityError):  # the rebuilt card table kept its CHECK
            store.tables.card.update(status="stolen").execute()


def test_a_record_from_hq_makes_a_card_of_another_store_decidable(store: TerminalStore):
    assert store.cache_member_record(away_record()) is True

    by_uid = store.known_card_by_uid(AWAY_UID)  # upper case, as readers report it
    assert by_uid is not None and by_uid.card.card_no == AWAY_CARD_NO
    assert by_uid.member.birthday == Birthday(Calendar.LUNAR, 10, 18)
    assert by_uid.offline_pin_verifier.startswith("scrypt$")
    assert by_uid.coupons == ("WELCOME10",)
    assert by_uid.hq_snapshot == away_balances()
    assert store.balances_for_decision(AWAY_CARD_NO) == away_balances()
    assert [k.card.card_no for k in store.members_by_phone(AWAY_PHONE)] == [AWAY_CARD_NO]
    assert store.known_card_by_uid("FFFF") is None and store.members_by_phone("1") == ()


def _sale_on_away_card(store: TerminalStore, op_id: str) -> None:
    """One facial from the package and two lattes from the stored value, decided on what the
    store knows of the card and committed."""
    known = store.known_card(AWAY_CARD_NO)
    member = MemberContext(known.card, demo.GOLD_CARD, store.balances_for_decision(AWAY_CARD_NO),
                           member_name=known.member.name)
    lines = (SaleLine(1, demo.PRODUCTS["FACIAL"], 1, use_count=True),
             SaleLine(2, demo.PRODUCTS["LATTE"], 2))
    request = SaleRequest(op_id, world.at(10), lines, (Tender(TenderKind.STORED_VALUE, 5320),))
    store.commit_sale(decide_sale(request, demo.STORE, demo.RULES, member))


def test_balances_for_decision_are_hqs_lots_plus_this_terminals_unacknowledged_entries(
    store: TerminalStore,
):
    store.cache_member_record(away_record())
    _sale_on_away_card(store, "SH001-T1-000001")

    balances = store.balances_for_decision(AWAY_CARD_NO)
    assert balances.stored_value == 33000 - 5320
    (facials,) = balances.count_lots
    assert (facials.lot, facials.remaining, facials.valid_until) == (FACIAL_LOT, 5,
                                                                      date(2027, 9, 30))
    assert balances.points > 800  # the lattes earned points in a lot of their own
    assert store.last_known_balances(AWAY_CARD_NO) == balances  # what the debit guard uses

    # HQ stored the sale and says so; its next answer includes it, and it is not added twice.
    store.prune_outbox(store.next_seq() - 1)
    after = CardBalances(principal=balances.principal, bonus=balances.bonus,
                         points_lots=balances.points_lots, count_lots=balances.count_lots)
    store.cache_member_record(away_record(after))
    assert store.balances_for_decision(AWAY_CARD_NO) == after


def test_a_card_changed_here_keeps_its_state_until_hq_acknowledges_it(store: TerminalStore):
    store.cache_member_record(away_record())
    known = store.known_card(AWAY_CARD_NO)
    member = MemberContext(known.card, demo.GOLD_CARD, store.balances_for_decision(AWAY_CARD_NO))
    op = Operation("SH001-T1-000001", world.at(11), demo.STORE)
    store.commit_counter(card_service.change_state(op, member, "card.frozen"))

    newer = away_record(replace(away_balances(), principal=29000))
    assert store.cache_member_record(newer) is False  # HQ has not seen the freeze yet
    kept = store.known_card(AWAY_CARD_NO)
    assert kept.card.status is CardStatus.FROZEN and kept.changed_by_op == "SH001-T1-000001"
    assert kept.hq_snapshot.principal == 29000  # HQ's own facts are taken all the same

    store.prune_outbox(store.next_seq() - 1)
    assert store.cache_member_record(away_record(status=CardStatus.FROZEN)) is True
    assert store.known_card(AWAY_CARD_NO).changed_by_op == ""


def test_hq_totals_without_lots_replace_an_earlier_answers_lots(store: TerminalStore):
    store.cache_member_record(away_record())
    snapshot = CardSnapshot(away_record().card,
                            HqBalances(principal=100, counts={"FACIAL": 2},
                                       as_of=datetime(2026, 11, 23, 12, 0)))
    store.cache_card(MemberInfo("M0077", "赵六", AWAY_PHONE), snapshot)

    known = store.known_card(AWAY_CARD_NO)
    assert known.hq_snapshot is None
    assert known.member.birthday == Birthday(Calendar.LUNAR, 10, 18)  # not given: kept
    balances = store.balances_for_decision(AWAY_CARD_NO)
    assert (balances.principal, [lot.remaining for lot in balances.count_lots]) == (100, [2])


def test_a_card_enrolled_here_is_decided_on_this_terminals_ledger(store: TerminalStore):
    store.commit_counter(world.enrolment("SH001-T1-000001"))
    store.commit_counter(world.top_up(store, "SH001-T1-000002"))
    assert store.balances_for_decision(world.CARD_NO) == store.card_balances(world.CARD_NO)
    assert store.balances_for_decision(world.CARD_NO).stored_value == 110000


def test_uid_lookup_prefers_the_card_still_in_use(store: TerminalStore):
    store.cache_member_record(away_record(status=CardStatus.REPLACED))
    newer = replace(away_record(), card=replace(away_record().card, card_no="8800000000000078"))
    store.cache_member_record(newer)
    assert store.known_card_by_uid(AWAY_UID).card.card_no == "8800000000000078"


def test_forgetting_the_offline_verifier(store: TerminalStore):
    store.cache_member_record(away_record())
    store.forget_offline_pin_verifier(AWAY_CARD_NO)
    assert store.known_card(AWAY_CARD_NO).offline_pin_verifier == ""


def test_time_sessions_are_closed_by_the_operation_that_bills_them(tmp_path: Path):
    path = tmp_path / "terminal.db"
    with open_store(path) as store:
        store.commit_counter(world.enrolment("SH001-T1-000001"))
        store.commit_counter(world.top_up(store, "SH001-T1-000002"))
        session = store.start_time_session(world.CARD_NO, "study", world.at(9, 30), "S01")
    with open_store(path) as store:  # a restart keeps the session running
        assert store.open_time_sessions(world.CARD_NO) == (session,)
        assert store.open_time_sessions("8800000000000009") == ()
        rate = demo.GOLD_CARD.time_rates[0]
        op = Operation("SH001-T1-000003", world.at(11, 45), demo.STORE, "S01")
        bill = counter.close_session(op, world.member(store), rate, session.started_at,
                                     [Tender(TenderKind.STORED_VALUE, 4500)])
        seqs = store.close_time_session(session.session_id, bill)

        assert seqs == (3,) and store.open_time_sessions() == ()
        assert store.time_session(session.session_id).closed_by_op == "SH001-T1-000003"
        again = replace(bill, op_id="SH001-T1-000004")
        with pytest.raises(StoreConflict):
            store.close_time_session(session.session_id, again)
        assert store.next_seq() == 4  # the refused bill took nothing


def test_pin_failures_lock_for_a_time_and_start_again_after_it(store: TerminalStore):
    now = datetime(2026, 11, 23, 10, 0)
    for _ in range(4):
        failed = store.record_pin_failure("staff:S01", 5, timedelta(minutes=5), now)
        assert failed.locked_until is None
    locked = store.record_pin_failure("staff:S01", 5, timedelta(minutes=5), now)
    assert (locked.failures, locked.locked_until) == (5, datetime(2026, 11, 23, 10, 5))
    assert store.pin_failures("staff:S01") == locked
    after = store.record_pin_failure("staff:S01", 5, timedelta(minutes=5),
                                     datetime(2026, 11, 23, 10, 6))
    assert (after.failures, after.locked_until) == (1, None)
    store.clear_pin_failures("staff:S01")
    assert store.pin_failures("staff:S01").failures == 0



def test_an_enrolment_with_a_profile_and_a_uid_is_found_here_before_hq_has_it(
    store: TerminalStore,
):
    profile = ProfileDetails(phone="13600001111", birthday=Birthday(Calendar.SOLAR, 5, 12))
    decision = card_service.enrol(
        Operation("SH001-T1-000001", world.at(9), demo.STORE, "S01"), "8800000000000005",
        "M0005", "钱七", demo.GOLD_CARD, [Tender(TenderKind.CASH, 2000)], level="NORMAL",
        profile=profile, uid="04:a1:b2:c3:d4")
    store.commit_counter(decision)

    by_uid = store.known_card_by_uid("04A1B2C3D4")
    assert by_uid is not None and by_uid.card.card_no == "8800000000000005"
    (by_phone,) = store.members_by_phone("13600001111")
    assert (by_phone.member.name, by_phone.member.birthday) == ("钱七", profile.birthday)
