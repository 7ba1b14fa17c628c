"""terminal.store.codec: the documents the store keeps come back exactly as they went in."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from membership import counter_operations as counter
from membership import stored_value
from membership.cards import Card
from membership.catalogue import SaleLine
from membership.counter_operations import Operation
from membership.ledger import derive_balances
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo
from terminal.store import StoreCorrupt
from terminal.store.codec import (
    decoding,
    json_ready,
    json_text,
    receipt_from_plain,
    record_json,
    refund_record_from_plain,
    sale_record_from_plain,
)
from terminal.store.models import compact_json

AT = datetime(2026, 11, 23, 14, 0)


def through_json(value: object) -> object:
    return json.loads(compact_json(json_ready(value)))


def member_with_money() -> MemberContext:
    card = Card("8800000000000001", "M0001", "GOLD", issued_on=date(2026, 1, 5))
    entries = stored_value.top_up(card, demo.GOLD_CARD, derive_balances([]), 100000, "T1-2",
                                  AT - timedelta(hours=5)).entries
    return MemberContext(card, demo.GOLD_CARD, derive_balances(entries), member_name="张三")


def a_sale():
    """A facial by staff S02 (a commission), a latte, card and cash, points earned."""
    lines = (SaleLine(1, demo.PRODUCTS["FACIAL"], 1, staff_id="S02"),
             SaleLine(2, demo.PRODUCTS["LATTE"], 2))
    tenders = (Tender(TenderKind.STORED_VALUE, 10000), Tender(TenderKind.CASH, 50000))
    return decide_sale(SaleRequest("T1-3", AT, lines, tenders), demo.STORE, demo.RULES,
                       member_with_money())


def test_a_sale_record_round_trips_with_lines_commissions_and_entries():
    sale = a_sale()
    assert sale.record.commissions and sale.record.entries
    document = json.loads(record_json(sale.record))
    assert "entries" not in document  # they are stored once, in the ledger
    assert sale_record_from_plain(document, sale.entries) == sale.record


def test_a_refund_record_and_its_receipt_round_trip():
    sale = a_sale()
    refund = decide_refund(
        RefundRequest("T1-4", AT + timedelta(hours=1), sale.record, authorised_by="李店长",
                      quantities={2: 1}),
        member_with_money().balances,
    )
    document = json.loads(record_json(refund.record))
    assert refund_record_from_plain(document, refund.entries) == refund.record
    assert receipt_from_plain(through_json(refund.receipt)) == refund.receipt


def test_receipts_round_trip_with_balances_and_times_with_an_offset():
    shanghai = timezone(timedelta(hours=8))
    top_up = counter.top_up(Operation("T1-5", AT.replace(tzinfo=shanghai), demo.STORE),
                            member_with_money(), 50000, [Tender(TenderKind.CASH, 50000)])
    assert top_up.receipt.balances
    assert receipt_from_plain(through_json(top_up.receipt)) == top_up.receipt
    assert receipt_from_plain(through_json(a_sale().receipt)) == a_sale().receipt


def test_a_document_that_no_longer_fits_is_reported_as_corrupt():
    broken = json.loads(record_json(a_sale().record))
    del broken["lines"]
    with pytest.raises(StoreCorrupt) as corrupt, decoding("sale", "T1-3"):
        sale_record_from_plain(broken, ())
    assert corrupt.value.params["document"] == "sale"


def test_the_one_pass_encoder_writes_the_same_text_as_plain_then_json():
    """The journal encodes with json_text; readers and older rows went through json_ready()."""
    sale = a_sale()
    shanghai = timezone(timedelta(hours=8))
    top_up = counter.top_up(Operation("T1-5", AT.replace(tzinfo=shanghai), demo.STORE),
                            member_with_money(), 50000, [Tender(TenderKind.CASH, 50000)])
    for value in (sale.record, sale.receipt, sale.entries, top_up.receipt, top_up.cards,
                  member_with_money().balances, {1: date(2026, 1, 5), "k": (TenderKind.CASH,)}):
        assert json_text(value) == compact_json(json_ready(value))


def test_the_one_pass_encoder_refuses_what_is_not_json_data():
    with pytest.raises(TypeError, match="set"):
        json_text({"codes": {"A", "B"}})


def test_what_orjson_refuses_the_standard_encoder_writes_alike():
    """An integer past 64 bits (never money, but a payload is not to crash the journal)."""
    value = {"big": 2**70, "entries": a_sale().entries}
    assert json_text(value) == compact_json(json_ready(value))
