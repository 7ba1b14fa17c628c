"""Back-office screens, driven by touches in the real window: opening and closing a shift with
its printed report, and the manager's settings (printer test, language, sync status against a
real broker and HQ worker). Earlier operations come from tests/ui/admin_steps.py."""

from __future__ import annotations

from pathlib import Path

from membership.money import format_fen
from terminal.cashier.context import ManagerApproval, StaffMember
from terminal.demo.staff import (
    MANAGER_ID,
    MANAGER_NAME,
    MANAGER_PIN,
)
from terminal.store.access import UI_LANGUAGE
from tests.ui.admin_steps import (
    CASHIER,
    _printed,
    at_home,
    cash_sale,
    cash_top_up,
    message_shows,
    on_worker,
    store,
)
from tests.ui.steps import printed_lines


def test_a_shift_opens_shows_its_totals_and_closes_with_a_printed_report(start_app,
                                                                        screens_dir: Path):
    ui = start_app()
    at_home(ui)
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.heading", lambda text: "没有进行中的班次" in text, "no shift")
    ui.type_into("shift.amount", "200")
    ui.tap("shift.open")
    message_shows(ui, "已开班", "¥200.00")
    ui.wait_for_text("shift.total.float", lambda text: "¥200.00" in text, "the float")
    assert any("开班" in line for line in printed_lines(ui))

    latte, cake = cash_sale(ui, "LATTE"), cash_sale(ui, "CAKE")
    top_up = cash_top_up(ui, 10_000)
    approval = ManagerApproval(StaffMember(MANAGER_ID, "李店长", "manager"),
                               ui.app.services.ctx.clock())
    services = ui.app.services
    _printed(on_worker(ui, lambda: services.ops.void_sale(services.ctx, CASHIER, cake.op_id,
                                                          approval)))
    latte_due = store(ui).sale_record(latte.op_id).amount_due
    cake_due = store(ui).sale_record(cake.op_id).amount_due
    cash_in = latte_due + cake_due + 10_000
    expected = 20_000 + cash_in - cake_due
    assert top_up.op_id

    ui.tap("shift.back")
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.total.expected_cash", lambda text: format_fen(expected) in text,
                     "the totals so far")
    assert f"2 笔，共 {format_fen(latte_due + cake_due)}" in ui.text_of("shift.total.sales")
    assert format_fen(cash_in) in ui.text_of("shift.total.taking.cash")
    assert f"1 笔，共 {format_fen(10_000)}" in ui.text_of("shift.total.topups")
    assert f"1 笔，共 {format_fen(cake_due)}" in ui.text_of("shift.total.refunds")
    assert format_fen(cake_due) in ui.text_of("shift.total.refunded.cash")
    ui.screenshot(screens_dir / "zh_CN", "53-shift")

    ui.type_into("shift.amount", f"{expected // 100}.{expected % 100:02d}")
    ui.tap("shift.close")
    ui.wait_for_text("shift.heading", lambda text: "交班完成" in text, "the shift closed")
    assert "现金相符" in ui.text_of("shift.total.difference")
    ui.until(lambda: any("交班报表" in line for line in printed_lines(ui)), "the shift report")
    report = printed_lines(ui)[[i for i, line in enumerate(printed_lines(ui))
                                if "交班报表" in line][-1]:]
    assert any(format_fen(expected) in line for line in report)
    assert any(format_fen(cake_due) in line for line in report)
    assert store(ui).current_shift() is None
    assert ui.text_of("status.cashier") == "未登录"  # signed out with the shift
    ui.screenshot(screens_dir / "zh_CN", "54-shift-closed")
    ui.tap("shift.to_login")
    ui.wait_for_screen("login")


def test_a_shift_in_english(start_app, screens_dir: Path):
    ui = start_app(language="en")
    at_home(ui)
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.heading", lambda text: "No shift is open" in text, "no shift")
    ui.screenshot(screens_dir / "en", "53-shift-none")
    ui.type_into("shift.amount", "150.50")
    ui.tap("shift.open")
    ui.wait_for_text("shift.total.float", lambda text: "¥150.50" in text, "the float")
    cash_top_up(ui, 5_000)
    ui.tap("shift.back")
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.total.topups", lambda text: "Top-ups: 1" in text, "the top-up")
    ui.screenshot(screens_dir / "en", "53-shift")
    ui.type_into("shift.amount", "190")  # ¥10.50 short
    ui.tap("shift.close")
    ui.wait_for_text("shift.total.difference", lambda text: "Short by ¥10.50" in text,
                     "the difference")
    ui.screenshot(screens_dir / "en", "54-shift-closed")


# --- settings ------------------------------------------------------------------------------------


def test_settings_are_a_managers_print_a_test_page_and_switch_language(start_app,
                                                                       screens_dir: Path):
    ui = start_app()
    at_home(ui)
    ui.until(lambda: ui.has("home.action.sale") and not ui.has("home.action.settings"),
             "a cashier's home, without the settings")
    ui.tap("home.logout")
    at_home(ui, MANAGER_ID, MANAGER_PIN)
    ui.until(lambda: ui.has("home.action.settings"), "the manager's home")
    ui.tap("home.action.settings")
    ui.wait_for_screen("settings")
    ui.wait_for_text("settings.printer_status", lambda text: "正常" in text, "the printer")
    assert "模拟设备" in ui.text_of("settings.device.pinpad")
    assert "模拟设备" in ui.text_of("settings.device.card_reader")
    assert ui.has("settings.detected.0")  # what the drivers find plugged in
    assert "单机" in ui.text_of("settings.sync.online")
    ui.wait_for_text("settings.sync.version.staff", lambda text: "第 1 版" in text,
                     "the staff document's version")
    depth = store(ui).outbox_depth()
    ui.wait_for_text("settings.sync.outbox", lambda text: f"{depth} 笔" in text, "the depth")
    ui.screenshot(screens_dir / "zh_CN", "55-settings")

    ui.tap("settings.printer_test")
    message_shows(ui, "测试页已打印")
    assert any("打印测试" in line for line in printed_lines(ui))
    ui.tap("settings.sync_now")  # no HQ on this terminal: said, not hidden
    message_shows(ui, "未连接总部")

    ui.tap("settings.lang.en")
    assert ui.text_of("settings.printer_test") == "Print a test page"  # at once, no reload
    ui.until(lambda: store(ui).text_setting(UI_LANGUAGE) == "en", "kept for the next start")
    assert "simulated" in ui.text_of("settings.device.pinpad")
    ui.screenshot(screens_dir / "en", "55-settings")
    ui.tap("settings.back")
    ui.wait_for_screen("home")
    assert ui.text_of("home.action.sale") == "Checkout"
    assert ui.text_of("home.action.refund") == "Refund"
    assert ui.text_of("status.cashier") == f"On duty: {MANAGER_NAME}"


def test_sync_status_and_send_now_against_hq(start_app, broker, hq_worker):
    ui = start_app(hq={"host": broker.host, "port": broker.port,
                       "password": broker.accounts.password_for("T1")}, terminal_id="T1")
    sync = ui.app.runtime.sync
    woken: list[int] = []
    wake = sync.notify
    sync.notify = lambda: (woken.append(1), wake())[-1]
    at_home(ui, MANAGER_ID, MANAGER_PIN)  # a manager: no approval asked
    ui.tap("home.action.settings")
    ui.wait_for_text("settings.sync.online", lambda text: text == "在线", "online with HQ")
    ui.wait_for_text("settings.sync.outbox", lambda text: text.startswith("0 "), "all uploaded")
    acknowledged = store(ui).ack_watermark()
    assert acknowledged > 0
    ui.wait_for_text("settings.sync.ack", lambda text: f"第 {acknowledged} 笔" in text, "HQ's ack")
    ui.tap("settings.sync_now")
    message_shows(ui, "已通知上传")
    assert woken == [1]
