"""Editing a member's profile at the counter (terminal.cashier.profiles) on a real store: the
whole profile goes out as `member.registered` with the details, the store knows them at once,
an enrolment's registration later keeps them; a cashier needs a manager's approval (the
`staff` document's default); bad details are refused and commit nothing; the last visit is the
latest visit operation here, or HQ's when it is later."""

from __future__ import annotations

from datetime import timedelta

import pytest

from membership.errors import DomainError
from membership.ledger import CardBalances
from membership.member_records import MemberProfile, MemberRecord
from membership.profiles import ProfileExtras
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier import profiles
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    cashier_world,
    refused_key,
    tenders,
)

DETAILS = ProfileExtras("上海市静安区南京西路 1 号", "female", "对坚果过敏", consent=True)


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def test_an_edit_sends_the_whole_profile_and_the_store_knows_it_at_once(world):
    member = world.enrol()
    result = profiles.edit_profile(world.ctx, MANAGER, member, " 张三丰 ", "138 0013 8000",
                                   ProfileExtras(f"  {DETAILS.address} ", "female",
                                                 DETAILS.notes, True))
    [event] = [event for event in world.store.outbox_batch(0, 10_000)
               if event.op_id == result.op_id]
    payload = event.document["payload"]
    assert event.type == "member.registered"
    assert payload == {"member_id": member.card.member_id, "name": "张三丰",
                       "phone": "13800138000", "birthday": "", "address": DETAILS.address,
                       "gender": "female", "notes": DETAILS.notes, "consent": True}
    view = profiles.profile_of(world.ctx, CARD_NO)
    assert (view.member.name, view.member.phone, view.extras) == (
        "张三丰", "13800138000", DETAILS)
    assert result.decision.entries == ()
    assert "会员资料修改" in world.printed_lines(result)  # the slip says what happened


def test_a_cashier_needs_a_managers_approval_and_is_refused_without_one(world):
    member = world.enrol()
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        profiles.edit_profile(world.ctx, CASHIER, member, "张三", "", DETAILS)
    assert refused_key(refused.value) == "permission.approval_needed"
    assert world.books(CARD_NO) == books
    profiles.edit_profile(world.ctx, CASHIER, member, "张三", "", DETAILS,
                          approval=world.approval())
    assert profiles.profile_of(world.ctx, CARD_NO).extras == DETAILS


def test_an_enrolment_for_the_member_later_keeps_the_details(world):
    member = world.enrol()
    profiles.edit_profile(world.ctx, MANAGER, member, "张三", "13800138000", DETAILS)
    ops.enrol_member(world.ctx, CASHIER, "8800000000000009", "张三", "GOLD",
                     tenders((K.CASH, 2000)), member_id=member.card.member_id,
                     phone="13800138000")
    assert profiles.profile_of(world.ctx, CARD_NO).extras == DETAILS


@pytest.mark.parametrize(("name", "extras", "key"), [
    ("", DETAILS, "member.name_required"),
    ("张三", ProfileExtras(address="路" * 121), "member.address_invalid"),
    ("张三", ProfileExtras(notes="备" * 201), "member.notes_invalid"),
    ("张三", ProfileExtras(notes="a\x00b"), "member.notes_invalid"),
    ("张三", ProfileExtras(gender="unknown"), "member.gender_invalid"),
])
def test_bad_details_are_refused_and_commit_nothing(world, name, extras, key):
    member = world.enrol()
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        profiles.edit_profile(world.ctx, MANAGER, member, name, "13800138000", extras)
    assert refused_key(refused.value) == key
    assert world.books(CARD_NO) == books


def test_the_last_visit_here_is_the_latest_visit_not_a_profile_edit(world):
    member = world.enrol()
    enrolled_at = world.clock()
    assert profiles.last_visit_here(world.ctx, CARD_NO) == enrolled_at
    world.clock.advance(hours=2)
    ops.top_up(world.ctx, CASHIER, world.member(), 10000, tenders((K.CASH, 10000)))
    topped_up_at = world.clock()
    world.clock.advance(hours=1)
    profiles.edit_profile(world.ctx, MANAGER, member, "张三", "", DETAILS)
    assert profiles.last_visit_here(world.ctx, CARD_NO) == topped_up_at
    assert profiles.last_visit_here(world.ctx, "8800000000009999") is None


def test_the_last_visit_shown_is_hqs_when_the_member_came_later_elsewhere(world):
    world.enrol()
    here = profiles.last_visit_here(world.ctx, CARD_NO)
    known = world.store.known_card(CARD_NO)
    owner = known.member
    elsewhere = here + timedelta(days=3)
    world.store.cache_member_record(MemberRecord(
        MemberProfile(owner.member_id, owner.name, owner.phone), known.card, CardBalances(),
        elsewhere, last_visit=elsewhere))
    assert world.store.known_card(CARD_NO).hq_last_visit == elsewhere
    assert profiles.profile_of(world.ctx, CARD_NO).last_visit == elsewhere
    older = MemberRecord(MemberProfile(owner.member_id, owner.name, owner.phone), known.card,
                         CardBalances(), elsewhere, last_visit=here - timedelta(days=30))
    world.store.cache_member_record(older)
    assert profiles.profile_of(world.ctx, CARD_NO).last_visit == here
