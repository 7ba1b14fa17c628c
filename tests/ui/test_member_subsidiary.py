"""Subsidiary cards (附属卡) in the real window, in both languages: 张三's card gets a sub-card
with a ¥300.00 quota; the screen lists it, and found by 张三's phone on the home screen, the
sub-card's panel shows the parent's stored value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, signed_in_home, tap_card
from tests.ui.test_sale import wait_for_receipt

CHILD_NO = "8800000000000101"


def open_subsidiary(ui: UiDriver) -> None:
    signed_in_home(ui)
    tap_card(ui, ZHANG)
    ui.pump(5)
    ui.tap("home.action.subsidiary")
    ui.wait_for_screen("subsidiary")
    ui.until(lambda: ui.has("subsidiary.none"), "the empty list")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_zhang_issues_a_sub_card_that_shows_his_balance(
        start_app, screens_dir: Path, language: str):
    ui = start_app(language=language)
    open_subsidiary(ui)
    assert "500.00" in ui.text_of("subsidiary.shared")  # 张三's principal
    ui.type_into("subsidiary.card_no", CHILD_NO)
    ui.type_into("subsidiary.quota", "300")
    depth = ui.app.runtime.store.outbox_depth()
    ui.tap("subsidiary.confirm")
    ui.until(lambda: ui.has(f"subsidiary.card.{CHILD_NO}"), "the new sub-card listed")
    assert "300.00" in ui.text_of(f"subsidiary.card.{CHILD_NO}")
    assert ui.app.runtime.store.outbox_depth() == depth + 1
    ui.wait_for_text("message", lambda text: CHILD_NO in text, "the outcome")
    ui.screenshot(screens_dir / language, "33-subsidiary")
    wait_for_receipt(ui)

    ui.tap("subsidiary.back")
    ui.wait_for_screen("home")
    ui.type_into("home.phone", ZHANG.phone)
    ui.tap("home.find")
    ui.until(lambda: ui.has(f"home.choose.{CHILD_NO}"), "the sub-card among 张三's cards")
    ui.tap(f"home.choose.{CHILD_NO}")
    ui.wait_for_text("member.card", lambda text: "0101" in text, "the sub-card's panel")
    assert "500.00" in ui.text_of("member.stored_value")


def test_a_sub_card_without_a_number_is_refused(start_app):
    ui = start_app(language="en")
    open_subsidiary(ui)
    depth = ui.app.runtime.store.outbox_depth()
    ui.tap("subsidiary.confirm")
    ui.wait_for_text("message", lambda text: "new card's number" in text, "the refusal")
    assert ui.app.runtime.store.outbox_depth() == depth
