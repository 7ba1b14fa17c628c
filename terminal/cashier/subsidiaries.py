"""Subsidiary cards (附属卡) at the counter: the ones a card has, with what each spent of its
quota this period, and issuing a new one under the member's card (membership.card_service).

A subsidiary card holds nothing: it pays from its parent's stored value (the member desk gives
its MemberContext the parent's balances), so the member panel of either card shows the same
money. What each card spent is measured from the parent's entries this terminal holds
(terminal.cashier.members names the limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from membership import card_service
from membership.cards import Card
from membership.money import Fen
from membership.permissions import Action
from membership.sale import MemberContext
from membership.subsidiary import quota_used
from terminal.cashier.context import CashierContext, StaffMember
from terminal.cashier.operations.cards import ensure_card_no_free, ensure_uid_free
from terminal.cashier.operations.common import OperationResult, carry_out


@dataclass(frozen=True)
class SubsidiaryCard:
    card: Card
    used: Fen  # spent of the quota in the current period


def subsidiary_cards(ctx: CashierContext, parent: MemberContext) -> list[SubsidiaryCard]:
    """The subsidiary cards of `parent` this terminal knows, with their spending this period."""
    cards = ctx.store.subsidiary_cards(parent.card.card_no)
    if not cards:
        return []
    entries = ctx.store.ledger_entries(parent.card.card_no)
    period, now = parent.card_type.subsidiary.period, ctx.clock()
    return [SubsidiaryCard(card, quota_used(card.all_card_nos, entries, period, now))
            for card in cards]


def issue_subsidiary(
    ctx: CashierContext, staff: StaffMember, parent: MemberContext, child_card_no: str,
    quota: Fen | None = None, uid: str = "",
) -> OperationResult:
    """办理附属卡: `child_card_no` under the member's card, spending up to `quota` per period
    (None: the card type's default). No fee; the receipt shows the shared balances."""
    child_card_no = child_card_no.strip()
    ensure_card_no_free(ctx, child_card_no)
    ensure_uid_free(ctx, uid)
    children = ctx.store.subsidiary_cards(parent.card.card_no)
    decision = card_service.issue_subsidiary(ctx.operation(staff, Action.ISSUE_SUBSIDIARY),
                                             parent, child_card_no, children, quota, uid)
    return carry_out(ctx, decision)
