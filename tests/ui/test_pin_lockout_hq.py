"""Three wrong member PINs on the checkout screen for 李四's UID-only tag, whose PIN HQ keeps:
online, HQ counts them and locks the card until a person at HQ unlocks it; with HQ silent, this
terminal counts them against HQ's offline verifier and locks the card here. Either way the
cashier reads why, and no money moves. A real broker and HQ worker."""

from __future__ import annotations

from datetime import datetime

from hq.pins import unlock_pin
from tests.support.ui_driver import UiDriver
from tests.ui.sale_steps import (
    committed,
    last_sale,
    message_shows,
    pin_prompt_says,
    pin_refused,
)
from tests.ui.steps import LI
from tests.ui.test_sale import add_product, due_shows, open_sale, type_member_pin

WRONG_PINS = ("8642", "9753", "8531")  # digits shown nowhere else on screen


def online_app(start_app, broker, timeout_s: float = 5.0) -> UiDriver:
    """The demo terminal online; its seed's events at HQ (so the outbox stays put from here).
    No rebuild from HQ on the first connection: this HQ publishes no documents, and the
    rebuild would drop the demo documents the terminal seeds for itself."""
    ui = start_app(hq={"host": broker.host, "port": broker.port, "request_timeout_s": timeout_s,
                       "password": broker.accounts.password_for("T1"),
                       "rebuild_when_new": False}, terminal_id="T1")
    ui.until(lambda: ui.app.runtime.store.outbox_depth() == 0, "the outbox to drain")
    return ui


def pay_a_latte_from_li_s_tag(ui: UiDriver) -> None:
    add_product(ui, "LATTE")
    due_shows(ui, "¥26.60")
    ui.tap("sale.tenders_clear")
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")


def three_wrong_pins(ui: UiDriver) -> None:
    type_member_pin(ui, WRONG_PINS[0])
    pin_prompt_says(ui, "密码错误", "2 次")
    type_member_pin(ui, WRONG_PINS[1])
    pin_prompt_says(ui, "密码错误", "1 次")
    type_member_pin(ui, WRONG_PINS[2])


def hq_pin_row(hq_worker) -> tuple[int, bool]:
    rows = hq_worker.db.database.execute_sql(
        "SELECT failures, locked FROM member_pins WHERE card_no = ?", (LI.card_no,)).fetchall()
    assert len(rows) == 1
    return int(rows[0][0]), bool(rows[0][1])


def test_hq_counts_three_wrong_pins_and_locks_the_tag(start_app, broker, hq_worker):
    ui = online_app(start_app, broker)
    open_sale(ui, LI)
    assert ui.app.ui.session.member.from_hq
    before = committed(ui, LI.card_no)
    pay_a_latte_from_li_s_tag(ui)
    three_wrong_pins(ui)
    pin_refused(ui, "此卡已锁定", "总部")
    assert hq_pin_row(hq_worker) == (3, True)  # counted at HQ, not here
    assert ui.app.runtime.store.pin_failures(f"card:{LI.card_no}").failures == 0

    # The right PIN is refused too while HQ holds the lock.
    ui.tap("sale.confirm")
    type_member_pin(ui, LI.pin)
    pin_refused(ui, "此卡已锁定")
    assert committed(ui, LI.card_no) == before
    assert ui.app.runtime.printer.printed == []
    shown = " ".join(ui.visible_texts())
    assert not any(pin in shown for pin in (*WRONG_PINS, LI.pin))

    # A person at HQ lifts the lock (hq pins unlock): the member's PIN pays again.
    assert unlock_pin(hq_worker.db, LI.card_no, datetime.now())
    ui.tap("sale.confirm")
    type_member_pin(ui, LI.pin)
    ui.wait_for_screen("home")
    message_shows(ui, "26.60")
    assert last_sale(ui).card_no == LI.card_no
    assert hq_pin_row(hq_worker) == (0, False)


def test_with_hq_silent_the_terminal_counts_against_the_offline_verifier(
        start_app, broker, hq_worker):
    ui = online_app(start_app, broker, timeout_s=1.0)
    open_sale(ui, LI)
    store = ui.app.runtime.store
    assert store.known_card(LI.card_no).offline_pin_verifier  # HQ's lookup brought it
    hq_worker.stop()  # the broker stays up: PIN requests go out and nobody answers
    before = committed(ui, LI.card_no)
    pay_a_latte_from_li_s_tag(ui)
    three_wrong_pins(ui)
    pin_refused(ui, "离线", "已锁定")
    assert store.pin_failures(f"card:{LI.card_no}").failures == 3

    ui.tap("sale.confirm")  # locked here: even the right PIN is refused until HQ answers
    type_member_pin(ui, LI.pin)
    pin_refused(ui, "离线", "已锁定")
    assert committed(ui, LI.card_no) == before
    assert ui.app.runtime.printer.printed == []
    assert hq_pin_row(hq_worker) == (0, False)  # HQ never saw these tries
