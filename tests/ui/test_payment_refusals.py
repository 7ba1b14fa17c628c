"""Cards that cannot pay, refused on the checkout screen by touch: a member card whose own retry
counter locks it after three wrong PINs, an expired card, a frozen card and a card reported
lost. The cashier reads why in their language; no money moves, nothing is committed or printed,
and a card that cannot pay is refused before its member is asked for a PIN."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from membership.cards import Card
from membership.config_documents import BLACKLIST
from membership.ledger import CardBalances
from terminal.cashier.ports import MemberProfile, MemberRecord
from terminal.demo.members import DemoCard
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import MANAGER, on_worker
from tests.ui.member_steps import no_prompt_open
from tests.ui.sale_steps import committed, message_shows, pin_prompt_says, pin_refused
from tests.ui.steps import UNKNOWN, WANG, ZHANG
from tests.ui.test_sale import add_product, due_shows, open_sale, type_member_pin

WRONG_PINS = ("8642", "9753", "8531")  # digits shown nowhere else on screen


def pay_from_stored_value(ui: UiDriver, card: DemoCard, due: str = "¥26.60") -> None:
    """On the sale screen with `card`'s member: a latte, the stored value pays, confirm."""
    open_sale(ui, card)
    add_product(ui, "LATTE")
    due_shows(ui, due)
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")


def refused_before_any_pin(ui: UiDriver, *words: str) -> None:
    """The refusal is on the message line, the keypad was never asked, the cart is kept."""
    message_shows(ui, *words)
    assert not ui.app.runtime.pinpad.requested and no_prompt_open(ui)
    assert ui.screen_name() == "sale" and ui.has("sale.line.LATTE.qty")


def test_three_wrong_pins_lock_the_member_card_itself(start_app):
    ui = start_app()
    before = committed(ui, ZHANG.card_no)
    pay_from_stored_value(ui, ZHANG)
    type_member_pin(ui, WRONG_PINS[0])
    pin_prompt_says(ui, "密码错误", "2 次")
    type_member_pin(ui, WRONG_PINS[1])
    pin_prompt_says(ui, "密码错误", "1 次")
    type_member_pin(ui, WRONG_PINS[2])
    pin_refused(ui, "此卡已锁定", "换卡")

    # The card's own counter locked it: even the right PIN cannot open it now.
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    pin_refused(ui, "此卡已锁定", "换卡")
    assert committed(ui, ZHANG.card_no) == before
    assert ui.app.runtime.printer.printed == []
    shown = " ".join(ui.visible_texts())
    assert not any(pin in shown for pin in (*WRONG_PINS, ZHANG.pin))


def test_an_expired_card_is_refused_with_its_last_day(start_app):
    """A member of another store, as HQ's directory answered for them: their card's last valid
    day was yesterday. It still holds ¥100.00."""
    ui = start_app(language="en")
    yesterday = date.today() - timedelta(days=1)
    card = Card(UNKNOWN.card_no, "M0901", "GOLD", issued_on=yesterday - timedelta(days=730),
                expires_on=yesterday)
    ui.app.runtime.store.cache_member_record(MemberRecord(
        MemberProfile("M0901", "赵六", "13600136009"), card, CardBalances(principal=10_000),
        datetime.now(), uid=UNKNOWN.uid))
    expired = DemoCard("", UNKNOWN.card_no, UNKNOWN.uid, name="赵六")
    before = committed(ui, expired.card_no)
    pay_from_stored_value(ui, expired)
    refused_before_any_pin(ui, "expired")
    assert committed(ui, expired.card_no) == before
    assert before.balances.principal == 10_000  # the money is there: the date refuses it
    assert ui.app.runtime.printer.printed == []


def test_a_card_frozen_at_the_desk_is_refused_at_checkout(start_app):
    ui = start_app()
    services = ui.app.services
    on_worker(ui, lambda: services.ops.freeze_card(  # a manager freezes it at the desk
        services.ctx, MANAGER, services.members.member_context(WANG.card_no)).printing.wait(10))
    before = committed(ui, WANG.card_no)
    pay_from_stored_value(ui, WANG)
    refused_before_any_pin(ui, "此卡已冻结")
    # Nor may the frozen card's member pay some other way as a member. (A second latte: the
    # new quote clears the message line, so the refusal read below is a new one.)
    ui.tap("sale.line.LATTE.plus")
    due_shows(ui, "¥53.20")
    ui.until(lambda: ui.text_of("message") == "", "the message line cleared")
    ui.tap("sale.tenders_clear")
    ui.tap("sale.tender.cash")
    ui.tap("sale.confirm")
    message_shows(ui, "此卡已冻结")
    assert committed(ui, WANG.card_no) == before
    assert ui.app.runtime.printer.printed == []


def test_a_card_reported_lost_elsewhere_is_refused_at_checkout(start_app):
    """The loss was reported at another store: HQ's blacklist brought it to this terminal."""
    ui = start_app()
    ui.app.runtime.store.apply_config(BLACKLIST, "all", 1, {"cards": {ZHANG.card_no: "lost"}})
    before = committed(ui, ZHANG.card_no)
    pay_from_stored_value(ui, ZHANG)
    refused_before_any_pin(ui, "此卡已挂失")
    assert committed(ui, ZHANG.card_no) == before
    assert ui.app.runtime.printer.printed == []
