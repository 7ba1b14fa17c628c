"""Checkout by touch, beyond one tender: a product found with the picker's search box, a sale
split between the member's stored value (PIN on the keypad) and cash, and points taken off the
price. Each is checked in the ledger, on the printed receipt (decoded from the printer's bytes)
and on the screen."""

from __future__ import annotations

from membership.ledger import Account, EntryKind
from tests.ui.admin_steps import CASHIER, on_worker
from tests.ui.sale_steps import entries_of, last_sale, message_shows, tender_totals
from tests.ui.steps import ZHANG, drawer_kicks, printed_lines
from tests.ui.test_sale import (
    due_shows,
    open_sale,
    qty_of,
    tap_laid_out,
    type_member_pin,
    wait_for_receipt,
)


def search_and_add(ui, query: str, code: str) -> None:
    """Type in the picker's search box, then tap the one product it finds."""
    ui.type_into("sale.search", query)
    ui.until(lambda: ui.has(f"sale.product.{code}"), f"{code} found by {query!r}")
    tap_laid_out(ui, f"sale.product.{code}")
    ui.until(lambda: qty_of(ui, code) != "", f"{code} in the cart")


def test_the_search_box_finds_a_product_by_name_or_code_and_adds_it(start_app):
    ui = start_app()
    open_sale(ui)
    search_and_add(ui, "米苏", "CAKE")  # part of 提拉米苏's name, in any category
    assert not ui.has("sale.product.LATTE") and not ui.has("sale.product.CROISSANT")
    assert qty_of(ui, "CAKE") == "1"
    due_shows(ui, "¥25.60")  # ¥32.00 with the afternoon 8折 on bakery
    ui.type_into("sale.search", "beans")  # the code, in lower case
    ui.until(lambda: ui.has("sale.product.BEANS"), "the beans found by their code")
    assert not ui.has("sale.product.CAKE")
    ui.type_into("sale.search", "寿司")
    ui.until(lambda: ui.has("sale.no_products"), "nothing found")
    assert not any(ui.has(f"sale.product.{code}") for code in ("LATTE", "CAKE", "BEANS"))
    assert qty_of(ui, "CAKE") == "1"  # the cart is untouched by a search


def test_part_stored_value_with_the_pin_and_the_rest_in_cash(start_app):
    ui = start_app()
    open_sale(ui, ZHANG)
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    search_and_add(ui, "拿铁", "LATTE")
    search_and_add(ui, "CAKE", "CAKE")
    due_shows(ui, "¥52.20")
    ui.type_into("sale.tender_amount", "20")
    ui.tap("sale.tender.stored_value")
    ui.type_into("sale.tender_amount", "50")  # ¥32.20 still due: ¥50.00 handed over
    ui.tap("sale.tender.cash")
    ui.wait_for_text("sale.tenders", lambda text: "储值卡 ¥20.00" in text and "现金 ¥50.00"
                     in text and "17.80" in text, "both tenders and the change")
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_screen("home")
    message_shows(ui, "52.20", "找零 ¥17.80")

    sale = last_sale(ui)
    assert tender_totals(sale) == {"stored_value": 2000, "cash": 3220}
    assert (sale.amount_due, sale.cash_received, sale.change) == (5220, 5000, 1780)
    spent = entries_of(ui, ZHANG.card_no, sale.op_id, Account.PRINCIPAL) + entries_of(
        ui, ZHANG.card_no, sale.op_id, Account.BONUS)
    assert {entry.kind for entry in spent} == {EntryKind.SPEND}
    assert sum(entry.delta for entry in spent) == -2000
    after = store.card_balances(ZHANG.card_no)
    assert (before.principal + before.bonus) - (after.principal + after.bonus) == 2000

    wait_for_receipt(ui)
    lines = printed_lines(ui)
    assert any("储值卡" in line and "20.00" in line for line in lines)
    assert any("现金" in line and "32.20" in line for line in lines)
    assert any("实收现金" in line and "50.00" in line for line in lines)
    assert any("找零" in line and "17.80" in line for line in lines)
    assert drawer_kicks(ui) == 1  # cash was taken: the drawer opens


def earn_points(ui, product: str, qty: int) -> int:
    """An earlier sale (made through the cashier services) earned 张三 points; how many."""
    from membership.catalogue import SaleLine
    from membership.tenders import Tender, TenderKind

    services = ui.app.services
    ctx = services.ctx

    def sell() -> int:
        member = services.members.member_context(ZHANG.card_no)
        lines = [SaleLine(1, ctx.configuration().products[product], qty)]
        due = services.ops.quote_sale(ctx, CASHIER, member, lines).amount_due
        result = services.ops.confirm_sale(ctx, CASHIER, member, lines,
                                           [Tender(TenderKind.CASH, due)])
        result.printing.wait(10)
        return result.decision.points_earned

    return on_worker(ui, sell)


def test_points_taken_off_the_price_are_debited_and_printed(start_app):
    ui = start_app()
    earned = earn_points(ui, "FACIAL", 2)
    assert earned >= 300
    open_sale(ui, ZHANG)
    ui.wait_for_text("sale.member", lambda text: str(earned) in text, "the member's points")
    search_and_add(ui, "拿铁", "LATTE")
    due_shows(ui, "¥26.60")
    ui.type_into("sale.points", "300")  # 100 points a yuan: ¥3.00 off
    ui.tap("sale.points_apply")
    due_shows(ui, "¥23.60")
    assert "3.00" in ui.text_of("sale.quote.points")
    ui.tap("sale.tender.wechat")
    ui.tap("sale.confirm")
    ui.wait_for_screen("home")
    message_shows(ui, "23.60")

    sale = last_sale(ui)
    assert sale.amount_due == 2360 and tender_totals(sale) == {"wechat": 2360}
    redeemed = [entry for entry in entries_of(ui, ZHANG.card_no, sale.op_id, Account.POINTS)
                if entry.kind is EntryKind.REDEEM]
    assert sum(entry.delta for entry in redeemed) == -300
    assert sum(line.points_used for line in sale.lines) == 300
    wait_for_receipt(ui)
    lines = printed_lines(ui)
    latte = lines.index(next(line for line in lines if line.startswith("拿铁咖啡")))
    assert "积分抵现" in [line.strip() for line in lines[latte + 1:latte + 3]]  # its reductions
    assert any(line.startswith("使用积分") and line.endswith(" 300") for line in lines)
    assert any(line.startswith("优惠") and line.endswith("-¥4.40") for line in lines)  # 1.40+3.00
    points_now = earned - 300 + sum(line.points_earned for line in sale.lines)
    assert any(line.startswith("积分 ") and line.endswith(f" {points_now}") for line in lines)
    assert drawer_kicks(ui) == 0  # WeChat: no cash, the drawer stays shut
