"""Refunds and voids (decide_refund): every balance a sale moved goes back, to the fen and point.

The sale used in most tests (Monday 2026-11-23 10:00, VIP card 9折, member with ¥1000.00
principal + ¥100.00 bonus, 800 points in lot P2025, a 3-use haircut pack):

    line 1  latte 3 × ¥28.00 = ¥84.00 → 9折 ¥75.60     staff E01
    line 2  cake  1 × ¥19.99         → 9折 ¥17.99
    line 3  haircut × 2 paid by count (short pack)      staff E03
    500 points = ¥5.00 off, spread 7560 : 1799 → 403.9 / 96.1 → 404 + 96
    nets 7156 + 1703 = ¥88.59 due: card ¥50.00, cash ¥38.59 (¥40.00 handed over, ¥1.41 change)
    card ¥50.00 over 7156 : 1703 → 4038.8 / 961.2 → 4039 + 961; cash 3117 + 742
    draw: bonus 5000 × 10000 / 110000 = 454.5 → 455, principal 4545;
          principal over 4039 : 961 → 3671.5 / 873.5 → 3671 + 874 (larger remainder to line 2)
          so line 1 principal 3671 bonus 368, line 2 principal 874 bonus 87
    points earned on (7156 - 368) + (1703 - 87) = 8404 fen → 84, spread 67.9 / 16.2 → 68 + 16
    commission: E01 10 % of ¥71.56 = ¥7.16; E03 2 uses × ¥8.00 = ¥16.00"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from membership import points
from membership.catalogue import SaleLine
from membership.errors import InvalidInput, RefundError
from membership.ledger import EntryKind, derive_balances
from membership.receipts import ReceiptKind, ReceiptRow
from membership.refunds import RefundRecord, RefundRequest, decide_refund
from membership.sale import SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from tests.support.refunds_world import (
    AT,
    CARD,
    LATER,
    LATTE,
    RULES,
    STORE,
    history,
    make_sale,
    moved,
    refund,
    snapshot,
)


@pytest.fixture
def sold():
    before = history()
    decision = make_sale(before)
    return before, decision


# --- the sale the refunds reverse ---------------------------------------------------------------


def test_the_sale_is_the_one_in_the_module_docstring(sold):
    _, decision = sold
    latte, cake, haircut = decision.record.lines
    assert decision.priced.amount_due == 8859
    assert (latte.net, cake.net, haircut.net) == (7156, 1703, 10000)
    assert latte.tender_parts == (("stored_value", 4039), ("cash", 3117))
    assert cake.tender_parts == (("stored_value", 961), ("cash", 742))
    assert (latte.principal, latte.bonus, cake.principal, cake.bonus) == (3671, 368, 874, 87)
    assert (latte.points_used, cake.points_used) == (404, 96)
    assert (latte.points_earned, cake.points_earned) == (68, 16)
    assert [(c.staff_id, c.amount) for c in decision.commissions] == [("E01", 716), ("E03", 1600)]


# --- full refund --------------------------------------------------------------------------------


def test_full_refund_restores_every_balance_exactly(sold):
    before, decision = sold
    after_sale = [*before, *decision.entries]
    result = refund(decision.record, after_sale)
    record = result.record
    assert record.quantities == ((1, 3), (2, 1), (3, 2))
    assert record.amount == 8859
    assert record.tender_refunds == (("stored_value", 5000), ("cash", 3859))
    assert moved(result.entries) == Counter({
        ("principal", "", 1): 3671, ("bonus", "", 1): 368,
        ("principal", "", 2): 874, ("bonus", "", 2): 87,
        ("count", "OLD-PACK1:HC3", 3): 2,  # back into the very package they came from
        ("points", "P2025", None): 500,  # points used go back into their lot
        ("points", "P2026", None): -84,  # points earned come back out of the lot they went to
    })
    assert all(e.kind is EntryKind.REFUND and e.reverses_op == "T01-100" and e.op_id == "T01-200"
               for e in result.entries)
    assert [(c.staff_id, c.amount, c.source_amount) for c in result.commissions] == [
        ("E01", -716, -7156), ("E03", -1600, -10000)]
    assert snapshot(derive_balances([*after_sale, *result.entries])) == snapshot(
        derive_balances(before))
    # For level evaluation the refund is negative spend and points.
    assert (result.activity.spend, result.activity.points) == (-8859, -84)


def test_refund_receipt_and_event(sold):
    before, decision = sold
    result = refund(decision.record, [*before, *decision.entries])
    receipt = result.receipt
    assert receipt.kind is ReceiptKind.REFUND
    assert receipt.card_no_masked == "88****01"
    assert [(line.name, line.qty, line.amount) for line in receipt.lines] == [
        ("拿铁咖啡", 3, -7156), ("蛋糕", 1, -1703), ("洗剪吹", 2, 0)]
    assert receipt.totals == (ReceiptRow("receipt.original_sale", value="T01-100"),
                              ReceiptRow("receipt.refund_total", -8859))
    assert receipt.tenders == (ReceiptRow("tender.stored_value", -5000),
                               ReceiptRow("tender.cash", -3859))
    (event,) = result.events
    assert (event.type, event.op_id) == ("sale.refunded", "T01-200")
    assert event.payload["amount"] == 8859
    assert event.payload["tender_refunds"] == [["stored_value", 5000], ["cash", 3859]]
    assert sum(e["delta"] for e in event.payload["entries"] if e["account"] == "principal") == 4545


def test_void_reverses_the_whole_sale_as_a_voided_event(sold):
    before, decision = sold
    result = refund(decision.record, [*before, *decision.entries], void=True,
                    quantities={1: 1})  # a void ignores quantities: it is always the whole sale
    assert result.record.is_void
    assert result.record.amount == 8859
    assert result.events[0].type == "sale.voided"


def test_guest_refund_moves_no_balance():
    request = SaleRequest("T01-300", AT, (SaleLine(1, LATTE, 2),), (Tender(TenderKind.CASH, 6000),))
    guest_sale = decide_sale(request, STORE, RULES, None)
    result = decide_refund(RefundRequest("T01-301", LATER, guest_sale.record, "店长王"), None)
    assert result.entries == ()
    assert result.record.tender_refunds == (("cash", 5600),)
    assert result.activity is None


# --- partial refunds ----------------------------------------------------------------------------


def test_three_latte_refunded_one_by_one_sum_to_the_full_refund(sold):
    before, decision = sold
    ledger = [*before, *decision.entries]
    steps: list[RefundRecord] = []
    results = []
    for number in range(3):
        result = refund(decision.record, ledger, op_id=f"T01-20{number}", prior=steps,
                        quantities={1: 1})
        ledger += result.entries
        steps.append(result.record)
        results.append(result)
    # Card part of line 1 = 4039: principal 3671 → 1223 a unit, its 2 leftover fen to units 1
    # and 2; bonus 368 → 122 a unit, its 2 leftover fen to the next units (3, then 1 again).
    principal_steps = [moved(r.entries)[("principal", "", 1)] for r in results]
    bonus_steps = [moved(r.entries)[("bonus", "", 1)] for r in results]
    assert principal_steps == [1224, 1224, 1223]
    assert bonus_steps == [123, 122, 123]
    # Cash 3117 → 1039 each; the amounts refunded: 2386 + 2385 + 2385 = 7156 (the line's net),
    # the units no more than one fen apart.
    assert [r.record.tender_refunds for r in results] == [
        (("stored_value", 1347), ("cash", 1039)),
        (("stored_value", 1346), ("cash", 1039)),
        (("stored_value", 1346), ("cash", 1039)),
    ]
    assert sum(r.record.amount for r in results) == 7156
    # Points used 404 → 135 + 134 + 135 back; points earned 68 → 23 + 22 + 23 taken back.
    assert [moved(r.entries)[("points", "P2025", None)] for r in results] == [135, 134, 135]
    assert [moved(r.entries)[("points", "P2026", None)] for r in results] == [-23, -22, -23]
    # Commission ¥7.16 → 239 + 238 + 239.
    assert [r.commissions[0].amount for r in results] == [-239, -238, -239]

    whole = refund(decision.record, [*before, *decision.entries], quantities={1: 3})
    step_total = moved(entry for r in results for entry in r.entries)
    assert step_total == moved(whole.entries)
    assert sum(r.commissions[0].amount for r in results) == whole.commissions[0].amount == -716


def test_partial_then_rest_restores_the_balances(sold):
    before, decision = sold
    ledger = [*before, *decision.entries]
    first = refund(decision.record, ledger, quantities={1: 2, 3: 1})
    ledger += first.entries
    # The one haircut use goes back into the short pack it came from.
    assert moved(first.entries)[("count", "OLD-PACK1:HC3", 3)] == 1
    rest = refund(decision.record, ledger, op_id="T01-201", prior=[first.record])
    assert rest.record.quantities == ((1, 1), (2, 1), (3, 1))
    ledger += rest.entries
    assert snapshot(derive_balances(ledger)) == snapshot(derive_balances(before))
    tender_sum: Counter = Counter()
    for record in (first.record, rest.record):
        tender_sum.update(dict(record.tender_refunds))
    assert tender_sum == Counter({"stored_value": 5000, "cash": 3859})


def test_points_used_go_back_to_the_latest_expiring_lot_first():
    # 300 points in P2025 (last day 2026-12-31) and 1000 in P2026 (last day 2027-12-31).
    # The sale takes 500: 300 from P2025 first, then 200 from P2026.
    before = [*history(old_points=300),
              *points.earn_entries(CARD.card_no, "OLD-EARN2", 1000, datetime(2026, 3, 1),
                                   points.PointsExpiry())]
    decision = make_sale(before)
    taken = [(e.lot, e.delta) for e in decision.entries if e.kind is EntryKind.REDEEM]
    assert taken == [("P2025", -300), ("P2026", -200)]
    # Refunding the cake (points used 96) refills the lot that lasts longest: P2026.
    result = refund(decision.record, [*before, *decision.entries], quantities={2: 1})
    assert moved(result.entries)[("points", "P2026", None)] == 96 - 16  # 96 back, 16 clawed back
    assert moved(result.entries)[("points", "P2025", None)] == 0


# --- refused refunds ----------------------------------------------------------------------------


def test_refunding_more_than_is_left_is_refused(sold):
    before, decision = sold
    ledger = [*before, *decision.entries]
    first = refund(decision.record, ledger, quantities={1: 2})
    with pytest.raises(RefundError) as caught:
        refund(decision.record, [*ledger, *first.entries], prior=[first.record],
               quantities={1: 2})
    assert caught.value.key == "refund.exceeds"
    assert caught.value.params == {"line_no": 1, "requested": 2, "left": 1}


def test_refunding_after_everything_was_refunded_is_refused(sold):
    before, decision = sold
    ledger = [*before, *decision.entries]
    everything = refund(decision.record, ledger)
    with pytest.raises(RefundError) as caught:
        refund(decision.record, [*ledger, *everything.entries], op_id="T01-201",
               prior=[everything.record])
    assert caught.value.key == "refund.nothing_left"


def test_void_after_a_partial_refund_is_refused(sold):
    before, decision = sold
    ledger = [*before, *decision.entries]
    partial = refund(decision.record, ledger, quantities={2: 1})
    with pytest.raises(RefundError) as caught:
        refund(decision.record, [*ledger, *partial.entries], prior=[partial.record], void=True)
    assert caught.value.key == "refund.void_after_refund"


def test_refund_needs_a_manager(sold):
    before, decision = sold
    with pytest.raises(RefundError) as caught:
        refund(decision.record, [*before, *decision.entries], manager="")
    assert caught.value.key == "refund.needs_manager"


@pytest.mark.parametrize(("quantities", "error", "key"), [
    ({9: 1}, RefundError, "refund.unknown_line"),
    ({1: 0}, InvalidInput, "refund.qty_not_positive"),
    ({1: -1}, InvalidInput, "refund.qty_not_positive"),
])
def test_bad_quantities_are_refused(sold, quantities, error, key):
    before, decision = sold
    with pytest.raises(error) as caught:
        refund(decision.record, [*before, *decision.entries], quantities=quantities)
    assert caught.value.key == key


def test_a_refund_of_another_sale_cannot_count_as_prior(sold):
    before, decision = sold
    stranger = RefundRecord("T09-1", "T09-0", LATER, ((1, 1),), 100, (("cash", 100),))
    with pytest.raises(InvalidInput) as caught:
        refund(decision.record, [*before, *decision.entries], prior=[stranger])
    assert caught.value.key == "refund.wrong_sale"


# --- replaced cards and spent points ------------------------------------------------------------
