"""Sign in with a staff PIN, find members by card tap and by phone, in a real Kivy window."""

from __future__ import annotations

from pathlib import Path

from tests.ui.steps import sign_in


def test_a_cashier_signs_in_and_a_member_card_shows_the_panel(start_app, screens_dir: Path):
    ui = start_app()
    ui.wait_for_screen("login")
    ui.screenshot(screens_dir / "zh_CN", "01-login")
    sign_in(ui)
    ui.wait_for_screen("home")
    assert "王小丽" in ui.text_of("status.cashier")
    ui.tap("sim.tap.04A1B2C3D4E501")
    name = ui.wait_for_text("member.name", lambda text: "张三" in text, "the member panel")
    assert "金卡" in name or "会员" in name
    stored = ui.text_of("member.stored_value")
    assert "¥500.00" in stored and "¥30.00" in stored
    ui.screenshot(screens_dir / "zh_CN", "02-home-member")


def test_a_wrong_staff_pin_is_refused_and_never_shown(start_app):
    ui = start_app()
    sign_in(ui, pin="0000")
    ui.until(lambda: "密码" in ui.text_of("message"), "the refusal")
    assert ui.screen_name() == "login"
    assert "0000" not in " ".join(ui.visible_texts())


def test_find_by_phone_in_english(start_app, screens_dir: Path):
    ui = start_app(language="en")
    sign_in(ui)
    ui.wait_for_screen("home")
    ui.type_into("home.phone", "13700137003")
    ui.tap("home.find")
    ui.wait_for_text("member.name", lambda text: "王五" in text, "the member panel")
    assert "FACIAL" in ui.text_of("member.counts")
    ui.screenshot(screens_dir / "en", "02-home-member")
