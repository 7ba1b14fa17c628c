"""One shift, every flow by touches in the real window: the shift opened with a float, a guest's
cash sale, 张三's sale from his stored value (PIN on the keypad), a cash top-up, the cash sale
refunded with a manager's approval, 王五's count use; the shift closed with the cash counted.
The printed shift report (decoded from the printer's ESC/POS bytes) lists the takings per
tender, the top-ups, the refunds and the uses with the amounts the store committed."""

from __future__ import annotations

from pathlib import Path

from membership.money import format_fen
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import approve_as_manager, at_home, message_shows, prompt_closes, store
from tests.ui.steps import WANG, ZHANG, printed_lines, tap_card
from tests.ui.test_sale import add_product, tap_laid_out, type_member_pin

FLOAT = 20_000
TOP_UP = 10_000


def open_shift(ui: UiDriver) -> None:
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.heading", lambda text: "没有进行中的班次" in text, "no shift")
    ui.type_into("shift.amount", str(FLOAT // 100))
    ui.tap("shift.open")
    message_shows(ui, "已开班", format_fen(FLOAT))
    ui.tap("shift.back")
    ui.wait_for_screen("home")


def sell(ui: UiDriver, code: str, category: str, tender: str, pin: str = "") -> str:
    """From home: one product, paid in full by `tender` (nothing typed: exactly what is due);
    the sale's op_id, the newest in the store."""
    ui.pump(5)  # the home screen laid out before it is touched
    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    add_product(ui, code, category)
    ui.until(lambda: ui.text_of("sale.quote.due").count("¥") == 1, "the quote")
    ui.tap(f"sale.tender.{tender}")
    ui.tap("sale.confirm")
    if pin:
        type_member_pin(ui, pin)
    ui.wait_for_screen("home")
    return store(ui).recent_sales(1)[0].op_id


def top_up(ui: UiDriver) -> None:
    ui.tap("home.action.topup")
    ui.wait_for_screen("topup")
    ui.tap(f"topup.preset.{TOP_UP}")
    ui.tap("topup.tender.cash")
    ui.tap("topup.confirm")
    message_shows(ui, format_fen(TOP_UP))
    ui.tap("topup.back")
    ui.wait_for_screen("home")


def refund_whole_sale(ui: UiDriver, op_id: str) -> int:
    ui.tap("home.action.refund")
    ui.wait_for_screen("refund")
    ui.until(lambda: ui.has(f"refund.sale.{op_id}"), "the sale in the list")
    ui.tap(f"refund.sale.{op_id}")
    ui.wait_for_text("refund.line.1", lambda text: "可退 1" in text, "the sale's line")
    ui.tap("refund.line.1.plus")
    ui.tap("refund.refund")
    approve_as_manager(ui)
    message_shows(ui, "退货完成", op_id)
    prompt_closes(ui)
    ui.tap("refund.back")
    ui.wait_for_screen("home")
    (refund,) = store(ui).refund_records(op_id)
    return refund.amount


def use_one_facial(ui: UiDriver) -> None:
    ui.tap("home.action.count")
    ui.wait_for_screen("count")
    ui.until(lambda: ui.has("count.service.FACIAL"), "the package")
    tap_laid_out(ui, "count.service.FACIAL")
    ui.until(lambda: ui.has("count.staff.S01"), "who serves")  # the cashier, by default
    ui.tap("count.confirm")
    ui.wait_for_text("count.service.FACIAL", lambda text: "9" in text, "the uses left")
    ui.tap("count.back")
    ui.wait_for_screen("home")


def report_lines(ui: UiDriver) -> list[str]:
    ui.until(lambda: "交班报表" in printed_lines(ui), "the shift report")
    lines = printed_lines(ui)
    return lines[len(lines) - 1 - lines[::-1].index("交班报表"):]


def row(lines: list[str], label: str) -> str:
    """The report's row for `label`, its spaces squeezed: "现金 ¥28.00"."""
    found = [" ".join(line.split()) for line in lines if line.split()[:1] == [label]]
    assert len(found) == 1, f"{label!r} rows: {found} in {lines}"
    return found[0]


def test_one_shift_of_every_flow_prints_a_report_with_the_right_amounts(start_app,
                                                                       screens_dir: Path):
    ui = start_app()
    at_home(ui)
    open_shift(ui)
    cash_op = sell(ui, "LATTE", "drinks", "cash")
    tap_card(ui, ZHANG)
    card_op = sell(ui, "CAKE", "bakery", "stored_value", pin=ZHANG.pin)
    top_up(ui)
    refunded = refund_whole_sale(ui, cash_op)
    tap_card(ui, WANG)
    use_one_facial(ui)

    cash_due = store(ui).sale_record(cash_op).amount_due
    card_due = store(ui).sale_record(card_op).amount_due
    assert refunded == cash_due and cash_due > 0 and card_due > 0
    expected_cash = FLOAT + cash_due + TOP_UP - refunded
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.total.expected_cash", lambda text: format_fen(expected_cash) in text,
                     "the drawer's cash")
    ui.type_into("shift.amount", f"{expected_cash // 100}.{expected_cash % 100:02d}")
    ui.tap("shift.close")
    ui.wait_for_text("shift.heading", lambda text: "交班完成" in text, "the shift closed")
    ui.screenshot(screens_dir / "zh_CN", "56-shift-every-flow")

    report = report_lines(ui)
    # The count use is a sale too, its service paid by the package: nothing due.
    assert store(ui).recent_sales(1)[0].amount_due == 0
    assert row(report, "销售笔数") == "销售笔数 3"
    assert row(report, "销售总额") == f"销售总额 {format_fen(cash_due + card_due)}"
    assert row(report, "现金") == f"现金 {format_fen(cash_due + TOP_UP)}"  # takings in cash
    assert row(report, "储值卡") == f"储值卡 {format_fen(card_due)}"
    assert row(report, "充值笔数") == "充值笔数 1"
    assert row(report, "充值总额") == f"充值总额 {format_fen(TOP_UP)}"
    assert row(report, "退款笔数") == "退款笔数 1"
    assert row(report, "退款总额") == f"退款总额 {format_fen(refunded)}"
    assert row(report, "退款·现金") == f"退款·现金 {format_fen(refunded)}"
    assert row(report, "计次使用") == "计次使用 FACIAL ×1"
    assert row(report, "备用金") == f"备用金 {format_fen(FLOAT)}"
    assert row(report, "应有现金") == f"应有现金 {format_fen(expected_cash)}"
    assert row(report, "长短款") == f"长短款 {format_fen(0)}"
