"""Permissions per action at the counter (terminal.cashier.permissions), on a real store: the
`staff` document's table decides, a manager's approval on the spot lets one operation through,
and every refusal and approval is in the journal of privileged actions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from membership.cards import CardStatus
from membership.catalogue import SaleLine
from membership.errors import DomainError
from membership.permissions import Action
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier import time_sessions
from terminal.cashier.context import ManagerApproval
from terminal.cashier.permissions import PermissionRefused
from terminal.cashier.staff import StaffDesk
from terminal.store.errors import InvalidConfig
from terminal.store.privileged import APPROVED, BY_MANAGER, REFUSED
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    cashier_world,
    refused_key,
    tenders,
)

STAFF = [{"staff_id": "S01", "name": "王小丽", "role": "cashier", "pin_verifier": "x"},
         {"staff_id": "M01", "name": "李店长", "role": "manager", "pin_verifier": "x"}]


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


@pytest.fixture
def member(world):
    return world.enrol(top_up=100000)


def _journal(world):
    return [(entry.action, entry.staff_id, entry.outcome, entry.approved_by)
            for entry in reversed(world.store.privileged_actions())]


def test_a_cashier_is_refused_a_freeze_and_nothing_changes(world, member):
    books = world.books(CARD_NO)
    with pytest.raises(PermissionRefused) as refused:
        ops.freeze_card(world.ctx, CASHIER, member)
    assert refused_key(refused.value) == "permission.approval_needed"
    assert world.books(CARD_NO) == books
    assert world.store.known_card(CARD_NO).card.status is CardStatus.ACTIVE
    assert _journal(world) == [("freeze", "S01", REFUSED, "")]


def test_a_managers_approval_held_on_the_spot_lets_one_freeze_through(world, member):
    world.ctx.hold_approval(Action.FREEZE, world.approval())
    ops.freeze_card(world.ctx, CASHIER, member)
    assert world.store.known_card(CARD_NO).card.status is CardStatus.FROZEN
    with pytest.raises(PermissionRefused):  # the approval was for that one operation
        ops.unfreeze_card(world.ctx, CASHIER, world.member())
    assert _journal(world) == [("freeze", "S01", APPROVED, "M01"),
                               ("freeze", "S01", REFUSED, "")]


def test_a_stale_or_a_cashiers_approval_does_not_count(world, member):
    stale = ManagerApproval(MANAGER, world.clock() - timedelta(minutes=6))
    for approval in (stale, ManagerApproval(CASHIER, world.clock())):
        world.ctx.hold_approval(Action.WITHDRAW, approval)
        with pytest.raises(PermissionRefused):
            ops.withdraw(world.ctx, CASHIER, member, 1000, world.pin())
    assert [outcome for _, _, outcome, _ in _journal(world)] == [REFUSED, REFUSED]


def test_a_manager_does_it_alone_and_the_journal_says_so(world, member):
    ops.extend_card(world.ctx, MANAGER, member, [])
    ops.top_up(world.ctx, MANAGER, world.member(), 1000, tenders((K.CASH, 1000)))
    assert _journal(world) == [("extend_card", "M01", BY_MANAGER, "")]  # a top-up is not


def test_the_staff_documents_table_decides(world, member):
    world.store.apply_config("staff", "store:SH001", 1, {
        "staff": STAFF,
        "permissions": {"cashier": {"allow": ["sell", "freeze"], "approval": []}}})
    ops.freeze_card(world.ctx, CASHIER, member)  # allowed alone by this store
    assert _journal(world) == []
    with pytest.raises(PermissionRefused) as refused:
        ops.top_up(world.ctx, CASHIER, world.member(), 1000, tenders((K.CASH, 1000)))
    assert refused_key(refused.value) == "permission.refused"
    world.ctx.hold_approval(Action.TOP_UP, world.approval())  # not listed: no approval helps
    with pytest.raises(PermissionRefused):
        ops.top_up(world.ctx, CASHIER, world.member(), 1000, tenders((K.CASH, 1000)))


def test_a_void_needs_no_approval_when_a_manager_does_it(world):
    line = SaleLine(1, world.ctx.configuration().products["LATTE"], 1)
    sale = ops.confirm_sale(world.ctx, CASHIER, None, [line], tenders((K.CASH, 10000)))
    with pytest.raises(PermissionRefused):
        ops.void_sale(world.ctx, CASHIER, sale.op_id, None)
    voided = ops.void_sale(world.ctx, MANAGER, sale.op_id, None)
    assert world.events(voided.op_id) == ["sale.voided"]
    assert _journal(world) == [("void", "S01", REFUSED, ""), ("void", "M01", BY_MANAGER, "")]


def test_a_bad_permission_table_refuses_the_whole_staff_document(world):
    with pytest.raises(InvalidConfig) as refused:
        world.store.apply_config("staff", "store:SH001", 1, {
            "staff": STAFF, "permissions": {"cashier": {"allow": ["juggle"]}}})
    assert refused.value.params["field"] == "cashier.allow[0]"
    assert world.store.staff_members() == ()
    assert world.store.permission_table().by_role["cashier"][Action.SELL].value == "allow"


def test_the_staff_desk_answers_what_the_signed_in_role_may_do(world):
    desk = StaffDesk(world.ctx)
    assert desk.grant(Action.SELL) is None  # nobody signed in: nothing
    desk._on_duty = CASHIER
    assert desk.grant(Action.SELL).value == "allow"
    assert desk.grant(Action.REFUND).value == "approval"
    assert desk.grant(Action.SETTINGS) is None


def test_a_store_that_keeps_timed_sessions_from_cashiers_refuses_the_start(world, member):
    world.store.apply_config("staff", "store:SH001", 1, {
        "staff": STAFF, "permissions": {"cashier": {"allow": ["sell"]}}})
    with pytest.raises(PermissionRefused):
        time_sessions.start_time_session(world.ctx, CASHIER, member, "study")
    assert world.store.open_time_sessions(CARD_NO) == ()
    assert _journal(world) == [("time_session", "S01", REFUSED, "")]


def test_a_session_billed_in_money_needs_a_real_managers_approval(world):
    """Whatever the table says of timed sessions: a cashier's own 'approval' or a stale one is
    refused and journaled, and nothing is committed."""
    world.enrol(top_up=100000)
    session = time_sessions.start_time_session(world.ctx, CASHIER, world.member(), "study")
    world.clock.advance(minutes=70)
    ops.report_loss(world.ctx, CASHIER, world.member()).printing.wait(10)
    books = world.books(CARD_NO)
    stale = ManagerApproval(MANAGER, world.clock() - timedelta(minutes=6))
    for approval in (ManagerApproval(CASHIER, world.clock()), stale):
        with pytest.raises(PermissionRefused):
            time_sessions.close_time_session_in_money(
                world.ctx, CASHIER, world.member(), session.session_id,
                tenders((K.CASH, 5000)), approval)
    assert world.books(CARD_NO) == books
    assert world.store.time_session(session.session_id).is_open
    assert [outcome for action, _, outcome, _ in _journal(world)
            if action == "time_session"] == [REFUSED, REFUSED]


def test_an_approval_held_for_one_action_does_not_let_another_through(world, member):
    """Approved for a replacement that then failed before it asked: a withdrawal is not it."""
    world.ctx.hold_approval(Action.REPLACE_CARD, world.approval())
    with pytest.raises(DomainError):  # the new card number is the member's own: refused first
        ops.replace_card(world.ctx, CASHIER, member, CARD_NO, tenders((K.CASH, 1000)))
    with pytest.raises(PermissionRefused):
        ops.withdraw(world.ctx, CASHIER, world.member(), 1000, world.pin())
    assert _journal(world) == [("withdraw", "S01", REFUSED, "")]
