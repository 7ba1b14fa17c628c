"""Shift totals, the shift report and the shift events (membership.shift_report)."""

from __future__ import annotations

from datetime import datetime

import pytest

from membership.counter_operations import Operation
from membership.receipts import ReceiptKind, ReceiptRow
from membership.sale import StoreContext
from membership.shift_report import (
    ShiftClose,
    ShiftTally,
    ShiftTotals,
    shift_closed_decision,
    shift_opened_decision,
)
from protocol.wire import EVENT_TYPES, validate_event_payload
from terminal.i18n import has_translation

STORE = StoreContext("SH001", "SH001-T1", "静安旗舰店", "王小丽")
OPENED = datetime(2026, 11, 23, 9, 0)
CLOSED = datetime(2026, 11, 23, 18, 30)


def cash_tender(amount: int) -> dict[str, object]:
    return {"kind": "cash", "amount": amount, "reference": ""}


def a_day() -> ShiftTotals:
    tally = ShiftTally(opening_float=50000)
    tally.add_sale(17180, [("stored_value", 15000), ("cash", 2180)])
    tally.add_sale(2800, [("wechat", 2800)])
    tally.add_refund(1000, [("cash", 600), ("stored_value", 400)])
    tally.add_counter_event("card.topped_up", {"paid": 100000, "bonus": 10000,
                                               "tenders": [cash_tender(100000)]})
    tally.add_counter_event("card.issued", {"join_fee": 2000, "tenders": [cash_tender(2000)]})
    tally.add_counter_event("card.withdrawn", {"amount": 5000, "tenders": []})
    tally.add_counter_event("card.cancelled", {"refund_to_member": 8000, "fee_kept": 2000})
    tally.add_counter_event("shift.opened", {"opening_float": 99999, "tenders": [
        cash_tender(99999)]})  # the shift's own events are not business
    tally.add_count_use("FACIAL", 1)
    tally.add_count_use("FACIAL", 2)
    tally.add_count_use("WASH", 1)
    return tally.totals()


def test_the_tally_adds_up_a_shifts_business_per_tender_kind():
    totals = a_day()
    assert totals.takings == {"stored_value": 15000, "cash": 104180, "wechat": 2800}
    assert list(totals.takings) == ["stored_value", "cash", "wechat"]  # TenderKind order
    assert (totals.sales_count, totals.sales_total) == (2, 19980)
    assert (totals.topups_count, totals.topups_amount) == (1, 100000)
    assert (totals.refunds_count, totals.refunds_amount) == (1, 1000)
    assert totals.refunds_by_tender == {"stored_value": 400, "cash": 600}
    assert (totals.withdrawals_count, totals.withdrawals_amount) == (1, 5000)
    assert totals.cash_paid_out == 8000
    assert totals.count_uses == {"FACIAL": 3, "WASH": 1}


def test_expected_cash_is_the_float_plus_cash_in_less_cash_out():
    totals = a_day()
    assert totals.cash_out == 600 + 5000 + 8000
    assert totals.expected_cash == 50000 + 104180 - 13600


def test_an_empty_shift_expects_its_float():
    totals = ShiftTally(30000).totals()
    assert totals == ShiftTotals(opening_float=30000)
    assert totals.expected_cash == 30000


def test_the_opening_event_and_slip():
    op = Operation("SH001-T1-000001", OPENED, STORE, "S01")
    decision = shift_opened_decision(op, 50000)
    (event,) = decision.events
    assert event.type == "shift.opened" and event.type in EVENT_TYPES
    assert event.payload == {"store_id": "SH001", "staff_id": "S01", "opening_float": 50000}
    validate_event_payload(event.payload)
    assert decision.entries == () and decision.settlement is None
    assert decision.receipt.kind is ReceiptKind.SHIFT
    assert ReceiptRow("receipt.opening_float", 50000) in decision.receipt.totals


def test_the_shift_report_and_the_closing_event():
    op = Operation("SH001-T1-000042", CLOSED, STORE, "S01")
    totals = a_day()
    decision = shift_closed_decision(op, totals, ShiftClose(OPENED, 140000))
    (event,) = decision.events
    assert event.type == "shift.closed" and event.type in EVENT_TYPES
    validate_event_payload(event.payload)  # HQ accepts it (a shortage is not a negative amount)
    assert event.payload["expected_cash"] == 140580
    assert event.payload["cash_difference"] == -580
    assert event.payload["takings"] == {"stored_value": 15000, "cash": 104180, "wechat": 2800}
    assert event.payload["opened_at"] == "2026-11-23T09:00:00"

    receipt = decision.receipt
    assert (receipt.kind, receipt.op_id, receipt.cashier) == (ReceiptKind.SHIFT,
                                                             "SH001-T1-000042", "王小丽")
    rows = {row.label_key: row for row in receipt.totals}
    assert rows["receipt.shift_started"].value == "2026-11-23 09:00"
    assert rows["receipt.shift_ended"].value == "2026-11-23 18:30"
    assert rows["receipt.sales_count"].value == "2" and rows["receipt.sales_total"].amount == 19980
    assert rows["receipt.cash_paid_out"].amount == 8000
    refunded = [(row.label_key, row.amount) for row in receipt.totals
                if row.label_key.startswith("receipt.refunded.")]
    assert refunded == [("receipt.refunded.stored_value", 400), ("receipt.refunded.cash", 600)]
    assert all(has_translation(key, lang) for key, _ in refunded for lang in ("zh_CN", "en"))
    uses = [row.value for row in receipt.totals if row.label_key == "receipt.count_uses"]
    assert uses == ["FACIAL ×3", "WASH ×1"]
    assert receipt.tenders == (ReceiptRow("tender.stored_value", 15000),
                               ReceiptRow("tender.cash", 104180),
                               ReceiptRow("tender.wechat", 2800))
    assert receipt.balances == (ReceiptRow("receipt.opening_float", 50000),
                                ReceiptRow("receipt.expected_cash", 140580),
                                ReceiptRow("receipt.counted_cash", 140000),
                                ReceiptRow("receipt.cash_difference", -580))


def test_nothing_paid_out_leaves_the_cash_paid_out_row_off():
    op = Operation("SH001-T1-000002", CLOSED, STORE, "S01")
    receipt = shift_closed_decision(op, ShiftTally(0).totals(), ShiftClose(OPENED, 0)).receipt
    assert "receipt.cash_paid_out" not in {row.label_key for row in receipt.totals}


def test_totals_are_immutable():
    totals = a_day()
    with pytest.raises(TypeError):
        totals.takings["cash"] = 0  # type: ignore[index]
