"""The member panel on screen, in both languages: the reminders (a birthday this week on the
lunar calendar and on the solar one, a card expiring soon, a low balance) and what the card
holds (points, a time pass, prepaid minutes, the uses left of a package).

Every date is relative to the test's "today": the app runs on a clock the test sets
(tests/support/clock.py), the demo seed makes the demo members' birthdays from the day it seeds,
and a card issued 715 days before "today" (the gold card is valid 730 days) expires within the
panel's 30-day window. Earlier operations go through the cashier services on the UI's worker;
only the panel is under test here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from membership.catalogue import SaleLine
from membership.money import format_fen
from membership.tenders import Tender, TenderKind
from terminal.cashier.context import StaffMember
from terminal.cashier.operations import OperationResult
from terminal.demo.seed import seed_configuration, seed_members
from terminal.demo.staff import MANAGER_ID, MANAGER_NAME
from tests.support.clock import SetClock
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import CASHIER, on_worker
from tests.ui.steps import LI, WANG, ZHANG, signed_in_home, tap_card

MANAGER = StaffMember(MANAGER_ID, MANAGER_NAME, "manager")
OLD_CARD = ("04C0FFEE000201", "8800000000000201", "赵六")  # UID, card number, member
ISSUED_DAYS_AGO = 715
OLD_CARD_TOP_UP = 3_000  # ¥30.00: under the ¥50.00 low-balance threshold
MINUTES_BOUGHT = 120

EXPECTED = {
    "zh_CN": {
        "lunar": "会员农历生日在 3 天后（{date}）",
        "solar": "会员公历生日在 5 天后（{date}）",
        "expiring": "会员卡将于 {date} 到期（还有 {days} 天）",
        "low": "卡内余额仅剩 ¥30.00，可提醒充值",
        "points": "积分 {points}（",
        "pass": "时段卡 study 至 {date}",
        "minutes": f"计时 {MINUTES_BOUGHT}分钟",
        "facials": "次卡 FACIAL 10次",
    },
    "en": {
        "lunar": "The member's lunar birthday is in 3 days ({date})",
        "solar": "The member's solar birthday is in 5 days ({date})",
        "expiring": "The card expires on {date} ({days} days left)",
        "low": "Only ¥30.00 left on the card: suggest a top-up",
        "points": "Points {points} (",
        "pass": "Passes study until {date}",
        "minutes": f"time {MINUTES_BOUGHT} min",
        "facials": "Service cards FACIAL x10",
    },
}


def reminders_on_screen(ui: UiDriver) -> list[str]:
    texts, index = [], 0
    while ui.has(f"member.reminder.{index}"):
        texts.append(ui.text_of(f"member.reminder.{index}"))
        index += 1
    return texts


def enrol_old_card(ui: UiDriver) -> None:
    """赵六's card, issued ISSUED_DAYS_AGO days ago (the clock set back), ¥30.00 on it."""
    uid, card_no, name = OLD_CARD
    services = ui.app.services
    ctx = services.ctx

    def enrol() -> None:
        services.ops.enrol_member(ctx, MANAGER, card_no, name, "GOLD",
                                  [Tender(TenderKind.CASH, 2_000)], uid=uid, phone="13600136201")
        member = services.members.member_context(card_no)
        services.ops.top_up(ctx, MANAGER, member, OLD_CARD_TOP_UP,
                            [Tender(TenderKind.CASH, OLD_CARD_TOP_UP)])

    on_worker(ui, enrol)


def zhang_buys(ui: UiDriver) -> int:
    """张三 pays cash for two lattes (points), a month's study pass and prepaid minutes; the
    points the sale earned."""
    services = ui.app.services
    ctx = services.ctx

    def buy() -> OperationResult:
        member = services.members.member_context(ZHANG.card_no)
        lines = [SaleLine(1, ctx.configuration().products["LATTE"], 2)]
        due = services.ops.quote_sale(ctx, CASHIER, member, lines).amount_due
        sale = services.ops.confirm_sale(ctx, CASHIER, member, lines,
                                         [Tender(TenderKind.CASH, due)])
        member = services.members.member_context(ZHANG.card_no)
        services.ops.buy_pass(ctx, CASHIER, member, "STUDY-M", [Tender(TenderKind.CASH, 29_900)])
        member = services.members.member_context(ZHANG.card_no)
        services.ops.buy_time(ctx, CASHIER, member, MINUTES_BOUGHT, 3_000,
                              [Tender(TenderKind.CASH, 3_000)])
        return sale

    earned = on_worker(ui, buy).decision.points_earned
    assert earned > 0
    return earned


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_panel_reminds_and_shows_what_the_card_holds(start_app, screens_dir: Path,
                                                        language: str):
    today = date.today()
    clock = SetClock(datetime.combine(today - timedelta(days=ISSUED_DAYS_AGO), time(10, 0)))
    ui = start_app(language=language, seed=False, clock=clock)
    seed_configuration(ui.app.runtime.store)
    enrol_old_card(ui)
    clock.now = datetime.combine(today, time(10, 0))
    assert on_worker(ui, lambda: seed_members(ui.app.services)) == 3  # seeded "today"
    points = zhang_buys(ui)
    expected = EXPECTED[language]
    ui.app.show_screen("login")  # the roster again: the staff arrived after the app started
    signed_in_home(ui)
    shots = screens_dir / language

    tap_card(ui, ZHANG)
    lunar_day = today + timedelta(days=3)
    assert reminders_on_screen(ui) == [expected["lunar"].format(date=lunar_day.isoformat())]
    assert expected["points"].format(points=points) in ui.text_of("member.points")
    pass_until = today + timedelta(days=29)  # a 30-day pass from today, today included
    assert ui.text_of("member.passes") == expected["pass"].format(date=pass_until.isoformat())
    assert expected["minutes"] in ui.text_of("member.counts")
    ui.screenshot(shots, "03-panel-lunar-birthday")

    tap_card(ui, LI)
    solar_day = today + timedelta(days=5)
    assert reminders_on_screen(ui) == [expected["solar"].format(date=solar_day.isoformat())]

    tap_card(ui, WANG)
    assert reminders_on_screen(ui) == []  # his birthday is months away
    assert ui.text_of("member.counts") == expected["facials"]

    uid, card_no, name = OLD_CARD
    ui.app.runtime.reader.present(uid=uid, card_no=card_no)
    ui.wait_for_text("member.name", lambda text: name in text, f"{name}'s panel")
    last_day = today - timedelta(days=ISSUED_DAYS_AGO) + timedelta(days=730 - 1)
    days_left = (last_day - today).days
    assert 0 < days_left < 30
    assert reminders_on_screen(ui) == [
        expected["expiring"].format(date=last_day.isoformat(), days=days_left),
        expected["low"]]
    assert format_fen(OLD_CARD_TOP_UP) in ui.text_of("member.stored_value")
    ui.screenshot(shots, "03-panel-expiring-low-balance")
