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
from dataclasses import replace
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership import points, subsidiary
from membership.cards import (
    Card,
    DrawOrder,
    QuotaPeriod,
)
from membership.catalogue import Product, SaleLine
from membership.ledger import derive_balances
from membership.lifecycle import replace_card
from membership.refunds import RefundRecord, RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from tests.support.refunds_world import (
    AT,
    CARD,
    HAIRCUT,
    LATER,
    LATTE,
    RULES,
    STORE,
    VIP,
    history,
    make_sale,
    moved,
    refund,
    snapshot,
)


def test_refund_to_the_replacement_card():
    before = history()
    decision = make_sale(before)
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
