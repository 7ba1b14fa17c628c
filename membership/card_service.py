"""Card services at the counter (卡务): issue a card, loss and its cancellation, freeze and
unfreeze, replacement, extension and cancellation, each with its fee, receipt and event.

The state rules are membership.lifecycle's; this module adds what the counter needs around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from membership import commission, lifecycle, subsidiary
from membership.cards import Card, CardType
from membership.counter_operations import (
    CounterDecision,
    Operation,
    operation_event,
    pay_in,
    tender_rows,
)
from membership.errors import CardStateError, InvalidInput
from membership.events import DomainEvent
from membership.ledger import CardBalances, LedgerEntry
from membership.money import Fen
from membership.profiles import (
    ProfileDetails,
    ProfileExtras,
    normalise_uid,
    registration_payload,
)
from membership.receipts import Receipt, ReceiptKind, ReceiptRow, mask_card_no
from membership.sale import MemberContext
from membership.sale_receipt import balance_rows
from membership.tenders import Settlement, Tender

_STATE_ACTIONS: dict[str, Callable[[Card, Any], Card]] = {
    "card.lost": lifecycle.report_loss,
    "card.found": lifecycle.cancel_loss,
    "card.frozen": lifecycle.freeze,
    "card.unfrozen": lifecycle.unfreeze,
}


def enrol(
    op: Operation, card_no: str, member_id: str, member_name: str, card_type: CardType,
    tenders: Sequence[Tender], level: str = "",
    rules: Sequence[commission.CommissionRule] = (), profile: ProfileDetails | None = None,
    uid: str = "",
) -> CounterDecision:
    """开卡: issue the card to a member and take the join fee by tender.

    With `profile`, a `member.registered` event follows `card.issued` (HQ's member directory
    learns the name, phone and birthday through the outbox, so enrolment works offline too);
    `uid` binds the card's UID (a card that cannot carry our member application)."""
    issued = lifecycle.issue_card(card_no, member_id, card_type, op.at.date(), level=level)
    registration = (registration_payload(member_id, member_name, profile)
                    if profile is not None else None)
    settlement = pay_in(issued.join_fee, tenders)
    line = commission.card_open_commission(card_type.code, op.staff_id, issued.join_fee, rules)
    member = MemberContext(issued.card, card_type, CardBalances(), member_name=member_name)
    payload: dict[str, Any] = {
        "member_id": member_id, "type_code": card_type.code, "level": level,
        "expires_on": _iso(issued.card.expires_on), "join_fee": issued.join_fee}
    payload |= _uid_field(uid)
    decision = _card_decision(
        op, member, "card.issued", [], settlement, (issued.card,),
        totals=(ReceiptRow("receipt.card_fee", issued.join_fee),),
        commissions=(line,) if line else (), payload=payload,
    )
    if registration is None:
        return decision
    # After card.issued: the terminal's store files the operation under its first event.
    registered = DomainEvent("member.registered", op.op_id, op.at, registration)
    return dataclasses.replace(decision, events=(*decision.events, registered))


def issue_subsidiary(
    op: Operation, parent: MemberContext, child_card_no: str, existing_children: Sequence[Card],
    quota: Fen | None = None, uid: str = "",
) -> CounterDecision:
    """附属卡: a card that spends `parent`'s stored value within `quota` per period of the
    card type (None: the type's default quota), for the parent's member. No fee; nothing moves.
    `existing_children` are the parent's subsidiary cards (membership.subsidiary.add_subsidiary
    refuses one too many)."""
    if parent.parent is not None:
        raise CardStateError("subsidiary.nested", parent_card_no=parent.card.card_no)
    child = subsidiary.add_subsidiary(parent.card, parent.card_type, existing_children,
                                      child_card_no, op.at.date(), quota)
    member = MemberContext(child, parent.card_type, parent.balances,
                           member_name=parent.member_name, parent=parent.card)
    payload: dict[str, Any] = {
        "member_id": child.member_id, "type_code": child.type_code, "level": child.level,
        "expires_on": None, "join_fee": 0, "parent_card_no": parent.card.card_no,
        "quota": child.quota}
    return _card_decision(
        op, member, "card.issued", [], None, (child,),
        totals=(ReceiptRow("receipt.parent_card", value=mask_card_no(parent.card.card_no)),
                ReceiptRow("receipt.subsidiary_quota", child.quota),
                ReceiptRow(f"receipt.quota_period.{parent.card_type.subsidiary.period.value}")),
        payload=payload | _uid_field(uid),
    )


def edit_profile(
    op: Operation, member: MemberContext, name: str, details: ProfileDetails,
    extras: ProfileExtras,
) -> CounterDecision:
    """会员资料修改: the member's whole profile again as a `member.registered` event (HQ keeps
    the newest, from the registering store only: membership.store_rules). Nothing moves; the
    slip says the profile changed."""
    registration = registration_payload(member.card.member_id, name.strip(), details, extras)
    decision = _card_decision(op, member, "member.registered", [], None, (), totals=(),
                              payload={})
    event = DomainEvent("member.registered", op.op_id, op.at, registration)
    return dataclasses.replace(decision, events=(event,))


def _uid_field(uid: str) -> dict[str, str]:
    bound = normalise_uid(uid)
    return {"uid": bound} if bound else {}


def change_state(op: Operation, member: MemberContext, event_type: str) -> CounterDecision:
    """挂失 / 解挂 / 冻结 / 解冻: `event_type` is one of card.lost, card.found, card.frozen,
    card.unfrozen. No money moves."""
    if event_type not in _STATE_ACTIONS:
        raise InvalidInput("input.invalid", field="event_type", value=event_type)
    lifecycle.ensure_type_matches(member.card, member.card_type)
    card = _STATE_ACTIONS[event_type](member.card, op.at.date())
    changed = dataclasses.replace(member, card=card)
    return _card_decision(op, changed, event_type, [], None, (card,), totals=(),
                          payload={"status": card.status.value})


def replace(
    op: Operation, member: MemberContext, new_card_no: str, tenders: Sequence[Tender],
    children: Sequence[Card] = (), uid: str = "",
) -> CounterDecision:
    """换卡 / 补卡: every balance moves to the new card; the old one is blocked for good.
    `uid` binds the new card's UID, as at enrolment (a tag without our member application)."""
    decision = lifecycle.replace_card(
        member.card, new_card_no, _own_balances(member), member.card_type, op.op_id, op.at,
        children,
    )
    settlement = pay_in(decision.fee, tenders)
    new_member = dataclasses.replace(member, card=decision.new_card)
    moved_in = [entry for entry in decision.entries if entry.card_no == new_card_no]
    return _card_decision(
        op, new_member, "card.replaced", list(decision.entries), settlement,
        (decision.old_card, decision.new_card, *decision.children),
        totals=(ReceiptRow("receipt.replacement_fee", decision.fee),),
        payload={"old_card_no": member.card.card_no, "new_card_no": new_card_no,
                 "fee": decision.fee, **_uid_field(uid)},
        balance_entries=None if member.parent is not None else moved_in,
    )


def extend(
    op: Operation, member: MemberContext, tenders: Sequence[Tender], days: int | None = None
) -> CounterDecision:
    """延期: a later last valid day, for the annual fee."""
    decision = lifecycle.extend(member.card, member.card_type, op.at.date(), days=days)
    settlement = pay_in(decision.fee, tenders)
    card = decision.card
    return _card_decision(
        op, member, "card.extended", [], settlement, (card,),
        totals=(ReceiptRow("receipt.annual_fee", decision.fee),
                # An extended card always has a last day (lifecycle.extend refuses others).
                ReceiptRow("receipt.expires_on", value=_iso(card.expires_on) or "")),
        payload={"old_expires_on": _iso(decision.old_expires_on),
                 "expires_on": _iso(card.expires_on), "fee": decision.fee},
    )


def cancel(op: Operation, member: MemberContext, children: Sequence[Card] = ()) -> CounterDecision:
    """退卡: principal back in cash less the fee; bonus, points and counts are forfeited."""
    decision = lifecycle.cancel_card(
        member.card, _own_balances(member), member.card_type, op.op_id, op.at, children
    )
    return _card_decision(
        op, member, "card.cancelled", list(decision.entries), None,
        (decision.card, *decision.children),
        totals=(ReceiptRow("receipt.cancellation_fee", decision.fee_kept),
                ReceiptRow("receipt.refund_principal", decision.refund_to_member)),
        payload={"refund_to_member": decision.refund_to_member, "fee_kept": decision.fee_kept},
    )


def ensure_can_cancel(member: MemberContext, day: date) -> None:
    """What would refuse 退卡 on `day` whatever the member then typed: before asking the PIN."""
    lifecycle.ensure_can_cancel(member.card, _own_balances(member), day)


def _own_balances(member: MemberContext) -> CardBalances:
    # A subsidiary card holds nothing itself (its spending is on the parent's card number):
    # member.balances are the parent's, which its replacement or cancellation must not touch.
    return CardBalances() if member.parent is not None else member.balances


def _card_decision(
    op: Operation, member: MemberContext, event_type: str, entries: list[LedgerEntry],
    settlement: Settlement | None, cards: tuple[Card, ...], *,
    totals: tuple[ReceiptRow, ...], payload: dict[str, Any],
    commissions: tuple[commission.CommissionLine, ...] = (),
    balance_entries: list[LedgerEntry] | None = None,
) -> CounterDecision:
    # A replacement card starts empty: its balances are just what moved in.
    shown = entries if balance_entries is None else balance_entries
    before = CardBalances() if balance_entries is not None else member.balances
    receipt = Receipt(
        kind=ReceiptKind.CARD_OPERATION, op_id=op.op_id, at=op.at,
        store_name=op.store.store_name, terminal_id=op.store.terminal_id,
        cashier=op.store.cashier, card_no_masked=mask_card_no(member.card.card_no),
        member_name=member.member_name, totals=(ReceiptRow(f"receipt.action.{event_type}"),
                                                *totals),
        tenders=tender_rows(settlement), balances=balance_rows(before, shown, op.at.date()),
        footer_keys=("receipt.keep",),
    )
    event = operation_event(op, event_type, member.card.card_no, settlement, entries,
                            commissions, payload)
    return CounterDecision(op.op_id, tuple(entries), receipt, (event,), settlement,
                           commissions, cards)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
