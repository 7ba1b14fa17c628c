"""Card services at the counter (卡务): enrolment, loss and its cancellation, freeze and
unfreeze, replacement, extension and cancellation. The rules are membership.card_service's;
this adds what only the terminal knows: whether a card number is already in use.
"""

from __future__ import annotations

from collections.abc import Sequence

from membership import card_service
from membership.birthdays import Birthday
from membership.cards import Card, CardType
from membership.config_documents import StoreConfiguration
from membership.errors import DomainError, InvalidInput
from membership.lifecycle import TERMINAL_STATUSES
from membership.permissions import Action
from membership.profiles import ProfileDetails, normalise_uid
from membership.sale import MemberContext
from membership.tenders import Tender
from terminal.cashier.context import CashierContext, StaffMember
from terminal.cashier.operations.common import OperationResult, carry_out
from terminal.cashier.ports import CardRef, PinProof

UNKNOWN_CARD = "card.unknown"


def enrol_member(
    ctx: CashierContext, staff: StaffMember, card_no: str, member_name: str, type_code: str,
    tenders: Sequence[Tender], member_id: str = "", level: str = "", uid: str = "",
    phone: str = "", birthday: Birthday | None = None,
) -> OperationResult:
    """开卡: issue a card of `type_code` and take its join fee by tender.

    Without `member_id` a new member is registered (a `member.registered` event tells HQ the
    name, phone and birthday), numbered after the operation, which is unique across the fleet;
    a card for a known member registers the profile again only when a phone or birthday is
    given. Without `level` the card starts at the base level of the `levels` document. `uid`
    binds the card's UID (a card without our member application)."""
    config = ctx.configuration()
    card_type = _card_type(config, type_code)
    ensure_card_no_free(ctx, card_no)
    ensure_uid_free(ctx, uid)
    op = ctx.operation(staff, Action.OPEN_CARD)
    registers = not member_id or bool(phone) or birthday is not None
    decision = card_service.enrol(
        op, card_no, member_id or new_member_id(op.op_id), member_name, card_type, tenders,
        level=level or _base_level(config), rules=config.commission_rules,
        profile=ProfileDetails(phone, birthday) if registers else None, uid=uid,
    )
    return carry_out(ctx, decision)


def new_member_id(op_id: str) -> str:
    return f"M-{op_id}"


def report_loss(ctx: CashierContext, staff: StaffMember, member: MemberContext) -> OperationResult:
    """挂失: the card can no longer pay; HQ puts it on every terminal's blacklist."""
    return _change_state(ctx, staff, member, "card.lost")


def cancel_loss(ctx: CashierContext, staff: StaffMember, member: MemberContext) -> OperationResult:
    """解挂."""
    return _change_state(ctx, staff, member, "card.found")


def freeze_card(ctx: CashierContext, staff: StaffMember, member: MemberContext) -> OperationResult:
    """冻结."""
    return _change_state(ctx, staff, member, "card.frozen")


def unfreeze_card(
    ctx: CashierContext, staff: StaffMember, member: MemberContext
) -> OperationResult:
    """解冻."""
    return _change_state(ctx, staff, member, "card.unfrozen")


def _change_state(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, event_type: str
) -> OperationResult:
    action = Action.REPORT_LOSS if event_type in ("card.lost", "card.found") else Action.FREEZE
    return carry_out(ctx, card_service.change_state(ctx.operation(staff, action), member,
                                                    event_type))


def replace_card(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, new_card_no: str,
    tenders: Sequence[Tender], children: Sequence[Card] | None = None, uid: str = "",
) -> OperationResult:
    """换卡 / 补卡: every balance moves to `new_card_no`, the old card is blocked for good;
    `children`, the old card's subsidiary cards, follow the new one (by default every one this
    terminal knows; HQ moves the others). `uid` binds a UID-only tag as the new card."""
    ensure_card_no_free(ctx, new_card_no)
    ensure_uid_free(ctx, uid)
    if children is None:
        children = ctx.store.subsidiary_cards(member.card.card_no)
    op = ctx.operation(staff, Action.REPLACE_CARD)
    decision = card_service.replace(op, member, new_card_no, tenders,
                                    children, uid=uid)
    return carry_out(ctx, decision)


def extend_card(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, tenders: Sequence[Tender],
    days: int | None = None,
) -> OperationResult:
    """延期 by `days` (default: the card type's validity) for the annual fee."""
    operation = ctx.operation(staff, Action.EXTEND_CARD)
    return carry_out(ctx, card_service.extend(operation, member, tenders, days))


def cancel_card(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, pin_proof: PinProof | None,
    children: Sequence[Card] | None = None,
) -> OperationResult:
    """退卡: the principal is paid out in cash less the fee (with the member's PIN); bonus,
    points and counts are forfeited; `children` (subsidiary cards; by default every one this
    terminal knows) are cancelled with it."""
    if children is None:
        children = ctx.store.subsidiary_cards(member.card.card_no)
    op = ctx.operation(staff, Action.CANCEL_CARD)
    decision = card_service.cancel(op, member, children)
    return carry_out(ctx, decision, pin_proof)


def check_can_cancel_card(ctx: CashierContext, member: MemberContext) -> None:
    """Before the member is asked for their PIN: a card 退卡 would refuse today (frozen,
    replaced, cancelled, owing money) is refused now, and no PIN is typed for it."""
    card_service.ensure_can_cancel(member, ctx.clock().date())


def ensure_card_no_free(ctx: CashierContext, card_no: str) -> None:
    """A card number already issued must not be issued again: storing the new card would
    overwrite the old one's state on this terminal. HQ is asked when it can be reached."""
    if ctx.store.known_card(card_no) is not None or _known_at_hq(ctx, CardRef(card_no=card_no)):
        raise InvalidInput("card.already_issued", card_no=card_no)


def ensure_uid_free(ctx: CashierContext, uid: str) -> None:
    """A UID still bound to a card in use must not be bound to a second one: a tap would find
    either. (The UID of a replaced or cancelled card may be bound again.)"""
    bound = normalise_uid(uid)
    if not bound:
        return
    known = ctx.store.known_card_by_uid(bound)
    if known is not None and known.card.status not in TERMINAL_STATUSES:
        raise InvalidInput("card.uid_in_use", uid=bound, card_no=known.card.card_no)
    if _known_at_hq(ctx, CardRef(uid=bound), live_only=True):
        raise InvalidInput("card.uid_in_use", uid=bound, card_no="")


def _known_at_hq(ctx: CashierContext, card: CardRef, live_only: bool = False) -> bool:
    if ctx.directory is None:
        return False
    try:
        record = ctx.directory.lookup_card(card)
    except DomainError as error:
        if error.key == UNKNOWN_CARD:
            return False
        raise
    return record is not None and not (live_only and record.card.status in TERMINAL_STATUSES)


def _card_type(config: StoreConfiguration, type_code: str) -> CardType:
    card_type = config.card_types.get(type_code)
    if card_type is None:
        raise InvalidInput("card.type_unknown", code=type_code)
    return card_type


def _base_level(config: StoreConfiguration) -> str:
    return config.levels.base.code if config.levels is not None else ""
