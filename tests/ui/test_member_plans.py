"""Buying plans (购买套餐) in the real window, in both languages: 张三 buys the facial package in
cash, a study-room month pass in cash, and two hours of prepaid study time from his stored
value with his PIN; each is on his card, in the outbox and on a printed receipt."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, printed_lines, signed_in_home, tap_card
from tests.ui.test_sale import prompt_closed, tap_laid_out, type_member_pin, wait_for_receipt


def open_plans(ui: UiDriver) -> None:
    signed_in_home(ui)
    tap_card(ui, ZHANG)
    ui.pump(5)
    ui.tap("home.action.plans")
    ui.wait_for_screen("plans")
    ui.app.runtime.printer.printed.clear()


def buy(ui: UiDriver, plan: str, tender: str) -> int:
    """Choose `plan`, pay what is due by `tender`, confirm; the outbox depth before."""
    tap_laid_out(ui, f"plans.{plan}")
    ui.wait_for_text("plans.chosen", lambda text: "¥" in text, "the chosen plan")
    ui.tap(f"plans.tender.{tender}")
    ui.wait_for_text("plans.tenders", lambda text: "¥" in text, "the tender")
    return ui.app.runtime.store.outbox_depth()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_zhang_buys_a_package_in_cash(start_app, screens_dir: Path, language: str):
    ui = start_app(language=language)
    open_plans(ui)
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    tap_laid_out(ui, "plans.package.FACIAL10")
    ui.tap("plans.qty_plus")
    ui.wait_for_text("plans.chosen", lambda text: "3,160.00" in text or "3160.00" in text,
                     "two packages' price")
    ui.tap("plans.qty_minus")
    ui.wait_for_text("plans.chosen", lambda text: "1,580.00" in text or "1580.00" in text,
                     "one package's price")
    ui.tap("plans.tender.cash")
    ui.screenshot(screens_dir / language, "30-plans")
    depth = store.outbox_depth()

    ui.tap("plans.confirm")
    ui.until(lambda: store.outbox_depth() > depth, "the purchase's event")
    # ¥1,580.00 of spending may also raise 张三's level (card.level_changed, same operation).
    new_types = [event.type for event in store.outbox_batch(0, 10_000)[depth:]]
    assert new_types[0] == "package.purchased"
    after = store.card_balances(ZHANG.card_no)
    assert after.counts_for("FACIAL", ui.app.runtime.cashier.clock().date()) == 10
    assert after.stored_value == before.stored_value  # paid in cash
    ui.wait_for_text("message", lambda text: "面部护理10次卡" in text, "the outcome")
    wait_for_receipt(ui)
    assert any("面部护理10次卡" in line for line in printed_lines(ui))


def test_zhang_buys_a_month_pass_in_cash_the_pass_covers_today(start_app):
    ui = start_app()
    open_plans(ui)
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    depth = buy(ui, "pass.STUDY-M", "cash")
    ui.tap("plans.qty_plus")  # a pass is bought one at a time
    ui.wait_for_text("plans.qty", lambda text: text == "1", "the quantity kept at one")

    ui.tap("plans.confirm")
    ui.until(lambda: store.outbox_depth() == depth + 1, "the purchase's event")
    after = store.card_balances(ZHANG.card_no)
    assert after.stored_value == before.stored_value
    assert after.has_pass("study", ui.app.runtime.cashier.clock().date())
    wait_for_receipt(ui)
    assert any("自习室月卡" in line for line in printed_lines(ui))


def test_two_units_of_prepaid_time_paid_from_the_stored_value_with_the_pin(
        start_app, screens_dir: Path):
    ui = start_app(language="en")
    open_plans(ui)
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    tap_laid_out(ui, "plans.time.study")
    ui.tap("plans.qty_plus")
    ui.wait_for_text("plans.chosen", lambda text: "120 min" in text and "30.00" in text,
                     "two hours' price")
    ui.tap("plans.tender.stored_value")
    ui.wait_for_text("plans.tenders", lambda text: "30.00" in text, "the tender")
    ui.screenshot(screens_dir / "en", "31-plans-time")
    depth = store.outbox_depth()

    ui.tap("plans.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.until(lambda: store.outbox_depth() == depth + 1, "the purchase's event")
    ui.until(lambda: prompt_closed(ui), "the PIN prompt to close")
    after = store.card_balances(ZHANG.card_no)
    assert after.time_minutes == before.time_minutes + 120
    assert before.stored_value - after.stored_value == 3000
    ui.wait_for_text("message", lambda text: "30.00" in text, "the outcome")


def test_nothing_chosen_is_refused_on_the_message_line(start_app):
    ui = start_app(language="en")
    open_plans(ui)
    depth = ui.app.runtime.store.outbox_depth()
    ui.tap("plans.confirm")
    ui.wait_for_text("message", lambda text: "Choose a plan" in text, "the refusal")
    assert ui.app.runtime.store.outbox_depth() == depth
