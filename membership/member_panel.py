"""The member panel (会员信息): what the cashier sees once a card is read — who, which level,
what the card holds, and what to mention to the member today.

Pure: from the card, its type, the member's level, the balances, the profile and today.
Reminders (docs/domain.md, "The member panel"):
- birthday within the next BIRTHDAY_WINDOW_DAYS days, today included, on the member's own
  calendar (lunar or solar, membership.birthdays);
- card expiring within CARD_EXPIRY_WINDOW_DAYS days;
- stored value below the low-balance threshold (DEFAULT_LOW_BALANCE_FEN unless the caller has
  one for the card type), for stored-value cards;
- points expiring within POINTS_EXPIRY_WINDOW_DAYS days;
- the card's status is not active (lost, frozen, expired, ...): it cannot pay.
Each reminder is a message key with its parameters; the terminal translates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from membership.birthdays import Birthday, Calendar, birthday_in_window
from membership.cards import Card, CardStatus, CardType, Feature
from membership.errors import DomainError
from membership.ledger import CardBalances, Lot
from membership.levels import Level
from membership.lifecycle import effective_status
from membership.money import Fen
from membership.receipts import mask_card_no, mask_phone

BIRTHDAY_WINDOW_DAYS = 7
CARD_EXPIRY_WINDOW_DAYS = 30
POINTS_EXPIRY_WINDOW_DAYS = 30
DEFAULT_LOW_BALANCE_FEN: Fen = 5000  # ¥50.00


class ReminderKind(StrEnum):
    BIRTHDAY = "birthday"
    CARD_EXPIRING = "card_expiring"
    LOW_BALANCE = "low_balance"
    POINTS_EXPIRING = "points_expiring"
    CARD_STATUS = "card_status"
    LEVEL_UP = "level_up"  # the operation just now reached a higher level (自动升级)


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    key: str  # the message key, e.g. panel.birthday_soon
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True)
class CountsLeft:
    """Uses of one service left today, and the soonest expiry among them."""

    service: str
    uses: int
    next_expiry: date | None = None  # None: none of them expires
    uses_expiring_then: int = 0


@dataclass(frozen=True)
class PassHeld:
    service: str
    valid_until: date | None


@dataclass(frozen=True)
class PointsSummary:
    usable: int = 0
    expiring_soon: int = 0  # within POINTS_EXPIRY_WINDOW_DAYS days
    first_expiry: date | None = None  # the soonest of those


class PanelProfile(Protocol):
    """The member as the panel needs them (terminal.cashier.ports.MemberProfile is one)."""

    @property
    def name(self) -> str: ...

    @property
    def phone(self) -> str: ...

    @property
    def birthday(self) -> Birthday | None: ...


@dataclass(frozen=True)
class MemberPanel:
    card_no: str
    card_no_masked: str
    name: str
    phone_masked: str
    card_type_name: str
    level_name: str
    status: CardStatus  # effective today, or as the blacklist has it
    expires_on: date | None
    principal: Fen
    bonus: Fen
    time_minutes: int
    counts: tuple[CountsLeft, ...]
    passes: tuple[PassHeld, ...]
    points: PointsSummary
    coupons: tuple[str, ...]
    next_birthday: date | None  # only when it falls within the birthday window
    reminders: tuple[Reminder, ...]

    @property
    def stored_value(self) -> Fen:
        return self.principal + self.bonus

    @property
    def can_pay(self) -> bool:
        return self.status is CardStatus.ACTIVE


def member_panel(
    card: Card, card_type: CardType | None, level: Level | None, balances: CardBalances,
    profile: PanelProfile, today: date, *, coupons: Iterable[str] = (),
    status: CardStatus | None = None, low_balance_fen: Fen | None = None,
) -> MemberPanel:
    """`balances` are those the card spends (a subsidiary card's are its parent's); `status`
    overrides the card's own (a blacklisted card); `low_balance_fen` the default threshold."""
    shown_status = status or effective_status(card, today)
    birthday = _birthday_in_window(profile.birthday, today)
    points = _points(balances.points_lots, today)
    wish = (_birthday_reminder(birthday, profile.birthday.calendar, today)
            if birthday is not None and profile.birthday is not None else None)
    reminders = _reminders(card, card_type, balances, today, shown_status, wish, points,
                           DEFAULT_LOW_BALANCE_FEN if low_balance_fen is None else low_balance_fen)
    return MemberPanel(
        card_no=card.card_no, card_no_masked=mask_card_no(card.card_no), name=profile.name,
        phone_masked=mask_phone(profile.phone) if profile.phone else "",
        card_type_name=card_type.name if card_type else "",
        level_name=level.name if level else "", status=shown_status, expires_on=card.expires_on,
        principal=balances.principal, bonus=balances.bonus,
        time_minutes=balances.time_minutes, counts=_counts(balances.count_lots, today),
        passes=tuple(PassHeld(lot.service, lot.valid_until) for lot in balances.pass_lots
                     if lot.usable_on(today)),
        points=points, coupons=tuple(coupons), next_birthday=birthday,
        reminders=reminders,
    )


def _birthday_in_window(birthday: Birthday | None, today: date) -> date | None:
    if birthday is None:
        return None
    try:
        return birthday_in_window(birthday, today, BIRTHDAY_WINDOW_DAYS)
    except DomainError:  # a lunar birthday beyond the calendar's tables: nothing to remind
        return None


def _points(lots: tuple[Lot, ...], today: date) -> PointsSummary:
    usable = [lot for lot in lots if lot.usable_on(today)]
    horizon = today + timedelta(days=POINTS_EXPIRY_WINDOW_DAYS)
    soon = [lot for lot in usable if lot.valid_until is not None and lot.valid_until < horizon]
    return PointsSummary(
        usable=sum(lot.remaining for lot in usable),
        expiring_soon=sum(lot.remaining for lot in soon),
        first_expiry=min((lot.valid_until for lot in soon if lot.valid_until), default=None),
    )


def _counts(lots: tuple[Lot, ...], today: date) -> tuple[CountsLeft, ...]:
    by_service: dict[str, list[Lot]] = {}
    for lot in lots:
        if lot.usable_on(today):
            by_service.setdefault(lot.service, []).append(lot)
    rows = []
    for service, held in sorted(by_service.items()):
        expiring = [lot.valid_until for lot in held if lot.valid_until is not None]
        first = min(expiring, default=None)
        rows.append(CountsLeft(
            service, sum(lot.remaining for lot in held), first,
            sum(lot.remaining for lot in held if first and lot.valid_until == first)))
    return tuple(rows)


def _birthday_reminder(birthday: date, calendar: Calendar, today: date) -> Reminder:
    """Which calendar is said: a lunar birthday moves on the solar calendar every year, and
    the member expects to be wished on their own."""
    days = (birthday - today).days
    key = "panel.birthday_today" if days == 0 else "panel.birthday_soon"
    return Reminder(ReminderKind.BIRTHDAY, key,
                    {"date": birthday.isoformat(), "days": days, "calendar": calendar.value})


def _reminders(
    card: Card, card_type: CardType | None, balances: CardBalances, today: date,
    status: CardStatus, birthday: Reminder | None, points: PointsSummary, low_balance_fen: Fen,
) -> tuple[Reminder, ...]:
    reminders = []
    if status is not CardStatus.ACTIVE:
        reminders.append(Reminder(ReminderKind.CARD_STATUS, "panel.card_status",
                                  {"status": status.value}))
    if birthday is not None:
        reminders.append(birthday)
    expires = card.expires_on
    if (status is CardStatus.ACTIVE and expires is not None
            and (expires - today).days < CARD_EXPIRY_WINDOW_DAYS):
        reminders.append(Reminder(ReminderKind.CARD_EXPIRING, "panel.card_expiring",
                                  {"date": expires.isoformat(), "days": (expires - today).days}))
    holds_money = card_type is not None and card_type.has(Feature.STORED_VALUE)
    if holds_money and balances.stored_value < low_balance_fen:
        reminders.append(Reminder(ReminderKind.LOW_BALANCE, "panel.low_balance",
                                  {"balance": balances.stored_value}))
    if points.expiring_soon and points.first_expiry is not None:
        reminders.append(Reminder(ReminderKind.POINTS_EXPIRING, "panel.points_expiring",
                                  {"points": points.expiring_soon,
                                   "date": points.first_expiry.isoformat()}))
    return tuple(reminders)
