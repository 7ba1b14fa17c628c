"""The member's history (消费记录) in the real window, in both languages: 张三's operations on this
terminal newest first, the newest being the top-ups just made; an older page by touch, and back."""

from __future__ import annotations

from pathlib import Path

import pytest

from membership.tenders import Tender, TenderKind
from terminal.ui.screens.history import PER_PAGE
from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, signed_in_home, tap_card


def top_ups(ui: UiDriver, count: int) -> None:
    """`count` top-ups of ¥1.00 to 张三's card, as the top-up screen would make them."""
    services = ui.app.services
    staff = services.staff.roster()[0]
    for _ in range(count):
        member = services.members.member_context(ZHANG.card_no)
        services.ops.top_up(services.ctx, staff, member, 100, [Tender(TenderKind.CASH, 100)])


def open_history(ui: UiDriver) -> None:
    signed_in_home(ui)
    tap_card(ui, ZHANG)
    ui.pump(5)
    ui.tap("home.action.history")
    ui.wait_for_screen("history")
    ui.until(lambda: ui.has("history.row.0"), "the history's rows")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_zhang_sees_his_operations_newest_first_page_by_page(
        start_app, screens_dir: Path, language: str):
    ui = start_app(language=language)
    top_ups(ui, PER_PAGE)
    open_history(ui)
    top_up = "充值" if language == "zh_CN" else "Top-up"
    rows = [ui.text_of(f"history.row.{index}") for index in range(PER_PAGE)]
    assert all(top_up in row and "+¥1.00" in row for row in rows)
    assert ui.find("history.newer").disabled
    ui.screenshot(screens_dir / language, "32-history")

    ui.tap("history.older")
    ui.wait_for_text("history.page", lambda text: "2" in text, "the second page")
    ui.until(lambda: ui.has("history.row.0")
             and "+¥1.00" not in ui.text_of("history.row.0"), "the older operations")
    ui.tap("history.newer")
    ui.wait_for_text("history.page", lambda text: "1" in text, "the first page again")
    ui.until(lambda: "+¥1.00" in ui.text_of("history.row.0"), "the newest operations")
