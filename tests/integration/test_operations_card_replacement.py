"""Replacing and cancelling a card with what hangs on it: a UID-only tag as the new card (its
UID bound to the typed number), and the subsidiary cards (附属卡) that follow their parent."""

from __future__ import annotations

from datetime import datetime

import pytest

from membership.cards import Card, CardStatus
from membership.errors import DomainError
from membership.ledger import CardBalances
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier.members import MemberDesk
from terminal.cashier.ports import MemberProfile, MemberRecord
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    OTHER_CARD_NO,
    cashier_world,
    refused_key,
    tenders,
)

NEW_CARD_NO = "8800000000000009"
TAG_UID = "04A1B2C3D4E5F6"
CHILD_NO = "8800000000000101"


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def outbox_payload(world, op_id: str, event_type: str) -> dict:
    return next(event.document["payload"] for event in world.store.outbox_batch(0, 10_000)
                if event.op_id == op_id and event.type == event_type)


def with_child(world, parent_card_no: str = CARD_NO) -> None:
    """HQ told this terminal of a subsidiary card of the member's card (issued at HQ)."""
    parent = world.store.known_card(parent_card_no).card
    child = Card(CHILD_NO, parent.member_id, parent.type_code, issued_on=parent.issued_on,
                 parent_card_no=parent_card_no, quota=20000)
    world.store.cache_member_record(MemberRecord(
        MemberProfile(parent.member_id, "张小三"), child, CardBalances(),
        datetime(2026, 11, 23, 9, 0)))


def test_a_uid_only_tag_becomes_the_new_card_and_is_found_by_its_uid(world):
    world.enrol(top_up=50000)
    result = ops.replace_card(world.ctx, MANAGER, world.member(), NEW_CARD_NO,
                              tenders((K.CASH, 1000)), uid="04:a1:b2:c3:d4:e5:f6")
    found = world.store.known_card_by_uid(TAG_UID)
    assert found is not None and found.card.card_no == NEW_CARD_NO
    assert outbox_payload(world, result.op_id, "card.replaced")["uid"] == TAG_UID
    assert world.store.card_balances(NEW_CARD_NO).principal == 50000


def test_a_tag_still_bound_to_a_card_in_use_is_refused_and_nothing_moves(world):
    ops.enrol_member(world.ctx, CASHIER, OTHER_CARD_NO, "李四", "GOLD", tenders((K.CASH, 2000)),
                     uid=TAG_UID)
    world.enrol(top_up=50000)
    books = world.books(CARD_NO, NEW_CARD_NO)
    with pytest.raises(DomainError) as refused:
        ops.replace_card(world.ctx, MANAGER, world.member(), NEW_CARD_NO,
                         tenders((K.CASH, 1000)), uid=TAG_UID)
    assert refused_key(refused.value) == "card.uid_in_use"
    assert world.books(CARD_NO, NEW_CARD_NO) == books


def test_the_subsidiary_cards_follow_their_parent_to_the_new_card(world):
    world.enrol(top_up=50000)
    with_child(world)
    ops.replace_card(world.ctx, MANAGER, world.member(), NEW_CARD_NO, tenders((K.CASH, 1000)))
    child = world.store.known_card(CHILD_NO).card
    assert child.parent_card_no == NEW_CARD_NO and child.status is CardStatus.ACTIVE
    assert MemberDesk(world.ctx).member_context(CHILD_NO).parent.card_no == NEW_CARD_NO


def test_a_subsidiary_card_pays_from_its_parents_replacement(world):
    """The parent was replaced before this terminal heard of the move (HQ re-parents the child;
    this terminal's copy still names the old card): the money is on the new card."""
    world.enrol(top_up=50000)
    ops.replace_card(world.ctx, MANAGER, world.member(), NEW_CARD_NO, tenders((K.CASH, 1000)),
                     children=())
    with_child(world, parent_card_no=CARD_NO)
    context = MemberDesk(world.ctx).member_context(CHILD_NO)
    assert context.parent.card_no == NEW_CARD_NO
    assert context.balances.principal == 50000


def test_cancelling_a_card_cancels_its_subsidiary_cards(world):
    member = world.enrol()
    with_child(world)
    ops.cancel_card(world.ctx, MANAGER, member, None)
    assert world.store.known_card(CHILD_NO).card.status is CardStatus.CANCELLED
