"""Cards that cannot be used, refused by touch on the screens other than checkout that take money,
uses or points from a card: withdrawal, count use, cancellation with its refund, a timed
session's bill and a gift for points. The cashier reads why in their language; the member is
never asked for a PIN for such a card, and nothing is committed, printed or paid out."""

from __future__ import annotations

from datetime import timedelta

from membership.config_documents import BLACKLIST
from terminal.demo.members import DemoCard
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import MANAGER, on_worker
from tests.ui.member_steps import no_prompt_open
from tests.ui.sale_steps import committed, message_shows
from tests.ui.steps import WANG, ZHANG, drawer_kicks, signed_in_home, tap_card
from tests.ui.test_counter_flows import give_gifts_and_points
from tests.ui.test_sale import tap_laid_out


def open_for(ui: UiDriver, card: DemoCard, screen: str) -> None:
    signed_in_home(ui)
    tap_card(ui, card)
    ui.pump(5)  # the home screen laid out before it is touched
    ui.tap(f"home.action.{screen}")
    ui.wait_for_screen(screen)


def freeze(ui: UiDriver, card: DemoCard) -> None:
    """Frozen at the desk (its slip printed and then forgotten: the tests count their own)."""
    services = ui.app.services
    on_worker(ui, lambda: services.ops.freeze_card(
        services.ctx, MANAGER, services.members.member_context(card.card_no)).printing.wait(10))
    ui.app.runtime.printer.printed.clear()


def report_lost_elsewhere(ui: UiDriver, card: DemoCard) -> None:
    """The loss was reported at another store: HQ's blacklist brought it to this terminal."""
    ui.app.runtime.store.apply_config(BLACKLIST, "all", 1, {"cards": {card.card_no: "lost"}})


def refused_without_a_pin(ui: UiDriver, screen: str, *words: str) -> None:
    """The refusal is on the message line, the keypad was never asked, no prompt is open, and
    the cashier is still on `screen`."""
    message_shows(ui, *words)
    assert not ui.app.runtime.pinpad.requested and no_prompt_open(ui)
    assert ui.screen_name() == screen


def nothing_printed_or_paid(ui: UiDriver) -> None:
    ui.app.runtime.printing.wait_until_idle(10)
    assert ui.app.runtime.printer.printed == []
    assert drawer_kicks(ui) == 0


def test_a_frozen_card_is_refused_before_the_withdrawal_pin(start_app):
    ui = start_app()
    freeze(ui, ZHANG)
    before = committed(ui, ZHANG.card_no)
    open_for(ui, ZHANG, "withdraw")
    ui.type_into("withdraw.amount", "120")
    ui.tap("withdraw.confirm")
    refused_without_a_pin(ui, "withdraw", "此卡已冻结")
    assert committed(ui, ZHANG.card_no) == before
    assert before.balances.principal == 50_000  # the money is there: the status refuses it
    nothing_printed_or_paid(ui)


def test_a_card_lost_elsewhere_is_refused_before_the_withdrawal_pin_in_english(start_app):
    ui = start_app(language="en")
    open_for(ui, ZHANG, "withdraw")  # the blacklist arrives while the member is at the counter
    report_lost_elsewhere(ui, ZHANG)
    before = committed(ui, ZHANG.card_no)
    ui.type_into("withdraw.amount", "120")
    ui.tap("withdraw.confirm")
    refused_without_a_pin(ui, "withdraw", "reported lost")
    assert committed(ui, ZHANG.card_no) == before
    nothing_printed_or_paid(ui)


def use_one_facial(ui: UiDriver) -> None:
    ui.wait_for_text("count.service.FACIAL", lambda text: "10" in text, "the package")
    tap_laid_out(ui, "count.service.FACIAL")
    ui.wait_for_text("count.chosen", lambda text: "Facial" in text or "面部护理" in text,
                     "the chosen service")
    ui.tap("count.confirm")


def test_a_card_lost_elsewhere_uses_no_count_in_english(start_app):
    ui = start_app(language="en")
    report_lost_elsewhere(ui, WANG)
    before = committed(ui, WANG.card_no)
    open_for(ui, WANG, "count")
    use_one_facial(ui)
    refused_without_a_pin(ui, "count", "reported lost")
    assert committed(ui, WANG.card_no) == before
    nothing_printed_or_paid(ui)


def test_a_frozen_card_uses_no_count(start_app):
    ui = start_app()
    freeze(ui, WANG)
    before = committed(ui, WANG.card_no)
    open_for(ui, WANG, "count")
    use_one_facial(ui)
    refused_without_a_pin(ui, "count", "此卡已冻结")
    assert committed(ui, WANG.card_no) == before
    assert "10" in ui.text_of("count.service.FACIAL")  # the uses left, unchanged
    nothing_printed_or_paid(ui)


def test_a_frozen_card_is_refused_before_the_cancellation_pin(start_app):
    """退卡 may start from an active, lost or expired card, not a frozen one (the core's table):
    the cashier reads that before the member types a PIN for the refund."""
    ui = start_app()
    freeze(ui, ZHANG)
    before = committed(ui, ZHANG.card_no)
    open_for(ui, ZHANG, "cardops")
    ui.tap("cardops.action.cancel_card")
    ui.tap("cardops.confirm")
    refused_without_a_pin(ui, "cardops", "已冻结", "已退卡")
    assert committed(ui, ZHANG.card_no) == before
    nothing_printed_or_paid(ui)


def test_a_session_billed_to_a_card_lost_since_the_quote_asks_no_pin(start_app):
    """The cashier quoted 张三's session; the loss reached the terminal before the bill was
    confirmed with the stored value."""
    ui = start_app()
    store = ui.app.runtime.store
    older = store.start_time_session(ZHANG.card_no, "study",
                                     ui.app.runtime.cashier.clock() - timedelta(hours=2), "S01")
    open_for(ui, ZHANG, "time")
    ui.until(lambda: ui.has(f"time.session.{older.session_id}"), "the older session")
    tap_laid_out(ui, f"time.session.{older.session_id}")
    ui.wait_for_text("time.bill", lambda text: "¥30.00" in text, "the bill")
    ui.tap("time.tender.stored_value")
    ui.wait_for_text("time.tenders", lambda text: "30.00" in text, "the tender")
    report_lost_elsewhere(ui, ZHANG)
    before = committed(ui, ZHANG.card_no)
    ui.tap("time.confirm")
    refused_without_a_pin(ui, "time", "此卡已挂失")
    assert committed(ui, ZHANG.card_no) == before
    assert [session.session_id for session in store.open_time_sessions()] == [older.session_id]
    nothing_printed_or_paid(ui)


def test_a_card_lost_elsewhere_redeems_no_gift(start_app):
    ui = start_app()
    points = give_gifts_and_points(ui)
    assert points >= 200  # enough for the mug: the status refuses it
    report_lost_elsewhere(ui, ZHANG)
    before = committed(ui, ZHANG.card_no)
    open_for(ui, ZHANG, "gifts")
    ui.until(lambda: ui.has("gifts.gift.MUG"), "the gift list")
    ui.tap("gifts.gift.MUG")
    ui.tap("gifts.confirm")
    refused_without_a_pin(ui, "gifts", "此卡已挂失")
    assert committed(ui, ZHANG.card_no) == before
    nothing_printed_or_paid(ui)
