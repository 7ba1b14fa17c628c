"""The after-sale and back-office screens, driven by touches in the real window against the real
store and simulated devices: refund and void with a manager's approval, reprints (and a receipt
kept when the paper runs out), opening and closing a shift, and the settings screen.

Earlier sales and top-ups are made through the cashier services on the UI's own worker (those
screens are tested elsewhere): this file is about what comes after them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kivy.core.window import Window
from kivy.uix.modalview import ModalView

from hq.db import open_database
from hq.service import HqWorker
from hq.settings import HqSettings
from membership.catalogue import SaleLine
from membership.money import cumulative_share, format_fen
from membership.tenders import Tender, TenderKind
from terminal.cashier.context import ManagerApproval, StaffMember
from terminal.cashier.operations import OperationResult
from terminal.cashier.ports import PinProof
from terminal.demo_staff import (
    CASHIER_ID,
    CASHIER_NAME,
    CASHIER_PIN,
    MANAGER_ID,
    MANAGER_PIN,
)
from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, drawer_kicks, printed_lines, sign_in, tap_card

CASHIER = StaffMember(CASHIER_ID, CASHIER_NAME, "cashier")

# --- the manager's approval (a prompt over the screen: UiDriver finds its widgets too) ---------


def approve_as_manager(ui: UiDriver, pin: str = MANAGER_PIN) -> None:
    ui.until(lambda: ui.has(f"approval.manager.{MANAGER_ID}"), "the manager approval")
    ui.tap(f"approval.manager.{MANAGER_ID}")
    for digit in pin:
        ui.tap(f"approval.pin.{digit}")
    ui.tap("approval.pin.enter")


def prompt_closes(ui: UiDriver) -> None:
    ui.until(lambda: not any(isinstance(top, ModalView) for top in Window.children),
             "the prompt to close")


# --- earlier operations, on the UI's cashier worker --------------------------------------------


def on_worker(ui: UiDriver, task: Callable[[], Any]) -> Any:
    """Run a cashier task where the screens run theirs (one at a time) and wait for it."""
    outcome: list[Any] = []
    ui.app.bridge.run(task, lambda result: outcome.append(("done", result)),
                      lambda error: outcome.append(("error", error)))
    ui.until(lambda: bool(outcome), "the cashier task")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value


def card_sale(ui: UiDriver) -> OperationResult:
    """张三 buys two lattes and a tiramisu from his stored value (his PIN checked just now)."""
    services = ui.app.services
    ctx = services.ctx

    def sell() -> OperationResult:
        member = services.members.member_context(ZHANG.card_no)
        products = ctx.configuration().products
        lines = [SaleLine(1, products["LATTE"], 2), SaleLine(2, products["CAKE"], 1)]
        due = services.ops.quote_sale(ctx, CASHIER, member, lines).amount_due
        proof = PinProof(ZHANG.card_no, ctx.clock(), "card")
        return services.ops.confirm_sale(ctx, CASHIER, member, lines,
                                         [Tender(TenderKind.STORED_VALUE, due)], pin_proof=proof)

    return _printed(on_worker(ui, sell))


def cash_sale(ui: UiDriver, product: str = "LATTE", qty: int = 1) -> OperationResult:
    """A guest pays cash for `qty` of `product`, exactly."""
    services = ui.app.services
    ctx = services.ctx

    def sell() -> OperationResult:
        lines = [SaleLine(1, ctx.configuration().products[product], qty)]
        due = services.ops.quote_sale(ctx, CASHIER, None, lines).amount_due
        return services.ops.confirm_sale(ctx, CASHIER, None, lines,
                                         [Tender(TenderKind.CASH, due)])

    return _printed(on_worker(ui, sell))


def cash_top_up(ui: UiDriver, paid: int) -> OperationResult:
    services = ui.app.services

    def top_up() -> OperationResult:
        member = services.members.member_context(ZHANG.card_no)
        return services.ops.top_up(services.ctx, CASHIER, member, paid,
                                   [Tender(TenderKind.CASH, paid)])

    return _printed(on_worker(ui, top_up))


def _printed(result: OperationResult) -> OperationResult:
    assert result.printing.wait(10) is not None, "the printer never reported"
    return result


def at_home(ui: UiDriver, staff_id: str = CASHIER_ID, pin: str = CASHIER_PIN) -> None:
    """Signed in, on the home screen, laid out (a tap before layout lands beside the button)."""
    sign_in(ui, staff_id, pin)
    ui.wait_for_screen("home")
    ui.pump(10)


def store(ui: UiDriver) -> Any:
    return ui.app.runtime.store


def message_shows(ui: UiDriver, *words: str) -> str:
    return ui.wait_for_text("message", lambda text: all(word in text for word in words),
                            f"a message with {words}")


# --- refund and void ---------------------------------------------------------------------------


def test_refund_of_one_line_needs_a_manager_and_restores_that_line(start_app, screens_dir: Path):
    ui = start_app()
    at_home(ui)
    tap_card(ui, ZHANG)
    sale = card_sale(ui)
    latte = store(ui).sale_record(sale.op_id).line(1)
    before = store(ui).card_balances(ZHANG.card_no)
    depth = store(ui).outbox_depth()

    ui.tap("home.action.refund")
    ui.wait_for_screen("refund")
    ui.until(lambda: ui.has(f"refund.sale.{sale.op_id}"), "the sale in the list")
    ui.tap(f"refund.sale.{sale.op_id}")
    ui.wait_for_text("refund.line.1", lambda text: "拿铁" in text and "可退 2" in text,
                     "the sale's lines")
    ui.tap("refund.line.1.plus")
    assert ui.text_of("refund.line.1.qty") == "1"
    ui.screenshot(screens_dir / "zh_CN", "50-refund")

    # A cashier alone cannot: the approval lists managers only, and cancelling changes nothing.
    ui.tap("refund.refund")
    ui.until(lambda: ui.has(f"approval.manager.{MANAGER_ID}"), "the manager approval")
    assert not ui.has(f"approval.manager.{CASHIER_ID}")
    ui.screenshot(screens_dir / "zh_CN", "51-refund-approval")
    ui.tap("approval.cancel")
    prompt_closes(ui)
    assert store(ui).outbox_depth() == depth
    assert store(ui).refund_records(sale.op_id) == ()

    # A wrong manager PIN is refused in the prompt; nothing is committed.
    ui.tap("refund.refund")
    approve_as_manager(ui, pin="0000")
    ui.wait_for_text("approval.text", lambda text: "密码" in text, "the refusal")
    assert store(ui).outbox_depth() == depth
    ui.tap("approval.cancel")
    prompt_closes(ui)

    printed_before = len(ui.app.runtime.printer.printed)
    ui.tap("refund.refund")
    approve_as_manager(ui)
    message_shows(ui, "退货完成", sale.op_id)
    prompt_closes(ui)
    refund = store(ui).refund_records(sale.op_id)[0]
    assert refund.quantities == ((1, 1),)
    after = store(ui).card_balances(ZHANG.card_no)
    assert after.principal == before.principal + cumulative_share(latte.principal, 0, 1, 2)
    assert after.bonus == before.bonus + cumulative_share(latte.bonus, 0, 1, 2)
    assert store(ui).outbox_depth() > depth
    ui.until(lambda: len(ui.app.runtime.printer.printed) > printed_before, "the refund slip")
    slip = printed_lines(ui)
    assert any("退货小票" in line for line in slip)
    assert any(format_fen(refund.amount) in line for line in slip)
    ui.wait_for_text("refund.line.1", lambda text: "可退 1" in text, "one latte left")
    assert "可退 1" in ui.text_of("refund.line.2")


def test_a_void_gives_the_whole_cash_sale_back(start_app, screens_dir: Path):
    ui = start_app(language="en")
    at_home(ui)
    sale = cash_sale(ui, "CAKE", 2)
    ui.tap("home.action.refund")
    ui.until(lambda: ui.has(f"refund.sale.{sale.op_id}"), "the sale in the list")
    ui.tap(f"refund.sale.{sale.op_id}")
    ui.wait_for_text("refund.line.1", lambda text: "2 left" in text, "the sale's lines")
    ui.screenshot(screens_dir / "en", "50-refund")
    ui.tap("refund.void")
    approve_as_manager(ui)
    message_shows(ui, "voided", sale.op_id)
    prompt_closes(ui)
    refund = store(ui).refund_records(sale.op_id)[0]
    assert refund.is_void
    assert refund.amount == store(ui).sale_record(sale.op_id).amount_due
    assert dict(refund.tender_refunds) == {"cash": refund.amount}
    ui.wait_for_text("refund.line.1", lambda text: "0 left" in text, "nothing left")
    ui.until(lambda: any("Refund receipt" in line for line in printed_lines(ui)),
             "the refund slip")
    # Nothing is left to void a second time: the core refuses, the screen says so.
    ui.tap("refund.void")
    approve_as_manager(ui)
    message_shows(ui, "cannot be voided")
    assert len(store(ui).refund_records(sale.op_id)) == 1


# --- reprints ------------------------------------------------------------------------------------


def test_reprint_the_last_receipt_says_reprint_and_keeps_the_drawer_shut(start_app,
                                                                       screens_dir: Path):
    ui = start_app()
    at_home(ui)
    cash_sale(ui)
    kicks, receipts = drawer_kicks(ui), printed_lines(ui).count("消费小票")
    ui.tap("home.action.reprint")
    ui.wait_for_screen("reprint")
    ui.wait_for_text("reprint.heading", lambda text: "没有待补打" in text, "an empty list")
    ui.screenshot(screens_dir / "zh_CN", "52-reprint")
    ui.tap("reprint.last")
    message_shows(ui, "已打印")
    lines = printed_lines(ui)
    assert lines.count("消费小票") == receipts + 1
    last_title = max(index for index, line in enumerate(lines) if line == "消费小票")
    assert lines[last_title + 1] == "重打小票"
    assert drawer_kicks(ui) == kicks


def test_paper_out_keeps_the_receipt_for_the_reprint_list(start_app, screens_dir: Path):
    ui = start_app(language="en")
    at_home(ui)
    ui.tap("sim.paper")
    assert ui.app.runtime.printer.paper_out
    sale = cash_sale(ui)
    assert not sale.printing.result.ok
    assert store(ui).sale_record(sale.op_id) is not None  # the sale happened all the same

    ui.tap("home.action.reprint")
    row = f"reprint.row.{sale.op_id}"
    ui.wait_for_text(row, lambda text: "out of paper" in text and "Sales receipt" in text,
                     "the receipt waiting in the list")
    assert "1 receipts waiting" in ui.text_of("reprint.heading")
    ui.screenshot(screens_dir / "en", "52-reprint-paper-out")
    ui.tap(f"reprint.one.{sale.op_id}")  # still no paper: it fails again and stays listed
    message_shows(ui, "did not print")
    ui.until(lambda: ui.has(f"reprint.one.{sale.op_id}"), "the receipt back in the list")

    ui.tap("sim.paper")
    ui.tap(f"reprint.one.{sale.op_id}")
    message_shows(ui, "printed", sale.op_id)
    ui.until(lambda: not ui.has(row), "the list to empty")
    assert ui.app.runtime.printing.pending_reprints() == ()
    assert any("Sales receipt" in line for line in printed_lines(ui))
    assert not any("REPRINT" in line for line in printed_lines(ui))  # its first time on paper


# --- shifts --------------------------------------------------------------------------------------


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


def test_settings_need_a_manager_print_a_test_page_and_switch_language(start_app,
                                                                      screens_dir: Path):
    ui = start_app()
    at_home(ui)
    ui.tap("home.action.settings")
    ui.wait_for_screen("settings")
    ui.until(lambda: ui.has(f"approval.manager.{MANAGER_ID}"), "the manager approval")
    ui.tap("approval.cancel")
    prompt_closes(ui)
    assert ui.has("settings.locked") and not ui.has("settings.printer_test")

    ui.tap("settings.unlock")
    approve_as_manager(ui)
    prompt_closes(ui)
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
    assert "simulated" in ui.text_of("settings.device.pinpad")
    ui.screenshot(screens_dir / "en", "55-settings")
    ui.tap("settings.back")
    ui.wait_for_screen("home")
    assert ui.text_of("home.action.sale") == "Checkout"
    assert ui.text_of("home.action.refund") == "Refund"
    assert ui.text_of("status.cashier") == f"On duty: {CASHIER_NAME}"
    ui.tap("home.action.settings")  # approval again on the next visit
    ui.until(lambda: ui.has("approval.cancel"), "the approval again")
    ui.tap("approval.cancel")


@pytest.fixture
def hq_worker(broker: Any, tmp_path: Path) -> Iterator[HqWorker]:
    url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    worker = HqWorker(HqSettings(broker_port=broker.port, database_url=url,
                                 broker_password=broker.accounts.hq_password,
                                 data_dir=str(tmp_path / "hq")), open_database(url))
    worker.start()
    assert worker.connected.wait(10)
    yield worker
    worker.stop()


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
