"""The member panel (membership.member_panel): what it shows and what it reminds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pytest

from membership.birthdays import Birthday, Calendar
from membership.cards import Card, CardStatus, CardType, Feature
from membership.ledger import CardBalances, Lot
from membership.levels import Level
from membership.member_panel import (
    DEFAULT_LOW_BALANCE_FEN,
    CountsLeft,
    PassHeld,
    PointsSummary,
    ReminderKind,
    member_panel,
)
from terminal.i18n import has_translation, translate

TODAY = date(2026, 11, 23)
OPENED = datetime(2026, 10, 1, 10, 0)
GOLD = CardType("GOLD", "金卡", frozenset({Feature.STORED_VALUE, Feature.POINTS,
                                          Feature.COUNT}))
STUDY_ONLY = CardType("STUDY", "自习卡", frozenset({Feature.TIME}))
SILVER = Level("SILVER", "银卡会员", 1)
CARD = Card("8800000000000001", "M0001", "GOLD", issued_on=date(2025, 1, 5),
            expires_on=date(2027, 1, 4), level="SILVER")


@dataclass(frozen=True)
class Profile:
    name: str = "张三"
    phone: str = "13812345678"
    birthday: Birthday | None = None


def lot(name: str, remaining: int, until: date | None, service: str = "",
        valid_from: date | None = None) -> Lot:
    return Lot(name, service, valid_from, until, remaining, OPENED)


BALANCES = CardBalances(
    principal=12000, bonus=800, time_minutes=90,
    points_lots=(lot("p1", 300, date(2026, 12, 31)), lot("p2", 500, date(2027, 12, 31)),
                 lot("p0", 40, date(2026, 11, 1))),  # expired: not shown
    count_lots=(lot("c1", 2, date(2026, 12, 10), "FACIAL"),
                lot("c2", 5, date(2027, 6, 30), "FACIAL"),
                lot("c3", 10, None, "WASH"),
                lot("c4", 3, date(2026, 11, 1), "WASH")),  # expired
    pass_lots=(lot("m1", 1, date(2026, 12, 20), "study"),
               lot("m0", 1, date(2026, 10, 31), "study"),  # over
               lot("m2", 1, date(2027, 1, 20), "gym", valid_from=date(2026, 12, 21))),
)


def panel(**changes):
    arguments = {"card": CARD, "card_type": GOLD, "level": SILVER, "balances": BALANCES,
                 "profile": Profile(), "today": TODAY, **changes}
    return member_panel(**arguments)


def kinds(shown) -> list[ReminderKind]:
    return [reminder.kind for reminder in shown.reminders]


def test_the_panel_shows_who_and_what_the_card_holds():
    shown = panel(coupons=["WELCOME10"])
    assert (shown.name, shown.level_name, shown.card_type_name) == ("张三", "银卡会员", "金卡")
    assert (shown.card_no_masked, shown.phone_masked) == ("8800********0001", "138****5678")
    assert (shown.principal, shown.bonus, shown.stored_value, shown.time_minutes) == (
        12000, 800, 12800, 90)
    assert shown.counts == (CountsLeft("FACIAL", 7, date(2026, 12, 10), 2),
                            CountsLeft("WASH", 10, None, 0))
    assert shown.passes == (PassHeld("study", date(2026, 12, 20)),)
    assert shown.points == PointsSummary(usable=800)  # the soonest expire in 38 days
    assert shown.coupons == ("WELCOME10",)
    assert shown.status is CardStatus.ACTIVE and shown.can_pay
    assert kinds(shown) == []  # nothing due: points expire in 38 days, the card in 42


def test_a_lunar_birthday_within_the_week_is_reminded_on_its_solar_day():
    # 农历十月十八 falls on 26 November 2026.
    shown = panel(profile=Profile(birthday=Birthday(Calendar.LUNAR, 10, 18)))
    assert shown.next_birthday == date(2026, 11, 26)
    (reminder,) = shown.reminders
    assert (reminder.key, dict(reminder.params)) == (
        "panel.birthday_soon", {"date": "2026-11-26", "days": 3, "calendar": "lunar"})
    assert translate(reminder.key, **reminder.params) == "会员农历生日在 3 天后（2026-11-26）"
    # The solar 18 October has passed; a lunar birthday eight days away is outside the week.
    assert panel(profile=Profile(birthday=Birthday(Calendar.SOLAR, 10, 18))).reminders == ()
    far = panel(profile=Profile(birthday=Birthday(Calendar.LUNAR, 10, 23)))
    assert far.next_birthday is None and far.reminders == ()


def test_a_birthday_today_has_its_own_reminder():
    (reminder,) = panel(profile=Profile(birthday=Birthday(Calendar.SOLAR, 11, 23))).reminders
    assert reminder.key == "panel.birthday_today"
    assert translate(reminder.key, "en", **reminder.params) == (
        "It is the member's solar birthday (2026-11-23)")


def test_a_card_expiring_within_30_days_is_reminded():
    shown = panel(card=replace(CARD, expires_on=date(2026, 12, 22)))
    (reminder,) = shown.reminders
    assert (reminder.kind, reminder.params["days"]) == (ReminderKind.CARD_EXPIRING, 29)
    assert panel(card=replace(CARD, expires_on=date(2026, 12, 23))).reminders == ()


def test_low_stored_value_uses_the_default_threshold_or_the_one_given():
    low = replace(BALANCES, principal=DEFAULT_LOW_BALANCE_FEN - 900)  # + 800 bonus = ¥49.00
    (reminder,) = panel(balances=low).reminders
    assert (reminder.key, reminder.params["balance"]) == ("panel.low_balance", 4900)
    assert panel(balances=low, low_balance_fen=4900).reminders == ()
    assert kinds(panel(low_balance_fen=20000)) == [ReminderKind.LOW_BALANCE]
    assert panel(card_type=STUDY_ONLY, balances=low).reminders == ()  # no stored value to top up


def test_points_expiring_within_30_days_are_reminded():
    soon = replace(BALANCES, points_lots=(lot("p1", 120, date(2026, 12, 1)),))
    (reminder,) = panel(balances=soon).reminders
    assert (reminder.key, dict(reminder.params)) == (
        "panel.points_expiring", {"points": 120, "date": "2026-12-01"})


def test_a_card_that_cannot_pay_says_why_first():
    expired = panel(card=replace(CARD, expires_on=date(2026, 11, 22)))
    assert expired.status is CardStatus.EXPIRED and not expired.can_pay
    assert expired.reminders[0].params == {"status": "expired"}
    assert ReminderKind.CARD_EXPIRING not in kinds(expired)

    blacklisted = panel(status=CardStatus.LOST, balances=replace(BALANCES, principal=0),
                        profile=Profile(birthday=Birthday(Calendar.SOLAR, 11, 24)))
    assert kinds(blacklisted) == [ReminderKind.CARD_STATUS, ReminderKind.BIRTHDAY,
                                  ReminderKind.LOW_BALANCE]
    assert translate(blacklisted.reminders[0].key, **blacklisted.reminders[0].params) == (
        "此卡已挂失，不能消费")


def test_no_type_no_level_no_phone():
    shown = panel(card_type=None, level=None, profile=Profile(phone=""))
    assert (shown.card_type_name, shown.level_name, shown.phone_masked) == ("", "", "")


@pytest.mark.parametrize("key", ["panel.card_status", "panel.birthday_today",
                                 "panel.birthday_soon", "panel.card_expiring",
                                 "panel.low_balance", "panel.points_expiring"])
def test_every_reminder_is_translated(key):
    assert has_translation(key, "zh_CN") and has_translation(key, "en")
