"""The paper runs out in the middle of a sale's receipt, confirmed by touch on the sale screen:
the sale stands (ledger, outbox), the drawer still opens for the change, the cashier reads the
printer's message, and the receipt waits in the reprint list until paper is back and the
cashier prints it from there."""

from __future__ import annotations

from tests.support import escpos_parser as ep
from tests.ui.sale_steps import last_sale, message_shows, tender_totals
from tests.ui.steps import printed_lines
from tests.ui.test_sale import add_product, due_shows, open_sale

ROLL_END_BYTES = 160  # what is left on the roll: the receipt's head, not its end


def job_lines(job: bytes) -> list[str]:
    return [element.text for element in ep.parse(job) if isinstance(element, ep.Text)]


def test_paper_out_mid_receipt_keeps_the_sale_and_the_receipt_for_a_reprint(start_app):
    ui = start_app()
    runtime = ui.app.runtime
    printer, store = runtime.printer, runtime.store
    open_sale(ui)
    depth, kicks = store.outbox_depth(), printer.drawer_kicks
    printer.fail_after_bytes = ROLL_END_BYTES
    add_product(ui, "LATTE", "drinks")
    due_shows(ui, "¥28.00")
    ui.type_into("sale.tender_amount", "50")
    ui.tap("sale.tender.cash")
    ui.tap("sale.confirm")
    ui.wait_for_screen("home")
    message_shows(ui, "小票未打印", "纸", "重打小票")

    sale = last_sale(ui)  # committed whatever the printer did
    assert tender_totals(sale) == {"cash": 2800} and sale.change == 2200
    assert store.outbox_depth() == depth + 1
    assert printer.paper_out
    assert len(printer.printed) == 1 and len(printer.printed[0]) == ROLL_END_BYTES
    head = job_lines(printer.printed[0])
    assert "消费小票" in head and not any("谢谢惠顾" in line for line in head)
    assert printer.drawer_kicks == kicks + 1  # the change is given now; the receipt follows
    assert [kept.receipt.op_id for kept in runtime.printing.pending_reprints()] == [sale.op_id]

    ui.tap("home.action.reprint")
    ui.wait_for_screen("reprint")
    row = f"reprint.row.{sale.op_id}"
    ui.wait_for_text(row, lambda text: "缺纸" in text and "消费小票" in text,
                     "the receipt waiting with its reason")
    ui.tap("sim.paper")  # a new roll
    assert not printer.paper_out
    ui.tap(f"reprint.one.{sale.op_id}")
    message_shows(ui, "已打印", sale.op_id)
    ui.until(lambda: not ui.has(row), "the list to empty")
    assert runtime.printing.pending_reprints() == ()
    whole = job_lines(printer.printed[-1])
    assert whole[0] == "消费小票" and any(sale.op_id in line for line in whole)
    assert any("拿铁咖啡" in line for line in whole)
    assert any("实收现金" in line and "50.00" in line for line in whole)
    assert any("找零" in line and "22.00" in line for line in whole)
    assert any("谢谢惠顾" in line for line in whole)
    assert printer.drawer_kicks == kicks + 1  # printing it again does not open the till
    assert len([line for line in printed_lines(ui) if line == "消费小票"]) == 2
