"""Count use (计次消费) and timed sessions (计时) in the real window, in both languages: 王五 uses
one facial of his package; 张三 starts a session, stops it within the free minutes, and pays an
older session from the stored value with his PIN."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.ui_driver import UiDriver
from tests.ui.sale_steps import last_sale
from tests.ui.steps import WANG, ZHANG, printed_lines, signed_in_home, tap_card
from tests.ui.test_sale import prompt_closed, tap_laid_out, type_member_pin, wait_for_receipt


def open_screen(ui: UiDriver, card, action: str) -> None:
    signed_in_home(ui)
    tap_card(ui, card)
    ui.pump(5)  # the home screen laid out before it is touched
    ui.tap(f"home.action.{action}")
    ui.wait_for_screen(action)
    ui.app.runtime.printer.printed.clear()  # the demo seed's receipts


def facials_left(ui: UiDriver) -> int:
    balances = ui.app.runtime.store.card_balances(WANG.card_no)
    return sum(lot.remaining for lot in balances.count_lots if lot.service == "FACIAL")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_wang_uses_one_facial_of_his_package(start_app, screens_dir: Path, language: str):
    ui = start_app(language=language)
    open_screen(ui, WANG, "count")
    assert facials_left(ui) == 10
    ui.wait_for_text("count.service.FACIAL", lambda text: "10" in text, "the package")
    tap_laid_out(ui, "count.service.FACIAL")
    ui.wait_for_text("count.chosen", lambda text: "面部护理" in text, "the chosen service")
    ui.until(lambda: ui.has("count.staff.M01"), "who serves")
    ui.tap("count.staff.M01")  # the cashier by default; the manager gave this facial
    ui.screenshot(screens_dir / language, "11-count")
    depth = ui.app.runtime.store.outbox_depth()

    ui.tap("count.confirm")
    ui.wait_for_text("count.service.FACIAL", lambda text: "9" in text, "the uses left")
    assert facials_left(ui) == 9
    assert ui.app.runtime.store.outbox_depth() == depth + 1
    message = ui.text_of("message")
    assert "9" in message and "面部护理" in message
    assert [line.staff_id for line in last_sale(ui).lines] == ["M01"]
    wait_for_receipt(ui)
    assert any("面部护理" in line for line in printed_lines(ui))


def test_a_session_started_and_stopped_within_the_free_minutes_costs_nothing(start_app):
    ui = start_app()
    open_screen(ui, ZHANG, "time")
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    ui.tap("time.start.study")
    ui.until(lambda: len(store.open_time_sessions()) == 1, "the session to start")
    started = store.open_time_sessions()[0]
    assert started.card_no == ZHANG.card_no and started.staff_id == "S01"
    ui.until(lambda: ui.has(f"time.session.{started.session_id}"), "the running session")
    ui.tap("time.start.study")  # one session per card and service
    ui.wait_for_text("message", lambda text: "已在进行中" in text, "the refusal")
    assert len(store.open_time_sessions()) == 1

    tap_laid_out(ui, f"time.session.{started.session_id}")
    ui.wait_for_text("time.bill", lambda text: "¥0.00" in text, "the free session's bill")
    ui.tap("time.confirm")
    ui.until(lambda: store.open_time_sessions() == (), "the session to close")
    assert store.time_session(started.session_id).closed_by_op
    assert store.card_balances(ZHANG.card_no) == before
    wait_for_receipt(ui)
    ui.until(lambda: ui.has("time.none"), "no session running")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_an_older_session_is_billed_to_the_stored_value_with_the_pin(
        start_app, screens_dir: Path, language: str):
    ui = start_app(language=language)
    store = ui.app.runtime.store
    # Begun two hours ago (kept across a restart of the terminal, say): 2 hours after the 10
    # free minutes is 2 units of ¥15.00.
    older = store.start_time_session(ZHANG.card_no, "study",
                                     ui.app.runtime.cashier.clock() - timedelta(hours=2), "S01")
    open_screen(ui, ZHANG, "time")
    before = store.card_balances(ZHANG.card_no)
    ui.until(lambda: ui.has(f"time.session.{older.session_id}"), "the older session")
    tap_laid_out(ui, f"time.session.{older.session_id}")
    ui.wait_for_text("time.bill", lambda text: "¥30.00" in text, "the bill")
    ui.tap("time.tender.stored_value")
    ui.wait_for_text("time.tenders", lambda text: "30.00" in text, "the tender")
    ui.screenshot(screens_dir / language, "12-time")
    depth = store.outbox_depth()

    ui.tap("time.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.until(lambda: store.open_time_sessions() == (), "the session to close")
    ui.until(lambda: prompt_closed(ui), "the PIN prompt to close")
    after = store.card_balances(ZHANG.card_no)
    assert (before.principal + before.bonus) - (after.principal + after.bonus) == 3000
    # The bill and the session's close are one commit: the session names the bill.
    closed = store.time_session(older.session_id)
    assert closed is not None and closed.closed_by_op
    assert store.outbox_depth() == depth + 1
    ui.wait_for_text("message", lambda text: "30.00" in text, "the outcome")
    wait_for_receipt(ui)
    assert any("30.00" in line for line in printed_lines(ui))
