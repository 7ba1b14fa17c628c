"""The card state machine: issue, loss (挂失), freeze (冻结), expiry, extension (延期),
replacement (换卡/补卡) and cancellation (退卡).

Every move is checked against `TRANSITIONS` using the card's *effective* status, so that a card
past its last valid day behaves as expired whether or not HQ's nightly job has recorded it yet.
Replacement and cancellation return ledger entries that move or close every balance; fees are
returned as amounts to be paid by tender, never taken from the card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from membership.cards import Card, CardStatus, CardType
from membership.errors import CardStateError, IllegalTransition, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, Lot
from membership.money import Fen


class CardAction(StrEnum):
    REPORT_LOSS = "report_loss"  # 挂失
    CANCEL_LOSS = "cancel_loss"  # 解挂
    FREEZE = "freeze"  # 冻结
    UNFREEZE = "unfreeze"  # 解冻
    EXPIRE = "expire"  # 过期 (HQ's nightly job records it)
    EXTEND = "extend"  # 延期
    REPLACE = "replace"  # 换卡 / 补卡
    CANCEL = "cancel"  # 退卡


_S = CardStatus

# action -> (statuses it may start from, status it leads to). REPLACED and CANCELLED are terminal.
# Loss and freeze also start from EXPIRED: an expired card may still hold a balance that a finder
# could reach by paying for an extension, so the member must be able to block it.
TRANSITIONS: Mapping[CardAction, tuple[frozenset[CardStatus], CardStatus]] = MappingProxyType({
    CardAction.REPORT_LOSS: (frozenset({_S.ACTIVE, _S.EXPIRED}), _S.LOST),
    CardAction.CANCEL_LOSS: (frozenset({_S.LOST}), _S.ACTIVE),
    CardAction.FREEZE: (frozenset({_S.ACTIVE, _S.EXPIRED}), _S.FROZEN),
    CardAction.UNFREEZE: (frozenset({_S.FROZEN}), _S.ACTIVE),
    CardAction.EXPIRE: (frozenset({_S.ACTIVE}), _S.EXPIRED),
    CardAction.EXTEND: (frozenset({_S.ACTIVE, _S.EXPIRED}), _S.ACTIVE),
    CardAction.REPLACE: (frozenset({_S.ACTIVE, _S.LOST}), _S.REPLACED),
    CardAction.CANCEL: (frozenset({_S.ACTIVE, _S.LOST, _S.EXPIRED}), _S.CANCELLED),
})

TERMINAL_STATUSES = frozenset({_S.REPLACED, _S.CANCELLED})

_BLOCKED_KEYS = {
    _S.LOST: "card.lost",
    _S.FROZEN: "card.frozen",
    _S.EXPIRED: "card.expired",
    _S.CANCELLED: "card.cancelled",
    _S.REPLACED: "card.replaced",
}


def effective_status(card: Card, today: date) -> CardStatus:
    """The status that holds today: an ACTIVE card past its last valid day is EXPIRED."""
    if card.status is _S.ACTIVE and card.expires_on is not None and today > card.expires_on:
        return _S.EXPIRED
    return card.status


def ensure_can_pay(card: Card, today: date) -> None:
    """Raise CardStateError (card.lost, card.frozen, ...) unless the card may pay or be used."""
    status = effective_status(card, today)
    if status is _S.ACTIVE:
        return
    params: dict[str, object] = {"card_no": card.card_no}
    if status is _S.EXPIRED:
        params["expires_on"] = card.expires_on
    if status is _S.REPLACED:
        params["replaced_by"] = card.replaced_by
    raise CardStateError(_BLOCKED_KEYS[status], **params)


def ensure_type_matches(card: Card, card_type: CardType) -> None:
    if card.type_code != card_type.code:
        raise InvalidInput(
            "card.type_mismatch", card_no=card.card_no, type_code=card.type_code,
            given=card_type.code,
        )


def _target(card: Card, action: CardAction, today: date) -> CardStatus:
    sources, target = TRANSITIONS[action]
    current = effective_status(card, today)
    if current not in sources:
        raise IllegalTransition(card_no=card.card_no, **{"from": current.value, "to": target.value})
    return target


def _move(card: Card, action: CardAction, today: date) -> Card:
    return replace(card, status=_target(card, action, today))


@dataclass(frozen=True)
class IssueDecision:
    card: Card
    join_fee: Fen  # 开卡费, paid by tender


def issue_card(
    card_no: str, member_id: str, card_type: CardType, today: date, level: str = "",
    parent: Card | None = None, quota: Fen = 0,
) -> IssueDecision:
    """开卡. The last valid day is today + validity_days - 1 (a 365-day card issued on 1 Jan is
    valid through 31 Dec). A subsidiary card (副卡, with `parent`) carries no expiry of its own
    (it can pay only while its parent can) and no join fee."""
    if not card_no.strip():
        raise InvalidInput("input.invalid", field="card_no")
    if not member_id.strip():
        raise InvalidInput("input.invalid", field="member_id")
    if parent is None:
        if quota:
            raise InvalidInput("subsidiary.quota_without_parent", quota=quota)
        expires_on = _last_valid_day(today, card_type.validity_days)
        card = Card(card_no, member_id, card_type.code, issued_on=today, expires_on=expires_on,
                    level=level)
        return IssueDecision(card=card, join_fee=card_type.fees.join)
    _check_parent(parent, card_type, today, card_no, quota)
    card = Card(card_no, member_id, card_type.code, issued_on=today, level=level or parent.level,
                parent_card_no=parent.card_no, quota=quota)
    return IssueDecision(card=card, join_fee=0)


def _last_valid_day(start: date, days: int | None) -> date | None:
    return None if days is None else start + timedelta(days=days - 1)


def _check_parent(parent: Card, card_type: CardType, today: date, card_no: str, quota: Fen) -> None:
    ensure_type_matches(parent, card_type)
    if parent.is_subsidiary:
        raise CardStateError("subsidiary.nested", parent_card_no=parent.card_no)
    if not card_type.subsidiary.allowed:
        raise CardStateError("subsidiary.not_allowed", type_code=card_type.code)
    if card_no == parent.card_no:
        raise InvalidInput("input.invalid", field="card_no")
    if quota < 0:
        raise InvalidInput("input.invalid", field="quota", value=quota)
    ensure_can_pay(parent, today)


def report_loss(card: Card, today: date) -> Card:
    return _move(card, CardAction.REPORT_LOSS, today)


def cancel_loss(card: Card, today: date) -> Card:
    return _move(card, CardAction.CANCEL_LOSS, today)


def freeze(card: Card, today: date) -> Card:
    return _move(card, CardAction.FREEZE, today)


def unfreeze(card: Card, today: date) -> Card:
    return _move(card, CardAction.UNFREEZE, today)


def expire(card: Card, today: date) -> Card:
    """Record an expiry that has already happened: the card must be recorded ACTIVE and its last
    valid day must be before today."""
    sources, target = TRANSITIONS[CardAction.EXPIRE]
    if card.status not in sources:
        raise IllegalTransition(
            card_no=card.card_no, **{"from": card.status.value, "to": target.value}
        )
    if effective_status(card, today) is not _S.EXPIRED:
        raise IllegalTransition(
            "card.not_yet_expired", card_no=card.card_no, expires_on=card.expires_on, today=today
        )
    return replace(card, status=target)


@dataclass(frozen=True)
class ExtensionDecision:
    card: Card
    fee: Fen  # 年费, paid by tender
    old_expires_on: date | None = None


def extend(
    card: Card, card_type: CardType, today: date, days: int | None = None,
    new_expires_on: date | None = None,
) -> ExtensionDecision:
    """延期 by `days` (default: the type's validity_days) or to `new_expires_on`.

    Days count on from the old last valid day, or from today when the card has already expired,
    so an expired 365-day card extended today is valid through today + 364.
    """
    ensure_type_matches(card, card_type)
    target = _target(card, CardAction.EXTEND, today)
    if card.expires_on is None:
        raise InvalidInput("card.never_expires", card_no=card.card_no)
    new_last_day = _extended_last_day(card.expires_on, card_type, today, days, new_expires_on)
    if new_last_day <= card.expires_on or new_last_day <= today:
        raise InvalidInput(
            "card.extension_not_later", old_expires_on=card.expires_on,
            new_expires_on=new_last_day, today=today,
        )
    extended = replace(card, status=target, expires_on=new_last_day)
    return ExtensionDecision(card=extended, fee=card_type.fees.annual,
                             old_expires_on=card.expires_on)


def _extended_last_day(
    old: date, card_type: CardType, today: date, days: int | None, new_expires_on: date | None
) -> date:
    if days is not None and new_expires_on is not None:
        raise InvalidInput("card.extension_ambiguous")
    if new_expires_on is not None:
        return new_expires_on
    days = card_type.validity_days if days is None else days
    if days is None or days <= 0:
        raise InvalidInput("input.invalid", field="days", value=days)
    base = max(old, today - timedelta(days=1))
    return base + timedelta(days=days)


@dataclass(frozen=True)
class _Holding:
    """One balance a card holds: an amount on an account, and for lot accounts the lot."""

    account: Account
    amount: int
    lot: Lot | None = None


def _holdings(balances: CardBalances) -> list[_Holding]:
    holdings = [
        _Holding(Account.PRINCIPAL, balances.principal),
        _Holding(Account.BONUS, balances.bonus),
        _Holding(Account.TIME, balances.time_minutes),
    ]
    for account, lots in (
        (Account.POINTS, balances.points_lots),
        (Account.COUNT, balances.count_lots),
        (Account.PASS, balances.pass_lots),
    ):
        holdings += [_Holding(account, lot.remaining, lot) for lot in lots]
    return [holding for holding in holdings if holding.amount != 0]


def _entry(
    holding: _Holding, card_no: str, delta: int, kind: EntryKind, op_id: str, at: datetime,
    note: str = "",
) -> LedgerEntry:
    lot = holding.lot
    return LedgerEntry(
        op_id=op_id, card_no=card_no, account=holding.account, delta=delta, kind=kind, at=at,
        lot=lot.lot if lot else "", service=lot.service if lot else "",
        valid_from=lot.valid_from if lot else None, valid_until=lot.valid_until if lot else None,
        note=note,
    )


@dataclass(frozen=True)
class ReplacementDecision:
    old_card: Card  # REPLACED, blocked for good
    new_card: Card  # ACTIVE, same member, type, level, expiry, parent and quota
    entries: tuple[LedgerEntry, ...]  # TRANSFER_OUT on the old card, TRANSFER_IN on the new one
    fee: Fen  # 补卡费, paid by tender
    children: tuple[Card, ...] = ()  # the old card's subsidiary cards, now under the new card


def replace_card(
    old: Card, new_card_no: str, balances: CardBalances, card_type: CardType, op_id: str,
    at: datetime, children: Sequence[Card] = (),
) -> ReplacementDecision:
    """换卡 / 补卡: every balance moves to the new card, lots keep their ids and terms."""
    ensure_type_matches(old, card_type)
    if not new_card_no.strip() or new_card_no == old.card_no:
        raise InvalidInput("input.invalid", field="new_card_no")
    _require_op(op_id)
    target = _target(old, CardAction.REPLACE, at.date())
    entries: list[LedgerEntry] = []
    for holding in _holdings(balances):
        entries.append(_entry(holding, old.card_no, -holding.amount, EntryKind.TRANSFER_OUT,
                              op_id, at, note=new_card_no))
        entries.append(_entry(holding, new_card_no, holding.amount, EntryKind.TRANSFER_IN,
                              op_id, at, note=old.card_no))
    # The new plastic is issued today; its terms (expiry, level, parent, quota) are the old card's.
    new_card = replace(old, card_no=new_card_no, status=_S.ACTIVE, replaced_by="",
                       issued_on=at.date(), previous_card_nos=old.all_card_nos)
    moved_children = tuple(
        replace(child, parent_card_no=new_card_no)
        for child in children
        if child.parent_card_no == old.card_no
    )
    return ReplacementDecision(
        old_card=replace(old, status=target, replaced_by=new_card_no),
        new_card=new_card,
        entries=tuple(entries),
        fee=card_type.fees.replacement,
        children=moved_children,
    )


@dataclass(frozen=True)
class CancellationDecision:
    card: Card  # CANCELLED
    entries: tuple[LedgerEntry, ...]  # CANCEL_REFUND of principal, FORFEIT of everything else
    refund_to_member: Fen  # principal minus the cancellation fee, paid out in cash
    fee_kept: Fen  # the part of the cancellation fee actually kept (at most the principal)
    children: tuple[Card, ...] = ()  # the card's subsidiary cards, cancelled with it


def cancel_card(
    card: Card, balances: CardBalances, card_type: CardType, op_id: str, at: datetime,
    children: Sequence[Card] = (),
) -> CancellationDecision:
    """退卡: the principal goes back to the member less the fee; bonus, points, counts, passes
    and time are forfeited. A subsidiary card holds no money: it is cancelled without a refund."""
    ensure_type_matches(card, card_type)
    _require_op(op_id)
    target = ensure_can_cancel(card, balances, at.date())
    entries = []
    for holding in _holdings(balances):
        refunded = holding.account is Account.PRINCIPAL
        kind = EntryKind.CANCEL_REFUND if refunded else EntryKind.FORFEIT
        entries.append(_entry(holding, card.card_no, -holding.amount, kind, op_id, at))
    principal = balances.principal
    fee_kept = min(card_type.fees.cancellation, principal)
    cancelled_children = tuple(
        replace(child, status=_S.CANCELLED)
        for child in children
        if child.parent_card_no == card.card_no and child.status not in TERMINAL_STATUSES
    )
    return CancellationDecision(
        card=replace(card, status=target),
        entries=tuple(entries),
        refund_to_member=principal - fee_kept,
        fee_kept=fee_kept,
        children=cancelled_children,
    )


def ensure_can_cancel(card: Card, balances: CardBalances, today: date) -> CardStatus:
    """The status 退卡 leads to; IllegalTransition from a status it may not start from (frozen,
    replaced, cancelled), CardStateError while the card owes money (`balances`: its own)."""
    target = _target(card, CardAction.CANCEL, today)
    _ensure_no_debt(card, balances)
    return target


def _ensure_no_debt(card: Card, balances: CardBalances) -> None:
    # A negative balance is an offline overdraft the member still owes; cancelling would write
    # it off (or, for bonus, inflate the refund), so it must be settled first.
    money = ((Account.PRINCIPAL, balances.principal), (Account.BONUS, balances.bonus))
    for account, amount in money:
        if amount < 0:
            raise CardStateError("card.negative_balance", card_no=card.card_no,
                                 account=account.value, balance=amount)
    if card.is_subsidiary and balances.stored_value:
        raise CardStateError("subsidiary.holds_money", card_no=card.card_no,
                             principal=balances.principal, bonus=balances.bonus)


def _require_op(op_id: str) -> None:
    if not op_id.strip():
        raise InvalidInput("input.invalid", field="op_id")


def transitions_table() -> list[tuple[str, str, str]]:
    """(action, from, to) rows, sorted, for docs and tests."""
    return sorted(
        (action.value, source.value, target.value)
        for action, (sources, target) in TRANSITIONS.items()
        for source in sources
    )
