"""Issuing a subsidiary card (附属卡) at the counter on a real store: it spends the parent's stored
value within its quota, both cards show the same balances, the event tells HQ the parent and the
quota, and a real HQ applies it; refusals (a second level, one too many, a number in use)
commit nothing."""

from __future__ import annotations

import pytest

from hq.ingest import Ingestor
from membership.catalogue import SaleLine
from membership.errors import DomainError
from membership.profiles import ProfileExtras
from membership.tenders import TenderKind as K
from protocol.wire import build_event_batch, terminal_topic
from terminal.cashier import operations as ops
from terminal.cashier import profiles, subsidiaries
from terminal.cashier.members import MemberDesk
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    TERMINAL_ID,
    cashier_world,
    refused_key,
    tenders,
)

CHILD_NO = "8800000000000101"


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def test_a_subsidiary_card_shares_the_parents_balance_within_its_quota(world):
    parent = world.enrol(top_up=50000)
    depth = world.store.outbox_depth()
    result = subsidiaries.issue_subsidiary(world.ctx, CASHIER, parent, CHILD_NO, quota=3000)

    assert world.store.outbox_depth() == depth + 1
    [event] = [event for event in world.store.outbox_batch(0, 10_000)
               if event.op_id == result.op_id]
    payload = event.document["payload"]
    assert event.type == "card.issued"
    assert (payload["parent_card_no"], payload["quota"]) == (CARD_NO, 3000)
    assert payload["join_fee"] == 0 and result.decision.entries == ()
    desk = MemberDesk(world.ctx)
    child_view, parent_view = desk.view(CHILD_NO), desk.view(CARD_NO)
    assert child_view.panel.stored_value == parent_view.panel.stored_value == 53000
    lines = world.printed_lines(result)
    assert any(line.startswith("主卡") and line.endswith("0001") for line in lines), lines
    assert any(line.startswith("附属卡额度") and line.endswith("¥30.00") for line in lines)

    latte = SaleLine(1, demo.PRODUCTS["LATTE"], 1)
    ops.confirm_sale(world.ctx, CASHIER, desk.member_context(CHILD_NO), [latte],
                     tenders((K.STORED_VALUE, 2660)), pin_proof=world.pin(CHILD_NO))
    assert desk.view(CARD_NO).panel.stored_value == 53000 - 2660
    [listed] = subsidiaries.subsidiary_cards(world.ctx, desk.member_context(CARD_NO))
    assert (listed.card.card_no, listed.card.quota, listed.used) == (CHILD_NO, 3000, 2660)
    with pytest.raises(DomainError) as refused:
        ops.confirm_sale(world.ctx, CASHIER, desk.member_context(CHILD_NO), [latte],
                         tenders((K.STORED_VALUE, 2660)), pin_proof=world.pin(CHILD_NO))
    assert refused_key(refused.value) == "subsidiary.quota_exceeded"


def test_without_a_quota_the_card_types_default_applies(world):
    parent = world.enrol()
    subsidiaries.issue_subsidiary(world.ctx, CASHIER, parent, CHILD_NO)
    [listed] = subsidiaries.subsidiary_cards(world.ctx, parent)
    assert listed.card.quota == demo.GOLD_CARD.subsidiary.default_quota


@pytest.mark.parametrize(("case", "key"), [
    ("nested", "subsidiary.nested"),
    ("too_many", "subsidiary.too_many"),
    ("number_in_use", "card.already_issued"),
    ("negative_quota", "input.invalid"),
])
def test_refusals_commit_nothing(world, case: str, key: str):
    parent = world.enrol()
    subsidiaries.issue_subsidiary(world.ctx, CASHIER, parent, CHILD_NO)
    desk = MemberDesk(world.ctx)
    arguments = {
        "nested": (desk.member_context(CHILD_NO), "8800000000000102", None),
        "too_many": (parent, "8800000000000103", None),
        "number_in_use": (parent, CARD_NO, None),
        "negative_quota": (parent, "8800000000000104", -1),
    }[case]
    if case == "too_many":  # the demo card type allows two
        subsidiaries.issue_subsidiary(world.ctx, CASHIER, parent, "8800000000000102")
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        subsidiaries.issue_subsidiary(world.ctx, CASHIER, *arguments)
    assert refused_key(refused.value) == key
    assert world.books(CARD_NO) == books


def test_hq_applies_the_sub_card_and_a_profile_edit_the_counter_made(world, hq):
    """The terminal's own events, as its relay would publish them, at a real HQ (SQLite and
    PostgreSQL): the sub-card under its parent with its quota, the member's details; nothing
    quarantined, and the visits dated."""
    parent = world.enrol()
    subsidiaries.issue_subsidiary(world.ctx, CASHIER, parent, CHILD_NO, quota=3000)
    profiles.edit_profile(world.ctx, MANAGER, parent, "张三", "13800138000",
                          ProfileExtras("南京西路 1 号", "male", "", consent=True))
    events = [event.to_wire() for event in world.store.outbox_batch(0, 100)]
    result = Ingestor(hq).handle_events(terminal_topic(TERMINAL_ID, "events"),
                                        build_event_batch(TERMINAL_ID, events, world.clock()),
                                        world.clock())
    assert (result.dead_letter_reason, result.quarantined) == (None, [])
    child = hq.cards.get_by_id(CHILD_NO)
    assert (child.parent_card_no, child.quota, child.member_id) == (
        CARD_NO, 3000, parent.card.member_id)
    assert child.last_visit_at is not None and hq.cards.get_by_id(CARD_NO).last_visit_at
    member = hq.members.get_by_id(parent.card.member_id)
    assert (member.address, member.gender, bool(member.consent)) == ("南京西路 1 号", "male", True)
