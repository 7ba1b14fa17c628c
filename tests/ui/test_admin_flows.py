"""After-sale screens, driven by touches in the real window against the real store and simulated
devices: refund and void with a manager's approval, reprints, and a receipt kept when the paper
runs out. Earlier sales are made through the cashier services (tests/ui/admin_steps.py)."""

from __future__ import annotations

from pathlib import Path

from membership.money import format_fen, unit_shares
from terminal.demo.staff import (
    CASHIER_ID,
    MANAGER_ID,
)
from tests.ui.admin_steps import (
    approve_as_manager,
    at_home,
    card_sale,
    cash_sale,
    message_shows,
    prompt_closes,
    store,
)
from tests.ui.steps import ZHANG, drawer_kicks, printed_lines, tap_card


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
    # One of two identical lattes: its unit's share of principal and bonus, shared out together
    # (money.unit_shares) so that both lattes give back the same amount.
    cash = [amount for kind, amount in latte.tender_parts if kind != "stored_value"]
    principal, bonus, *_ = unit_shares([latte.principal, latte.bonus, *cash], 0, 1, 2)
    assert (after.principal, after.bonus) == (before.principal + principal,
                                              before.bonus + bonus)
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
    assert "1 receipt waiting" in ui.text_of("reprint.heading")  # one: singular
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
