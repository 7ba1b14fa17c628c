"""Checkout (收银) in the real window: a guest paying cash, a member paying from the stored value
with the PIN typed on the (simulated) keypad, a coupon and points in the live quote, a coupon
used once, and refusals that commit nothing."""

from __future__ import annotations

from pathlib import Path

from kivy.core.window import Window

from tests.support.ui_driver import UiDriver
from tests.ui.steps import (
    ZHANG,
    drawer_kicks,
    hq_listed_coupons,
    printed_lines,
    signed_in_home,
    tap_card,
)

# Digits that appear nowhere else on screen ("0000" is in every zero-padded op_id the receipt
# preview shows, SH001-T1-000011).
WRONG_PIN = "8642"


def pin_prompt_text(ui: UiDriver) -> str:
    """The PIN prompt is a ModalView on the Window, beside the app's root."""
    for child in Window.children:
        if child is not ui.root:
            for widget in child.walk(restrict=True):
                if getattr(widget, "test_id", None) == "pin_prompt.text":
                    return str(widget.text)
    return ""


def prompt_closed(ui: UiDriver) -> bool:
    return all(child is ui.root for child in Window.children)


def type_member_pin(ui: UiDriver, pin: str) -> None:
    """The member types on the simulator panel's keypad. Its buttons are released directly:
    the open prompt (a ModalView) takes every touch on the window, the panel's included."""
    pinpad = ui.app.runtime.pinpad
    ui.until(lambda: pinpad.requested, "the keypad to ask for a PIN")
    for key in (*pin, "enter"):
        ui.find(f"sim.key.{key}").dispatch("on_release")
    ui.until(lambda: not pinpad.requested, "the keypad to take the PIN")


def open_sale(ui: UiDriver, card=None) -> None:
    signed_in_home(ui)
    if card is not None:
        tap_card(ui, card)
    ui.pump(5)  # the home screen laid out before it is touched
    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    ui.app.runtime.printer.printed.clear()  # the demo seed's receipts


def tap_laid_out(ui: UiDriver, test_id: str) -> None:
    """Tap a widget made just now once the layout has placed it (a new cart line, a product)."""
    ui.pump(3)
    ui.tap(test_id)


def add_product(ui: UiDriver, code: str, category: str = "all") -> None:
    """Tap the category tab, then the product (products scroll: the tap lands a moment later)."""
    ui.tap(f"sale.category.{category}")
    ui.until(lambda: ui.has(f"sale.product.{code}"), f"the {code} button")
    tap_laid_out(ui, f"sale.product.{code}")
    ui.until(lambda: ui.has(f"sale.line.{code}.qty"), f"{code} in the cart")


def qty_of(ui: UiDriver, code: str) -> str:
    return ui.text_of(f"sale.line.{code}.qty") if ui.has(f"sale.line.{code}.qty") else ""


def due_shows(ui: UiDriver, amount: str) -> str:
    return ui.wait_for_text("sale.quote.due", lambda text: amount in text, f"due {amount}")


def wait_for_receipt(ui: UiDriver, count: int = 1) -> None:
    ui.app.runtime.printing.wait_until_idle(10)
    ui.until(lambda: len(ui.app.runtime.printer.printed) >= count, "the receipt")


def test_a_guest_pays_cash_the_drawer_opens_and_the_receipt_lists_the_products(
        start_app, screens_dir: Path):
    ui = start_app()
    open_sale(ui)
    assert "散客" in ui.text_of("sale.member")
    add_product(ui, "LATTE", "drinks")
    # The scanner types the code and Enter.
    ui.type_into("sale.code", "CAKE")
    ui.find("sale.code").dispatch("on_text_validate")
    ui.until(lambda: ui.has("sale.line.CAKE.qty"), "the scanned cake")
    tap_laid_out(ui, "sale.line.LATTE.plus")
    ui.until(lambda: qty_of(ui, "LATTE") == "2", "two lattes")
    # 2 x ¥28.00 + ¥32.00 with the afternoon promotion (bakery 8折): ¥81.60, no member discount.
    due_shows(ui, "¥81.60")
    assert "6.40" in ui.text_of("sale.quote.promotions")
    ui.type_into("sale.tender_amount", "100")
    ui.tap("sale.tender.cash")
    ui.wait_for_text("sale.tenders", lambda text: "18.40" in text, "the change")
    ui.screenshot(screens_dir / "zh_CN", "10-sale")
    depth = ui.app.runtime.store.outbox_depth()

    ui.tap("sale.confirm")
    ui.wait_for_screen("home")
    ui.wait_for_text("message", lambda text: "找零 ¥18.40" in text, "the change to give")
    wait_for_receipt(ui)
    lines = printed_lines(ui)
    assert any("拿铁咖啡" in line for line in lines)
    assert any("提拉米苏" in line for line in lines)
    assert any("应付" in line and "81.60" in line for line in lines)
    assert drawer_kicks(ui) == 1
    assert ui.app.runtime.store.outbox_depth() == depth + 1


def test_a_member_pays_from_the_stored_value_with_their_pin(start_app):
    ui = start_app()
    open_sale(ui, ZHANG)
    assert "张三" in ui.text_of("sale.member")
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    add_product(ui, "LATTE")
    due_shows(ui, "¥26.60")  # the gold card's 9.5折
    ui.tap("sale.tender.stored_value")  # nothing typed: the card pays all that is due
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_screen("home")
    ui.wait_for_text("message", lambda text: "26.60" in text, "the sale's outcome")
    after = store.card_balances(ZHANG.card_no)
    assert (before.principal + before.bonus) - (after.principal + after.bonus) == 2660
    assert after.principal < before.principal and after.bonus < before.bonus
    # Home shows the member again, as the store has them after the sale.
    ui.wait_for_text("member.stored_value", lambda text: "¥500.00" not in text, "the panel")
    wait_for_receipt(ui)
    assert any("储值卡" in line for line in printed_lines(ui))
    assert drawer_kicks(ui) == 0
    assert ui.app.ui.session.member is not None  # the member stays selected


def test_a_wrong_pin_asks_again_and_the_right_one_pays(start_app):
    ui = start_app()
    open_sale(ui, ZHANG)
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    add_product(ui, "CAKE", "bakery")
    due_shows(ui, "¥25.60")
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")
    type_member_pin(ui, WRONG_PIN)
    ui.until(lambda: "密码错误" in pin_prompt_text(ui), "the second try")
    assert store.card_balances(ZHANG.card_no) == before
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_screen("home")
    after = store.card_balances(ZHANG.card_no)
    assert (before.principal + before.bonus) - (after.principal + after.bonus) == 2560
    assert WRONG_PIN not in " ".join(ui.visible_texts())


def test_a_coupon_and_points_change_the_quote_in_english(start_app, screens_dir: Path):
    ui = start_app(language="en")
    open_sale(ui, ZHANG)
    add_product(ui, "LATTE", "drinks")
    add_product(ui, "CAKE", "bakery")
    due_shows(ui, "¥52.20")
    ui.type_into("sale.coupon", "WELCOME10")
    ui.tap("sale.coupon_apply")
    due_shows(ui, "¥42.20")
    assert "10.00" in ui.text_of("sale.quote.coupon")
    # 张三 has no points yet: the core refuses the offset and says so.
    ui.type_into("sale.points", "500")
    ui.tap("sale.points_apply")
    ui.wait_for_text("message", lambda text: "Not enough points" in text, "the refusal")
    ui.type_into("sale.points", "")
    ui.tap("sale.points_apply")
    due_shows(ui, "¥42.20")
    ui.tap("sale.tender.wechat")
    ui.wait_for_text("sale.tenders", lambda text: "Exact" in text, "the tenders")
    ui.screenshot(screens_dir / "en", "10-sale")


def test_a_coupon_used_in_a_sale_leaves_the_panel_and_is_refused_when_typed(start_app):
    ui = start_app()
    hq_listed_coupons(ui, ZHANG, "WELCOME10")
    signed_in_home(ui)
    tap_card(ui, ZHANG)
    ui.wait_for_text("member.coupons", lambda text: "WELCOME10" in text, "the member's coupon")
    ui.pump(5)  # the home screen laid out before it is touched
    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    ui.until(lambda: ui.has("sale.member_coupon.WELCOME10"), "the coupon's button")
    add_product(ui, "LATTE", "drinks")
    add_product(ui, "CAKE", "bakery")
    due_shows(ui, "¥52.20")
    ui.tap("sale.member_coupon.WELCOME10")
    due_shows(ui, "¥42.20")
    ui.tap("sale.tender.wechat")
    ui.tap("sale.confirm")
    ui.wait_for_screen("home")
    ui.wait_for_text("message", lambda text: "42.20" in text, "the sale's outcome")

    # The member shows their card again: HQ's list still has the coupon, the panel does not.
    ui.tap("home.clear")
    ui.wait_for_text("member.name", lambda text: "请刷卡" in text, "the panel cleared")
    tap_card(ui, ZHANG)
    ui.wait_for_text("member.coupons", lambda text: text == "优惠券 0 张 -", "no coupon")
    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    assert not ui.has("sale.member_coupon.WELCOME10")
    add_product(ui, "CAKE", "bakery")
    ui.type_into("sale.coupon", "WELCOME10")
    ui.tap("sale.coupon_apply")
    ui.wait_for_text("message", lambda text: "此优惠券已使用" in text, "the coupon refused")
    assert ui.app.runtime.store.coupons_used_here(["WELCOME10"]) == {"WELCOME10"}


def test_refusals_show_and_commit_nothing(start_app):
    ui = start_app()
    open_sale(ui, ZHANG)
    store = ui.app.runtime.store
    before, depth = store.card_balances(ZHANG.card_no), store.outbox_depth()
    add_product(ui, "FACIAL", "beauty")
    for qty in ("2", "3", "4"):
        tap_laid_out(ui, "sale.line.FACIAL.plus")
        ui.until(lambda qty=qty: qty_of(ui, "FACIAL") == qty, f"{qty} facials")
    due_shows(ui, "¥712.40")  # more than the ¥530.00 on the card
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_text("message", lambda text: "余额不足" in text, "the balance refusal")
    assert ui.screen_name() == "sale" and qty_of(ui, "FACIAL") == "4"
    ui.until(lambda: prompt_closed(ui), "the PIN prompt to close")
    # Offline, this terminal may take at most ¥200.00 from a card until HQ has the events.
    tap_laid_out(ui, "sale.line.FACIAL.remove")
    ui.until(lambda: not ui.has("sale.line.FACIAL.qty"), "the facials removed")
    add_product(ui, "FACIAL", "beauty")
    add_product(ui, "BEANS", "retail")
    # within the balance, over the offline limit; 特价 beans take no 满减 (特价不参与其他优惠)
    due_shows(ui, "¥261.10")
    ui.tap("sale.tenders_clear")
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_text("message", lambda text: "脱机限额" in text, "the offline limit")
    assert store.card_balances(ZHANG.card_no) == before
    assert store.outbox_depth() == depth
    assert ui.app.runtime.printer.printed == []
