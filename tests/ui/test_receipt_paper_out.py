"""The paper runs out in the middle of a sale's receipt, confirmed by touch on the sale screen:
the sale stands (ledger, outbox), the drawer still opens for the change, the cashier reads the
printer's message, and the receipt waits in the reprint list until paper is back and the
cashier prints it from there. The same when a timed session is stopped and billed, a member
enrolled or a shift opened and closed with the printer out of paper: the printer's message is
the last word on the line, after the operation's own."""

from __future__ import annotations

from datetime import timedelta

from membership.receipts import ReceiptKind, mask_card_no
from tests.support import escpos_parser as ep
from tests.ui.admin_steps import at_home
from tests.ui.member_steps import member_types_pin
from tests.ui.sale_steps import last_sale, message_shows, tender_totals
from tests.ui.steps import ZHANG, printed_lines
from tests.ui.test_card_flows import NEW_MEMBER_CARD, enrol_screen
from tests.ui.test_count_time import open_screen
from tests.ui.test_sale import add_product, due_shows, open_sale, tap_laid_out

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


def test_paper_out_when_a_session_is_billed_says_so_after_the_bill(start_app):
    ui = start_app()
    runtime = ui.app.runtime
    printer, store = runtime.printer, runtime.store
    # Begun two hours ago: 2 units of ¥15.00 after the 10 free minutes.
    older = store.start_time_session(ZHANG.card_no, "study",
                                     runtime.cashier.clock() - timedelta(hours=2), "S01")
    open_screen(ui, ZHANG, "time")
    ui.until(lambda: ui.has(f"time.session.{older.session_id}"), "the older session")
    tap_laid_out(ui, f"time.session.{older.session_id}")
    ui.wait_for_text("time.bill", lambda text: "¥30.00" in text, "the bill")
    ui.type_into("time.tender_amount", "50")
    ui.tap("time.tender.cash")
    ui.wait_for_text("time.tenders", lambda text: "20.00" in text, "the change")
    before, depth, kicks = store.card_balances(ZHANG.card_no), store.outbox_depth(), \
        printer.drawer_kicks
    printer.paper_out = True

    ui.tap("time.confirm")
    ui.until(lambda: store.open_time_sessions() == (), "the session to be billed")
    ui.until(lambda: ui.has("time.none"), "the list of sessions refreshed")
    message_shows(ui, "小票未打印", "纸", "重打小票")
    ui.pump(10)  # nothing still queued (the list, the bill's outcome) covers it
    assert "小票未打印" in ui.text_of("message")

    closed = store.time_session(older.session_id)
    assert closed is not None and closed.closed_by_op  # billed and closed in one commit
    assert store.outbox_depth() == depth + 1
    assert store.card_balances(ZHANG.card_no) == before  # paid in cash, not from the card
    assert printer.printed == []  # refused before a byte: the paper was out
    assert printer.drawer_kicks == kicks + 1  # the change is given all the same
    pending = runtime.printing.pending_reprints()
    assert [kept.receipt.op_id for kept in pending] == [closed.closed_by_op]


def test_paper_out_at_enrolment_is_said_on_home_after_the_pin(start_app):
    """The slip fails while the member types the new PIN; home then shows the new member and
    its own line: the printer's message must still be the last one there."""
    ui = start_app()
    runtime = ui.app.runtime
    printer, store = runtime.printer, runtime.store
    enrol_screen(ui)
    uid, card_no = NEW_MEMBER_CARD
    runtime.reader.present(uid=uid, card_no=card_no)
    ui.until(lambda: ui.text_of("enrol.card_no") == card_no, "the card number read")
    ui.type_into("enrol.name", "赵六")
    ui.tap("enrol.type.GOLD")
    depth = store.outbox_depth()
    printer.paper_out = True

    ui.tap("enrol.confirm")
    member_types_pin(ui, "2580")
    member_types_pin(ui, "2580")
    ui.wait_for_screen("home")
    ui.wait_for_text("member.name", lambda text: "赵六" in text, "the new member's panel")
    message_shows(ui, "小票未打印", "纸", "重打小票")
    ui.pump(10)  # nothing still queued (home's refresh, the outcome) covers it
    assert "小票未打印" in ui.text_of("message")

    known = store.known_card(card_no)
    assert known is not None and known.member.name == "赵六"  # issued whatever the printer did
    assert store.outbox_depth() > depth
    assert printer.printed == []
    pending = runtime.printing.pending_reprints()
    assert [(kept.receipt.kind, kept.receipt.card_no_masked) for kept in pending] == [
        (ReceiptKind.CARD_OPERATION, mask_card_no(card_no))]


def test_paper_out_at_shift_open_and_close_is_said_after_the_shift(start_app):
    ui = start_app()
    runtime = ui.app.runtime
    at_home(ui)
    ui.tap("home.action.shift")
    ui.wait_for_text("shift.heading", lambda text: "没有进行中的班次" in text, "no shift")
    runtime.printer.paper_out = True
    ui.type_into("shift.amount", "200")
    ui.tap("shift.open")
    ui.wait_for_text("shift.total.float", lambda text: "¥200.00" in text, "the shift open")
    message_shows(ui, "小票未打印", "纸")
    ui.pump(10)  # the totals' refresh does not cover it
    assert "小票未打印" in ui.text_of("message")

    ui.type_into("shift.amount", "200")
    ui.tap("shift.close")
    ui.wait_for_text("shift.heading", lambda text: "交班完成" in text, "the shift closed")
    message_shows(ui, "小票未打印", "纸")  # after the closing message, not under it
    ui.pump(10)
    assert "小票未打印" in ui.text_of("message")
    assert runtime.store.current_shift() is None
    assert runtime.printer.printed == []
    assert len(runtime.printing.pending_reprints()) == 2  # the opening slip, the shift report
