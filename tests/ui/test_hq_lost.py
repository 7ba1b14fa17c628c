"""HQ stops answering in the middle of the day: the card's authorisation times out and the
terminal decides offline, within the offline limits HQ published — a small stored-value sale
goes through marked offline, a large one is refused with a clear message and moves no money."""

from __future__ import annotations

from tests.ui.steps import ZHANG, printed_lines
from tests.ui.test_sale import add_product, due_shows, open_sale, type_member_pin, wait_for_receipt


def test_hq_silent_during_an_authorisation(start_app, broker, hq_worker):
    ui = start_app(hq={"host": broker.host, "port": broker.port, "request_timeout_s": 1.0,
                       "password": broker.accounts.password_for("T1")}, terminal_id="T1")
    runtime = ui.app.runtime
    open_sale(ui, ZHANG)
    ui.wait_for_text("status.connection", lambda text: text == "在线", "online")
    hq_worker.stop()  # the broker stays up: the request goes out and nobody answers
    store = runtime.store
    before = store.card_balances(ZHANG.card_no)
    add_product(ui, "LATTE")
    due_shows(ui, "¥26.60")
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_screen("home")
    after = store.card_balances(ZHANG.card_no)
    assert (before.principal + before.bonus) - (after.principal + after.bonus) == 2660
    wait_for_receipt(ui)
    assert any("离线" in line for line in printed_lines(ui))  # the receipt says so

    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    depth = store.outbox_depth()
    add_product(ui, "FACIAL", "beauty")  # with the ¥26.60 unsynced: over the ¥200 card limit
    add_product(ui, "BEANS", "retail")
    due_shows(ui, "¥261.10")  # 特价 beans take no 满减: only the facial counts toward it
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")
    type_member_pin(ui, ZHANG.pin)
    ui.wait_for_text("message", lambda text: "脱机" in text or "离线" in text,
                     "the offline-limit refusal")
    assert store.card_balances(ZHANG.card_no) == after
    assert store.outbox_depth() == depth
