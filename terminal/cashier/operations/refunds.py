"""After the sale: refunds (退货, partly by lines) and voids (撤销, the whole sale) of a sale made
on this terminal, both with a store manager's approval; and reprinting receipts (重打小票).

The sale and its earlier refunds are read back from this terminal's store, so a refund reverses
exactly what the sale did and never more than is left (the core refuses a second refund of the
same units).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from membership.errors import DomainError, InvalidInput, RefundError
from membership.ledger import CardBalances
from membership.permissions import Action
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext
from membership.sale_record import SaleRecord
from terminal.cashier import permissions
from terminal.cashier.context import CashierContext, ManagerApproval, StaffMember
from terminal.cashier.operations.common import (
    OperationResult,
    PrintOutcome,
    carry_out,
)
from terminal.store.errors import UnknownOperation


def refund_sale(
    ctx: CashierContext, staff: StaffMember, original_op: str, quantities: Mapping[int, int],
    approval: ManagerApproval | None, reason: str = "", member: MemberContext | None = None,
) -> OperationResult:
    """退货: `quantities` maps the sale's line numbers to the units given back (empty: all that
    is left). `member`, when the member desk looked the card up, gives HQ's balances for the
    points to take back; without it the terminal's own ledger is used."""
    return _reverse(ctx, staff, original_op, dict(quantities), approval, reason, member,
                    void=False)


def void_sale(
    ctx: CashierContext, staff: StaffMember, original_op: str,
    approval: ManagerApproval | None, reason: str = "", member: MemberContext | None = None,
) -> OperationResult:
    """撤销: the whole sale, only while nothing of it has been refunded."""
    return _reverse(ctx, staff, original_op, {}, approval, reason, member, void=True)


def _reverse(
    ctx: CashierContext, staff: StaffMember, original_op: str, quantities: dict[int, int],
    approval: ManagerApproval | None, reason: str, member: MemberContext | None, *, void: bool,
) -> OperationResult:
    # The refund records who authorised it: the approving manager, or whoever may alone.
    approved = permissions.require(ctx, staff, Action.VOID if void else Action.REFUND, approval)
    original = ctx.store.sale_record(original_op)
    if original is None:
        raise RefundError("refund.sale_unknown", op_id=original_op)
    account_card_no, balances = _account(ctx, original, member)
    op = ctx.operation(staff)  # permitted above
    request = RefundRequest(
        op.op_id, op.at, original,
        authorised_by=approved.manager.staff_id if approved else staff.staff_id,
        prior_refunds=ctx.store.refund_records(original_op), quantities=quantities,
        reason=reason, void=void,
    )
    decision = decide_refund(request, balances, account_card_no)
    # The core's refund slip names the sale's terminal only; the customer gets this store's.
    receipt = dataclasses.replace(decision.receipt, store_name=ctx.store_name,
                                  cashier=staff.name)
    return carry_out(ctx, dataclasses.replace(decision, receipt=receipt))


def _account(
    ctx: CashierContext, original: SaleRecord, member: MemberContext | None
) -> tuple[str, CardBalances | None]:
    """The card that holds the sale's account now (a replacement's, after 换卡) and its
    balances."""
    if not original.card_no:
        return "", None
    if member is not None:
        card = member.account_card
        if original.card_no not in (card.card_no, *card.previous_card_nos):
            raise InvalidInput("refund.wrong_card", card_no=card.card_no,
                               sale_card_no=original.card_no)
        return card.card_no, member.balances
    card_no, seen = original.card_no, {original.card_no}
    while (known := ctx.store.known_card(card_no)) is not None and known.card.replaced_by:
        if known.card.replaced_by in seen:  # a loop in stored cards: stop, never spin
            break
        card_no = known.card.replaced_by
        seen.add(card_no)
    return card_no, ctx.store.card_balances(card_no)


def reprint_last(ctx: CashierContext) -> PrintOutcome:
    """重打上一张: the newest receipt again (a copy says 重打小票; the drawer stays shut)."""
    op_id = ctx.store.last_receipt_op_id()
    if op_id is None:
        raise DomainError("printing.nothing_to_reprint")
    return reprint_receipt(ctx, op_id)


def reprint_receipt(ctx: CashierContext, op_id: str) -> PrintOutcome:
    """One stored receipt again, e.g. from the reprint list (ctx.printing.pending_reprints)."""
    outcome = PrintOutcome(op_id)
    try:
        ctx.printing.reprint(op_id, outcome.report)
    except UnknownOperation:
        raise DomainError("reprint.unknown", op_id=op_id) from None
    return outcome
