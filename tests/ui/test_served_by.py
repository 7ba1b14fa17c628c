"""Every sale line names who served it (服务人员), picked on the sale screen by touch, the cashier
by default; commission follows the line, and the shift screen shows the signed-in staff member
their own commission for the shift."""

from __future__ import annotations

from pathlib import Path

from membership.money import apply_rate, format_fen
from terminal.demo.staff import CASHIER_ID, CASHIER_NAME, MANAGER_ID, MANAGER_NAME
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import at_home
from tests.ui.sale_steps import last_sale
from tests.ui.test_sale import add_product, due_shows, tap_laid_out

FACIAL_RATE_BP = 1000  # the demo's FACIAL-SALE rule: 10% of the line's net


def _open_shift_then_sale(ui: UiDriver, opened: str) -> None:
    at_home(ui)
    ui.tap("home.action.shift")
    ui.wait_for_screen("shift")
    ui.type_into("shift.amount", "100")
    ui.tap("shift.open")
    ui.wait_for_text("shift.total.float", lambda text: "100.00" in text, opened)
    ui.tap("shift.back")
    ui.wait_for_screen("home")
    ui.pump(5)
    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    add_product(ui, "FACIAL")
    add_product(ui, "LATTE")


def _pay_cash(ui: UiDriver) -> None:
    due_shows(ui, "¥")
    ui.type_into("sale.tender_amount", "300")
    ui.tap("sale.tender.cash")
    ui.pump(3)
    ui.tap("sale.confirm")
    ui.wait_for_screen("home")


def _my_commission(ui: UiDriver) -> str:
    ui.tap("home.action.shift")
    ui.wait_for_screen("shift")
    ui.until(lambda: ui.has("shift.total.my_commission"), "my commission")
    return ui.text_of("shift.total.my_commission")


def test_lines_are_the_cashiers_by_default_and_earn_their_commission(start_app,
                                                                      screens_dir: Path):
    ui = start_app()
    _open_shift_then_sale(ui, "the float")
    assert ui.text_of("sale.line.FACIAL.staff") == CASHIER_NAME
    ui.screenshot(screens_dir / "zh_CN", "85-sale-served-by")
    _pay_cash(ui)
    sale = last_sale(ui)
    assert {line.product_code: line.staff_id for line in sale.lines} == {
        "FACIAL": CASHIER_ID, "LATTE": CASHIER_ID}
    facial = next(line for line in sale.lines if line.product_code == "FACIAL")
    earned = apply_rate(facial.net, FACIAL_RATE_BP)
    assert earned > 0
    assert [(c.staff_id, c.amount) for c in sale.commissions] == [(CASHIER_ID, earned)]
    text = _my_commission(ui)
    assert format_fen(earned) in text and "我的提成" in text
    ui.screenshot(screens_dir / "zh_CN", "86-shift-my-commission")


def test_a_line_given_to_a_colleague_earns_them_the_commission(start_app, screens_dir: Path):
    ui = start_app(language="en")
    _open_shift_then_sale(ui, "the float")
    tap_laid_out(ui, "sale.line.FACIAL.staff")
    ui.until(lambda: ui.text_of("sale.line.FACIAL.staff") == MANAGER_NAME, "the manager")
    ui.screenshot(screens_dir / "en", "85-sale-served-by")
    _pay_cash(ui)
    sale = last_sale(ui)
    assert {line.product_code: line.staff_id for line in sale.lines} == {
        "FACIAL": MANAGER_ID, "LATTE": CASHIER_ID}
    assert [c.staff_id for c in sale.commissions] == [MANAGER_ID]
    text = _my_commission(ui)
    assert "My commission" in text and format_fen(0) in text
    ui.screenshot(screens_dir / "en", "86-shift-my-commission")
