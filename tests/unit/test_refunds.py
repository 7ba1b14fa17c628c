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
    commission: E01 10 % of ¥71.56 = ¥7.16; E03 2 uses × ¥8.00 = ¥16.00
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership import counts, points, stored_value, subsidiary
from membership.cards import (
    BonusTier,
    Card,
    CardType,
    CountPackage,
    DrawOrder,
    Feature,
    QuotaPeriod,
)
from membership.catalogue import Product, SaleLine
from membership.commission import CommissionBasis, CommissionRule
from membership.errors import InvalidInput, RefundError
from membership.ledger import CardBalances, EntryKind, LedgerEntry, derive_balances
from membership.lifecycle import replace_card
from membership.pricing import PointsOffsetRule
from membership.receipts import ReceiptKind, ReceiptRow
from membership.refunds import RefundRecord, RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, SaleRules, StoreContext, decide_sale
from membership.tenders import Tender, TenderKind

AT = datetime(2026, 11, 23, 10, 0)
LATER = datetime(2026, 11, 24, 15, 30)
STORE = StoreContext("S01", "T01", "旗舰店", "小王")

LATTE = Product("P1", "拿铁咖啡", "drinks", 2800)
CAKE = Product("P2", "蛋糕", "food", 1999)
HAIRCUT = Product("haircut", "洗剪吹", "service", 5000, is_service=True)
SHORT_PACK = CountPackage("HC3", "洗剪吹3次", "haircut", uses=3, price=12000, validity_days=30)
LONG_PACK = CountPackage("HC10", "洗剪吹10次", "haircut", uses=10, price=40000, validity_days=365)

VIP = CardType(
    code="VIP", name="VIP卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.DISCOUNT, Feature.COUNT}),
    discount_bp=9000,
    bonus_tiers=(BonusTier(min_paid=100000, bonus=10000),),
    count_packages=(SHORT_PACK, LONG_PACK),
)
CARD = Card("88000001", "M1", "VIP", issued_on=date(2025, 1, 1))
RULES = SaleRules(
    earning=points.EarningRule(),
    points_offset=PointsOffsetRule(points_per_yuan=100, max_share_bp=5000),
    commission_rules=(
        CommissionRule("DRINKS10", CommissionBasis.SALE, category="drinks", rate_bp=1000),
        CommissionRule("HAIRCUT-USE", CommissionBasis.COUNT_USE, product_code="haircut",
                       fixed_per_unit=800),
    ),
)
LINES = (
    SaleLine(1, LATTE, 3, staff_id="E01"),
    SaleLine(2, CAKE, 1),
    SaleLine(3, HAIRCUT, 2, use_count=True, staff_id="E03"),
)


def history(card: Card = CARD, old_points: int = 800) -> list[LedgerEntry]:
    entries = list(stored_value.top_up(card, VIP, derive_balances([]), 100000, "OLD-TOPUP",
                                       datetime(2026, 1, 5, 9)).entries)
    if old_points:
        entries += points.earn_entries(card.card_no, "OLD-EARN", old_points,
                                       datetime(2025, 6, 1, 9), points.PointsExpiry())
    entries += counts.purchase_entries(card, VIP, LONG_PACK, "OLD-PACK0", datetime(2026, 10, 1))
    entries += counts.purchase_entries(card, VIP, SHORT_PACK, "OLD-PACK1", datetime(2026, 11, 1))
    return entries


def make_sale(before: list[LedgerEntry], lines=LINES, tenders=None, points_requested=500,
              card_type: CardType = VIP, op_id: str = "T01-100"):
    if tenders is None:
        tenders = (Tender(TenderKind.STORED_VALUE, 5000), Tender(TenderKind.CASH, 4000))
    who = MemberContext(CARD, card_type, derive_balances(before))
    request = SaleRequest(op_id, AT, tuple(lines), tuple(tenders),
                          points_requested=points_requested)
    return decide_sale(request, STORE, RULES, who)


def refund(record, ledger: list[LedgerEntry], op_id: str = "T01-200", prior=(),
           quantities=None, void=False, manager="店长王", card_no=CARD.card_no,
           account_card_no=""):
    request = RefundRequest(op_id, LATER, record, manager, prior_refunds=tuple(prior),
                            quantities=quantities or {}, void=void)
    return decide_refund(request, derive_balances(ledger, card_no), account_card_no)


def snapshot(balances: CardBalances) -> dict:
    """What a member holds: money, and every non-empty points lot and count package."""
    return {
        "principal": balances.principal,
        "bonus": balances.bonus,
        "points": {lot.lot: lot.remaining for lot in balances.points_lots if lot.remaining},
        "counts": {lot.lot: lot.remaining for lot in balances.count_lots if lot.remaining},
    }


def moved(entries) -> Counter:
    """Sum of deltas per (account, lot, line) — what a set of entries did."""
    total: Counter = Counter()
    for entry in entries:
        total[(entry.account.value, entry.lot, entry.line_no)] += entry.delta
    return total


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
    # Card part of line 1 = 4039: principal 3671 → 1224 + 1223 + 1224, bonus 368 → 123 + 122 + 123.
    principal_steps = [moved(r.entries)[("principal", "", 1)] for r in results]
    bonus_steps = [moved(r.entries)[("bonus", "", 1)] for r in results]
    assert principal_steps == [1224, 1223, 1224]
    assert bonus_steps == [123, 122, 123]
    # Cash 3117 → 1039 each; the amounts refunded: 2386 + 2384 + 2386 = 7156 (the line's net).
    assert [r.record.tender_refunds for r in results] == [
        (("stored_value", 1347), ("cash", 1039)),
        (("stored_value", 1345), ("cash", 1039)),
        (("stored_value", 1347), ("cash", 1039)),
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


def test_refund_to_the_replacement_card(sold):
    before, decision = sold
    after_sale = [*before, *decision.entries]
    swap = replace_card(CARD, "88000009", derive_balances(after_sale, CARD.card_no), VIP,
                        "T01-150", datetime(2026, 11, 24, 9))
    ledger = [*after_sale, *swap.entries]
    result = refund(decision.record, ledger, card_no="88000009", account_card_no="88000009")
    assert {e.card_no for e in result.entries} == {"88000009"}
    assert result.receipt.card_no_masked == "88****09"
    ledger += result.entries
    # The new card holds what the old one held before the sale; the old one holds nothing.
    assert snapshot(derive_balances(ledger, "88000009")) == snapshot(derive_balances(before))
    assert snapshot(derive_balances(ledger, CARD.card_no)) == {
        "principal": 0, "bonus": 0, "points": {}, "counts": {}}


def test_refund_after_the_earned_points_were_spent_leaves_a_points_debt():
    # No old points: the sale earns 84 into P2026, the member then spends all 84 on a gift.
    before = history(old_points=0)
    tenders = (Tender(TenderKind.STORED_VALUE, 5000), Tender(TenderKind.CASH, 4359))
    decision = make_sale(before, tenders=tenders, points_requested=0)
    # Without points used the nets are 7560 + 1799 = 9359: card ¥50.00 (bonus 455 again), cash
    # ¥43.59; points on 9359 - 455 = 8904 fen → 89.
    assert decision.points_earned == 89
    ledger = [*before, *decision.entries]
    gift = points.redeem_gift(CARD.card_no, "T01-150", derive_balances(ledger),
                              points.Gift("G1", "保温杯", 89), 1, datetime(2026, 11, 24, 9))
    ledger += gift.entries
    result = refund(decision.record, ledger)
    ledger += result.entries
    after = derive_balances(ledger)
    # The 89 points are owed: lot P2026 goes to -89, nothing can be redeemed until it is earned.
    assert snapshot(after)["points"] == {"P2026": -89}
    assert points.redeemable_points(after, LATER.date()) == 0
    # Money and counts still come back in full.
    assert (after.principal, after.bonus) == (100000, 10000)


def test_refund_after_the_points_expired_and_the_card_was_replaced_leaves_a_debt():
    # Points last 2 days here: the 25 points of a ¥25.20 cash sale on 2026-11-23 go into lot
    # "P2026-11-23+2d" (last day 2026-11-24). On 11-26 they have expired and the card is
    # replaced; the replacement takes no empty lot with it. The refund still takes the 25
    # points back: they are owed on the lot they were earned into, which keeps its terms.
    rules = replace(RULES, earning=points.EarningRule(expiry=points.PointsExpiry(
        kind=points.ExpiryKind.ROLLING_DAYS, days=2)))
    before = history(old_points=0)
    request = SaleRequest("T01-500", AT, (SaleLine(1, LATTE, 1),), (Tender(TenderKind.CASH, 2520),))
    decision = decide_sale(request, STORE, rules, MemberContext(CARD, VIP, derive_balances(before)))
    assert [(e.lot, e.delta, e.valid_until) for e in decision.entries] == [
        ("P2026-11-23+2d", 25, date(2026, 11, 24))]
    day = datetime(2026, 11, 26, 9)
    ledger = [*before, *decision.entries]
    ledger += points.expire_entries(CARD.card_no, "T01-501", derive_balances(ledger), day.date(),
                                    day)
    swap = replace_card(CARD, "88000009", derive_balances(ledger), VIP, "T01-502", day)
    ledger += swap.entries
    result = decide_refund(RefundRequest("T01-503", day, decision.record, "店长王"),
                           derive_balances(ledger, "88000009"), "88000009")
    clawed = [(e.card_no, e.lot, e.delta, e.valid_until) for e in result.entries]
    assert clawed == [("88000009", "P2026-11-23+2d", -25, date(2026, 11, 24))]
    assert result.record.tender_refunds == (("cash", 2520),)


def test_uses_given_back_after_a_replacement_keep_their_package_terms():
    # The sale uses all 3 uses of the short pack (last day 2026-11-30); the card is replaced the
    # next day and takes no empty package with it. The refund reopens the package on the new
    # card with its own terms: the 3 uses still end on 2026-11-30, they do not become eternal.
    before = history(old_points=0)
    decision = make_sale(before, lines=(SaleLine(1, HAIRCUT, 3, use_count=True),), tenders=(),
                         points_requested=0)
    ledger = [*before, *decision.entries]
    swap = replace_card(CARD, "88000009", derive_balances(ledger), VIP, "T01-150",
                        datetime(2026, 11, 24, 9))
    ledger += swap.entries
    result = refund(decision.record, ledger, card_no="88000009", account_card_no="88000009")
    ledger += result.entries
    after = derive_balances(ledger, "88000009")
    short = next(lot for lot in after.count_lots if lot.lot == "OLD-PACK1:HC3")
    assert (short.remaining, short.valid_from, short.valid_until) == (
        3, date(2026, 11, 1), date(2026, 11, 30))
    assert after.counts_for("haircut", date(2026, 12, 1)) == 10  # only the long pack is left


def test_refund_does_not_turn_expiring_points_into_fresh_ones():
    # 800 points in P2025 expire on 2026-12-31. Buying for cash earns 93 points into P2026
    # (valid through 2027); the refund must take them out of P2026, not out of P2025, or the
    # member would swap 93 soon-expiring points for fresh ones.
    before = history()
    decision = make_sale(before, tenders=(Tender(TenderKind.CASH, 9359),), points_requested=0)
    assert decision.points_earned == 93  # cash 7560 + 1799 = 9359 fen → 93 points
    ledger = [*before, *decision.entries]
    result = refund(decision.record, ledger)
    assert moved(result.entries)[("points", "P2026", None)] == -93
    assert moved(result.entries)[("points", "P2025", None)] == 0
    assert snapshot(derive_balances([*ledger, *result.entries]))["points"] == {"P2025": 800}


def test_refund_of_a_subsidiary_card_sale_goes_back_to_the_parent_and_frees_the_quota():
    child = Card("88000001-1", "M1", "VIP", parent_card_no=CARD.card_no, quota=5000)
    before = history(old_points=0)
    who = MemberContext(child, VIP, derive_balances(before), parent=CARD,
                        parent_entries=tuple(before))
    request = SaleRequest("T01-400", AT, (SaleLine(1, LATTE, 1),),
                          (Tender(TenderKind.STORED_VALUE, 2520),))
    decision = decide_sale(request, STORE, RULES, who)
    ledger = [*before, *decision.entries]
    assert subsidiary.quota_used(child.card_no, ledger, QuotaPeriod.MONTH, AT) == 2520
    result = refund(decision.record, ledger, op_id="T01-401")
    # ¥25.20 = principal 2291 + bonus 229 back on the parent, still marked as the child's.
    assert [(e.card_no, e.actor_card_no, e.account.value, e.delta) for e in result.entries
            if e.account.value in ("principal", "bonus")] == [
        ("88000001", "88000001-1", "principal", 2291), ("88000001", "88000001-1", "bonus", 229)]
    ledger += result.entries
    assert subsidiary.quota_used(child.card_no, ledger, QuotaPeriod.MONTH, LATER) == 0
    assert snapshot(derive_balances(ledger)) == snapshot(derive_balances(before))


# --- property: any sale, refunded in any steps, leaves the member where they were ---------------

PRODUCTS = [Product(f"G{index}", f"商品{index}", category, price)
            for index, (category, price) in enumerate([
                ("drinks", 2800), ("food", 1999), ("food", 333), ("retail", 12345),
                ("drinks", 101), ("retail", 7)])]
PROPERTY_BEFORE = history(old_points=2000)
PROPERTY_BALANCES = derive_balances(PROPERTY_BEFORE)


@st.composite
def sale_lines(draw) -> tuple[SaleLine, ...]:
    count = draw(st.integers(1, 4))
    lines = [SaleLine(no, draw(st.sampled_from(PRODUCTS)), draw(st.integers(1, 4)),
                      staff_id=draw(st.sampled_from(["", "E01"])))
             for no in range(1, count + 1)]
    if draw(st.booleans()):
        lines.append(SaleLine(count + 1, HAIRCUT, draw(st.integers(1, 5)), use_count=True,
                              staff_id="E03"))
    return tuple(lines)


def split_tenders(draw, amount_due: int) -> tuple[Tender, ...]:
    card_cap = min(amount_due, PROPERTY_BALANCES.stored_value)
    card = draw(st.integers(0, card_cap))
    wechat = draw(st.integers(0, amount_due - card))
    cash = amount_due - card - wechat
    tenders = [Tender(TenderKind.STORED_VALUE, card), Tender(TenderKind.WECHAT, wechat),
               Tender(TenderKind.CASH, cash)]
    return tuple(tender for tender in tenders if tender.amount > 0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), lines=sale_lines(), points_requested=st.integers(0, 2000),
       order=st.sampled_from(list(DrawOrder)))
def test_refunding_everything_in_random_steps_restores_the_member(data, lines, points_requested,
                                                                  order):
    card_type = replace(VIP, draw_order=order)
    # Price once to learn the amount due, then pay it with a random split of tenders.
    probe = make_sale(PROPERTY_BEFORE, lines, (Tender(TenderKind.CASH, 10**7),),
                      points_requested, card_type)
    tenders = split_tenders(data.draw, probe.priced.amount_due)
    decision = make_sale(PROPERTY_BEFORE, lines, tenders, points_requested, card_type)
    ledger = [*PROPERTY_BEFORE, *decision.entries]
    left = {line.line_no: line.qty for line in decision.record.lines}
    records: list[RefundRecord] = []
    commissions = []
    while any(left.values()):
        open_lines = sorted(no for no, qty in left.items() if qty)
        chosen = data.draw(st.lists(st.sampled_from(open_lines), min_size=1, unique=True))
        quantities = {no: data.draw(st.integers(1, left[no])) for no in chosen}
        if data.draw(st.booleans()) and quantities == {no: left[no] for no in open_lines}:
            quantities = {}  # "everything left", as the cashier's 全部退 button sends it
        result = refund(decision.record, ledger, op_id=f"R{len(records)}", prior=records,
                        quantities=quantities)
        for no, qty in result.record.quantities:
            left[no] -= qty
        ledger += result.entries
        records.append(result.record)
        commissions += result.commissions

    assert snapshot(derive_balances(ledger)) == snapshot(PROPERTY_BALANCES)
    refunded: Counter = Counter()
    for record in records:
        refunded.update(dict(record.tender_refunds))
    paid = Counter()
    for tender in decision.settlement.tenders:
        paid[tender.kind.value] += tender.amount
    assert refunded == paid
    assert sum(record.amount for record in records) == decision.priced.amount_due
    assert sum(c.amount for c in commissions) == -sum(c.amount for c in decision.commissions)
