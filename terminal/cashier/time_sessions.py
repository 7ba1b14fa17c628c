"""Timed sessions at the counter (计时): start one when the member sits down, see what stopping
one now would cost, and stop and bill it.

Starting moves no balance and sends no event (terminal.store.time_sessions keeps the open
session across a restart). The bill is an operation like any other — decided by
membership.counter_operations.close_session, the member's PIN checked and the debit guard asked
for any stored value it takes — but it is committed by the store's `close_time_session`, which
marks the session closed in the SAME transaction: a crash between the two can neither bill a
session twice nor leave a billed session open. A session whose card became unusable after it
began is billed in money with a manager's approval (`close_time_session_in_money`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from membership import counter_operations, timecards
from membership.cards import Feature
from membership.counter_operations import CounterDecision
from membership.errors import CardStateError, DomainError
from membership.permissions import Action
from membership.sale import MemberContext
from membership.tenders import Tender
from terminal.cashier import permissions
from terminal.cashier.context import CashierContext, ManagerApproval, StaffMember
from terminal.cashier.operations.common import OperationResult, carry_out
from terminal.cashier.operations.counter import time_rate
from terminal.cashier.ports import PinProof
from terminal.store.errors import StoreConflict, UnknownOperation
from terminal.store.time_sessions import TimeSession

QUOTE_OP_ID = "quote"  # a quote commits nothing: its entries are thrown away


@dataclass(frozen=True)
class RunningSession:
    """An open session as the screen lists it."""

    session: TimeSession
    member_name: str  # "" when the store no longer knows the card


def start_time_session(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, service: str,
) -> TimeSession:
    """Start a session of `service` on the card presented, now. One open session per card and
    service; the card must be usable and its type must bill the service by time. Starting
    commits no operation: the permission table is asked here (the close asks again)."""
    permissions.require(ctx, staff, Action.TIME_SESSION)
    if not member.card_type.has(Feature.TIME):
        raise CardStateError("card.no_time", card_no=member.card.card_no)
    time_rate(member.card_type, service)  # refuses a service the card type does not time
    now = ctx.clock()
    member.ensure_can_pay(now.date())
    card_no = member.card.card_no
    if any(open_one.service == service for open_one in ctx.store.open_time_sessions(card_no)):
        raise DomainError("time_session.already_open", card_no=card_no, service=service)
    return ctx.store.start_time_session(card_no, service, now, staff.staff_id)


def running_sessions(ctx: CashierContext) -> tuple[RunningSession, ...]:
    """Every open session on this terminal, oldest first, with its member's name."""
    running = []
    for session in ctx.store.open_time_sessions():
        known = ctx.store.known_card(session.card_no)
        running.append(RunningSession(session, known.member.name if known else ""))
    return tuple(running)


def open_session(ctx: CashierContext, session_id: int) -> TimeSession:
    """The open session `session_id`; refused when unknown or billed already."""
    session = ctx.store.time_session(session_id)
    if session is None:
        raise UnknownOperation("store.unknown_time_session", session_id=session_id)
    if not session.is_open:
        raise StoreConflict("store.time_session_closed", session_id=session_id,
                            closed_by_op=session.closed_by_op)
    return session


def quote_time_session(
    ctx: CashierContext, member: MemberContext, session: TimeSession,
    ended_at: datetime | None = None,
) -> timecards.SessionCharge:
    """What stopping the session now would cost: covered by a pass, by prepaid minutes, or the
    money due. Nothing is committed; the bill itself is decided again when it is stopped."""
    rate = time_rate(member.card_type, session.service)
    return timecards.charge_session(member.account_card, member.balances, rate,
                                    session.started_at, ended_at or ctx.clock(), QUOTE_OP_ID)


def quote_for_the_card(
    ctx: CashierContext, member: MemberContext, session: TimeSession,
) -> tuple[timecards.SessionCharge, str]:
    """The quote, and why the card cannot take the ordinary bill ("" if it can): a card that
    became unusable since the session began is quoted whole in money, as
    `close_time_session_in_money` bills it."""
    blocked = counter_operations.card_blocked_reason(member, session.started_at)
    if not blocked:
        return quote_time_session(ctx, member, session), ""
    rate = time_rate(member.card_type, session.service)
    bill = timecards.bill_session(rate, session.started_at, ctx.clock())
    return timecards.SessionCharge(bill, "", 0, bill.amount, ()), blocked


def check_can_close(ctx: CashierContext, member: MemberContext, session_id: int) -> None:
    """Before the member is asked for their PIN: the session is still open and its bill would
    not refuse the card (lost, frozen, expired when the session began...), so no PIN is typed
    for a bill that cannot be paid. The same rule as the bill's, membership.counter_operations's."""
    session = open_session(ctx, session_id)
    member.ensure_can_pay(session.started_at.date())


def close_time_session(
    ctx: CashierContext, staff: StaffMember | None, member: MemberContext, session_id: int,
    tenders: Sequence[Tender] = (), pin_proof: PinProof | None = None,
) -> OperationResult:
    """计时结账: stop the session now and bill it (pass, else prepaid minutes, else `tenders`,
    stored value with the member's PIN); the bill and the session's close in one commit."""
    session = open_session(ctx, session_id)
    rate = time_rate(member.card_type, session.service)
    op = ctx.operation(staff, Action.TIME_SESSION)
    decision = counter_operations.close_session(op, member, rate,
                                                session.started_at, tenders)
    return carry_out(ctx, decision, pin_proof, commit=lambda billed: ctx.store.close_time_session(
        session.session_id, cast(CounterDecision, billed)))


def close_time_session_in_money(
    ctx: CashierContext, staff: StaffMember | None, member: MemberContext, session_id: int,
    tenders: Sequence[Tender], approval: ManagerApproval,
) -> OperationResult:
    """计时结账 of a session whose card became unusable after it began (reported lost, frozen,
    replaced or cancelled meanwhile): billed whole in money, nothing taken from the card, with
    the manager's approval on the spot (StaffDesk.approve_as_manager); the bill and the
    session's close in one commit, as `close_time_session`'s. A card that may still pay is
    refused (`time.card_usable`): it closes as usual."""
    approval = permissions.require_manager_approval(ctx, staff, Action.TIME_SESSION, approval)
    session = open_session(ctx, session_id)
    rate = time_rate(member.card_type, session.service)
    op = ctx.operation(staff, Action.TIME_SESSION, approval)
    decision = counter_operations.close_session_in_money(
        op, member, rate, session.started_at, tenders, approval.manager.staff_id)
    return carry_out(ctx, decision, None, commit=lambda billed: ctx.store.close_time_session(
        session.session_id, cast(CounterDecision, billed)))
