"""A top-up that reaches a member level (the demo's 银卡会员 from ¥1,000 paid in) says so at the
counter: the receipt prints the new level and, back home, the member panel announces it and
shows the member at it. Driven by touches in the real window, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

from tests.support.ui_driver import UiDriver
from tests.ui.steps import LI, printed_lines
from tests.ui.test_counter_flows import message_shows, open_for


def _top_up_to_silver(ui: UiDriver) -> None:
    open_for(ui, LI, "topup")
    ui.type_into("topup.amount", "1000")
    ui.tap("topup.confirm")


def test_a_top_up_reaching_a_level_is_announced_on_the_receipt_and_panel(
        start_app, screens_dir: Path) -> None:
    ui = start_app()
    _top_up_to_silver(ui)
    message_shows(ui, "充值成功", "¥1000.00")
    ui.until(lambda: any(line.startswith("会员升级为") and line.endswith("银卡会员")
                         for line in printed_lines(ui)), "the receipt's level row")
    assert ui.app.runtime.store.known_card(LI.card_no).card.level == "SILVER"
    ui.tap("topup.back")
    ui.wait_for_screen("home")
    ui.wait_for_text("member.reminder.0", lambda text: "会员等级已升级为 银卡会员" in text,
                     "the panel's announcement")
    assert "银卡会员" in ui.text_of("member.name")
    ui.screenshot(screens_dir / "zh_CN", "25-level-up")


def test_the_upgrade_is_announced_in_english(start_app, screens_dir: Path) -> None:
    ui = start_app(language="en")
    _top_up_to_silver(ui)
    message_shows(ui, "Topped up", "¥1000.00")
    ui.until(lambda: any(line.startswith("Member level now") for line in printed_lines(ui)),
             "the receipt's level row")
    ui.tap("topup.back")
    ui.wait_for_screen("home")
    ui.wait_for_text("member.reminder.0", lambda text: "Congratulations" in text,
                     "the panel's announcement")
    ui.screenshot(screens_dir / "en", "25-level-up")
