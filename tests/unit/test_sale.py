"""Checkout (decide_sale): worked examples a cashier can check by hand.

The member's history is built with the real operations (top-up, points earned, packages bought),
so every balance below comes from ledger entries. Unless a test says otherwise the member topped
up ¥1000.00 and got ¥100.00 bonus (principal 100000 fen, bonus 10000 fen) and the sale is on
Monday 2026-11-23 at 10:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from membership import points
from membership.cards import (
    Card,
    CardType,
    DrawOrder,
    Feature,
)
from membership.catalogue import SaleLine
from membership.coupons import Coupon, CouponKind
from membership.errors import (
    CardStateError,
    InsufficientBalance,
    PointsError,
    TenderError,
)
from membership.ledger import Account, EntryKind
from membership.levels import Level
from membership.pricing import PointsOffsetRule, ReductionKind
from membership.promotions import Promotion, PromotionKind
from membership.receipts import ReceiptKind, ReceiptRow
from membership.sale import SaleRules
from membership.tenders import Tender, TenderKind
from tests.support.sale_world import (
    CAKE,
    EARN,
    GIFT_BOX,
    HAIRCUT,
    LATTE,
    PLAIN,
    PLAIN_CARD,
    TEA,
    card_pay,
    cash,
    history,
    member,
    money_entries,
    row,
    sale,
)


def test_guest_pays_cash_and_gets_change():
    # 2 × ¥28.00 + ¥19.99 = ¥75.99; the guest hands over ¥100.00 and gets ¥24.01 back.
    decision = sale([SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1)], [cash(10000)])
    assert decision.priced.amount_due == 7599
    assert decision.settlement.tenders == (Tender(TenderKind.CASH, 7599),)
    assert (decision.settlement.cash_received, decision.settlement.change) == (10000, 2401)
    assert decision.entries == ()  # a guest moves no balance
    assert decision.points_earned == 0
    record = decision.record
    assert (record.card_no, record.actor_card_no) == ("", "")
    assert [line.tender_parts for line in record.lines] == [(("cash", 5600),), (("cash", 1999),)]
    assert (record.amount_due, record.cash_received, record.change) == (7599, 10000, 2401)
    receipt = decision.receipt
    assert receipt.kind is ReceiptKind.SALE
    assert receipt.totals == (ReceiptRow("receipt.subtotal", 7599),
                              ReceiptRow("receipt.amount_due", 7599))
    assert receipt.tenders == (ReceiptRow("tender.cash", 7599),
                               ReceiptRow("receipt.cash_received", 10000),
                               ReceiptRow("receipt.change", 2401))
    assert receipt.balances == () and receipt.card_no_masked == ""


def test_split_tenders_stored_value_wechat_and_cash():
    # VIP 9折: latte 2 × ¥28.00 = ¥56.00 → ¥50.40; cake ¥19.99 → 1799.1 → ¥17.99. Due ¥68.39.
    # Card ¥30.00, WeChat ¥20.00, cash ¥20.00 handed over: cash keeps ¥18.39, change ¥1.61.
    wechat = Tender(TenderKind.WECHAT, 2000, reference="WX4200001")
    decision = sale([SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1)],
                    [card_pay(3000), wechat, cash(2000)], member())
    assert decision.priced.amount_due == 6839
    assert decision.settlement.tenders == (card_pay(3000), wechat, cash(1839))
    assert decision.settlement.change == 161
    # Card ¥30.00 over nets 5040 : 1799 → 2210.85 / 789.15 → 2211 + 789.
    # WeChat ¥20.00 over what is left (2829 : 1010) → 1473.82 / 526.18 → 1474 + 526.
    # Cash covers the rest: 2829 - 1474 = 1355 and 1010 - 526 = 484.
    latte, cake = decision.record.lines
    assert latte.tender_parts == (("stored_value", 2211), ("wechat", 1474), ("cash", 1355))
    assert cake.tender_parts == (("stored_value", 789), ("wechat", 526), ("cash", 484))
    # Proportional draw: bonus = 3000 × 10000 / 110000 = 272.7 → 273, principal 2727.
    # Principal over the card parts 2211 : 789 → 2009.8 / 717.2 → 2010 + 717.
    assert (latte.principal, latte.bonus, cake.principal, cake.bonus) == (2010, 201, 717, 72)
    assert money_entries(decision) == [("principal", -2010, 1), ("bonus", -201, 1),
                                       ("principal", -717, 2), ("bonus", -72, 2)]
    # Points on what was not bonus: (5040 - 201) + (1799 - 72) = 6566 fen → 65 points,
    # spread 4839 : 1727 → 47.9 / 17.1 → 48 + 17.
    assert decision.points_earned == 65
    assert (latte.points_earned, cake.points_earned) == (48, 17)
    assert decision.receipt.tenders == (
        ReceiptRow("tender.stored_value", 3000), ReceiptRow("tender.wechat", 2000),
        ReceiptRow("tender.cash", 1839), ReceiptRow("receipt.cash_received", 2000),
        ReceiptRow("receipt.change", 161),
    )


@pytest.mark.parametrize("who", [None, "member"])
def test_count_is_not_a_tender(who):
    # Otherwise ¥28.00 would be "paid" with nothing moving (and a member would earn points on it).
    with pytest.raises(TenderError) as caught:
        sale([SaleLine(1, LATTE, 1)], [Tender(TenderKind.COUNT, 2800)],
             member() if who else None)
    assert caught.value.key == "sale.count_tender"


def test_tenders_that_do_not_cover_the_amount_are_refused():
    with pytest.raises(TenderError) as caught:
        sale([SaleLine(1, LATTE, 1)], [cash(2000)])
    assert caught.value.key == "tender.short"


# --- stored value: principal and bonus ----------------------------------------------------------

TWO_GIFTS = [SaleLine(1, GIFT_BOX, 1), SaleLine(2, TEA, 1)]  # ¥72.00 + ¥48.00 = ¥120.00


@pytest.mark.parametrize(("order", "expected", "points_earned"), [
    # bonus = 12000 × 10000 / 110000 = 1090.9 → 1091, principal 10909; principal over
    # 7200 : 4800 → 6545.4 / 4363.6 → 6545 + 4364; points on 12000 - 1091 = 10909 → 109.
    (DrawOrder.PROPORTIONAL,
     [("principal", -6545, 1), ("bonus", -655, 1), ("principal", -4364, 2), ("bonus", -436, 2)],
     109),
    # all from principal: every fen earns, 120 points.
    (DrawOrder.PRINCIPAL_FIRST, [("principal", -7200, 1), ("principal", -4800, 2)], 120),
    # the whole ¥100.00 bonus first, then ¥20.00 principal (1200 + 800); points on 2000 → 20.
    (DrawOrder.BONUS_FIRST,
     [("principal", -1200, 1), ("bonus", -6000, 1), ("principal", -800, 2), ("bonus", -4000, 2)],
     20),
])
def test_stored_value_draw_order_and_spend_entries_per_line(order, expected, points_earned):
    card_type = replace(PLAIN, draw_order=order)
    decision = sale(TWO_GIFTS, [card_pay(12000)], member(PLAIN_CARD, card_type))
    assert money_entries(decision) == expected
    assert sum(delta for _, delta, _ in expected) == -12000
    spends = [e for e in decision.entries if e.account in (Account.PRINCIPAL, Account.BONUS)]
    assert all(e.kind is EntryKind.SPEND and e.card_no == "88000002" for e in spends)
    assert all(e.actor_card_no == "" and e.op_id == "T01-100" for e in spends)
    assert decision.points_earned == points_earned
    record_split = [(line.principal, line.bonus) for line in decision.record.lines]
    assert sum(p + b for p, b in record_split) == 12000


def test_insufficient_balance_is_refused_with_what_is_available():
    # ¥1000.00 + ¥100.00 = ¥1100.00 on the card; ¥1200.00 of goods cannot be paid from it.
    lines = [SaleLine(1, GIFT_BOX, 10), SaleLine(2, TEA, 10)]
    with pytest.raises(InsufficientBalance) as caught:
        sale(lines, [card_pay(120000)], member(PLAIN_CARD, PLAIN))
    assert caught.value.key == "balance.insufficient"
    assert caught.value.params == {"needed": 120000, "available": 110000}


def test_stored_value_without_a_card_needs_the_card():
    with pytest.raises(CardStateError) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2800)])
    assert caught.value.key == "card.required"


@pytest.mark.parametrize("request_extra", [
    {"points_requested": 100},
    {"lines": (SaleLine(1, HAIRCUT, 1, use_count=True),)},
])
def test_points_and_count_uses_need_the_card(request_extra):
    lines = request_extra.pop("lines", (SaleLine(1, LATTE, 1),))
    tenders = [] if lines[0].use_count else [cash(2800)]
    rules = SaleRules(earning=EARN, points_offset=PointsOffsetRule(100, 5000))
    with pytest.raises(CardStateError) as caught:
        sale(lines, tenders, rules=rules, **request_extra)
    assert caught.value.key == "card.required"


def test_card_type_without_stored_value_cannot_pay_by_card():
    points_only = CardType("PTS", "积分卡", frozenset({Feature.POINTS}))
    card = Card("88000003", "M3", "PTS")
    with pytest.raises(CardStateError) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2800)], member(card, points_only, []))
    assert caught.value.key == "card.no_stored_value"


# --- points -------------------------------------------------------------------------------------


def test_points_offset_earns_nothing_on_the_part_paid_with_points():
    # 1000 points from 2025 (lot P2025); 100 points = ¥1.00, at most 50 % of the amount.
    # ¥120.00 → cap ¥60.00; 1000 points are worth ¥10.00, spread 7200 : 4800 → 600 + 400.
    # Cash ¥110.00 earns 110 points (the ¥10.00 paid with points earns nothing).
    rules = SaleRules(earning=EARN, points_offset=PointsOffsetRule(100, 5000))
    who = member(PLAIN_CARD, PLAIN, history(PLAIN_CARD, PLAIN, old_points=1000))
    decision = sale(TWO_GIFTS, [cash(11000)], who, rules, points_requested=1000)
    assert (decision.priced.points_used, decision.priced.points_offset) == (1000, 1000)
    assert decision.priced.amount_due == 11000
    assert [line.net for line in decision.priced.lines] == [6600, 4400]
    assert [(line.points_used, line.points_earned) for line in decision.record.lines] == [
        (600, 66), (400, 44)]
    point_entries = [(e.kind, e.lot, e.delta, e.line_no) for e in decision.entries
                     if e.account is Account.POINTS]
    assert point_entries == [
        (EntryKind.REDEEM, "P2025", -1000, None),
        (EntryKind.EARN, "P2026", 66, 1),
        (EntryKind.EARN, "P2026", 44, 2),
    ]
    assert decision.points_earned == 110
    assert row(decision.receipt.totals, "receipt.points_used").value == "1000"
    # 1000 - 1000 + 110 points after the sale.
    assert row(decision.receipt.balances, "receipt.points").value == "110"
    assert row(decision.receipt.balances, "receipt.points_earned").value == "110"


def test_all_principal_earns_more_than_partly_bonus_or_points():
    all_principal = sale(TWO_GIFTS, [card_pay(12000)],
                         member(PLAIN_CARD, replace(PLAIN, draw_order=DrawOrder.PRINCIPAL_FIRST)))
    partly_bonus = sale(TWO_GIFTS, [card_pay(12000)], member(PLAIN_CARD, PLAIN))
    rules = SaleRules(earning=EARN, points_offset=PointsOffsetRule(100, 5000))
    with_points = sale(TWO_GIFTS, [card_pay(11000)],
                       member(PLAIN_CARD, replace(PLAIN, draw_order=DrawOrder.PRINCIPAL_FIRST),
                              history(PLAIN_CARD, PLAIN, old_points=1000)),
                       rules, points_requested=1000)
    # 12000 fen principal → 120; 12000 - 1091 bonus → 109; 11000 principal (¥10 in points) → 110.
    assert (all_principal.points_earned, partly_bonus.points_earned,
            with_points.points_earned) == (120, 109, 110)


GOLD = Level("GOLD", "金卡会员", rank=1, discount_bp=9500, points_multiplier_bp=15000)


@pytest.mark.parametrize("earning", [
    points.EarningRule(level_multiplier_bp={"GOLD": 15000}),
    # The member's own level carries the multiplier even when the rule's table omits it.
    EARN,
])
def test_level_multiplier_applies_to_points(earning):
    # Gold 9.5折 on a card with no discount of its own: 7200 → 6840, 4800 → 4560, due ¥114.00.
    # 11400 fen × 1.5 = 17100 → 171 points, spread 6840 : 4560 → 102.6 / 68.4 → 103 + 68.
    who = member(PLAIN_CARD, PLAIN, level=GOLD)
    decision = sale(TWO_GIFTS, [cash(11400)], who, SaleRules(earning=earning))
    assert decision.priced.amount_due == 11400
    assert decision.points_earned == 171
    assert [line.points_earned for line in decision.record.lines] == [103, 68]


def test_card_type_without_points_earns_nothing():
    no_points = CardType("SV", "储值卡", frozenset({Feature.STORED_VALUE}),
                         bonus_tiers=PLAIN.bonus_tiers)
    card = Card("88000004", "M4", "SV")
    decision = sale(TWO_GIFTS, [cash(12000)], member(card, no_points))
    assert decision.points_earned == 0
    assert not [e for e in decision.entries if e.account is Account.POINTS]
    assert [line.points_earned for line in decision.record.lines] == [0, 0]
    keys = [r.label_key for r in decision.receipt.balances]
    assert keys == ["receipt.principal", "receipt.bonus", "receipt.points"]


def test_points_request_above_the_balance_is_refused():
    rules = SaleRules(earning=EARN, points_offset=PointsOffsetRule(100, 5000))
    who = member(PLAIN_CARD, PLAIN, history(PLAIN_CARD, PLAIN, old_points=300))
    with pytest.raises(PointsError) as caught:
        sale(TWO_GIFTS, [cash(12000)], who, rules, points_requested=500)
    assert caught.value.key == "points.insufficient"


# --- discounts, promotions, coupons -------------------------------------------------------------


def test_member_discount_best_of_level_and_card_type():
    # Level: 9.5折, food 8.5折. Card type VIP: 9折.
    # Latte (drinks): card 9000 < level 9500 → card: 5600 → 5040, source "VIP".
    # Cake (food): level 8500 < card 9000 → level: 1999 × 0.85 = 1699.15 → 1699, source "SILVER".
    silver = Level("SILVER", "银卡", rank=1, discount_bp=9500,
                   category_discount_bp={"food": 8500})
    decision = sale([SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1)], [cash(6739)],
                    member(level=silver))
    latte, cake = decision.priced.lines
    assert [(r.kind, r.source, r.amount) for r in latte.reductions] == [
        (ReductionKind.MEMBER_DISCOUNT, "VIP", 560)]
    assert [(r.kind, r.source, r.amount) for r in cake.reductions] == [
        (ReductionKind.MEMBER_DISCOUNT, "SILVER", 300)]
    assert decision.priced.amount_due == 5040 + 1699
    assert [(line.gross, line.net) for line in decision.record.lines] == [(5600, 5040),
                                                                          (1999, 1699)]
    assert [line.notes for line in decision.receipt.lines] == [("receipt.member_discount",)] * 2


def test_promotion_and_coupon_flow_to_receipt_and_record():
    # Drinks 8折 beats the member's 9折 on the latte: 5600 → 4480 (not stacked).
    # Cake keeps the member rate: 1999 → 1799. Subtotal 6279.
    # Coupon ¥10.00 off over ¥50.00, spread 4480 : 1799 → 713.49 / 286.51 → 713 + 287.
    # Due 6279 - 1000 = 5279.
    drinks_sale = Promotion("PR-DRINK", "饮品8折", PromotionKind.TIMED_DISCOUNT,
                            datetime(2026, 11, 1), datetime(2026, 12, 1),
                            categories=frozenset({"drinks"}), pay_rate_bp=8000)
    coupon = Coupon("CP-10", CouponKind.CASH_OFF, datetime(2026, 1, 1), datetime(2026, 12, 31),
                    value=1000, min_spend=5000)
    rules = SaleRules(earning=EARN, promotions=(drinks_sale,))
    decision = sale([SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1)], [cash(6000)], member(), rules,
                    coupon=coupon)
    assert decision.priced.applied == ("PR-DRINK", "CP-10")
    assert decision.coupon_used == "CP-10"
    latte, cake = decision.priced.lines
    assert [(r.kind, r.amount) for r in latte.reductions] == [
        (ReductionKind.PROMOTION, 1120), (ReductionKind.COUPON, 713)]
    assert [(r.kind, r.amount) for r in cake.reductions] == [
        (ReductionKind.MEMBER_DISCOUNT, 200), (ReductionKind.COUPON, 287)]
    assert decision.priced.amount_due == 5279
    assert [line.net for line in decision.record.lines] == [3767, 1512]
    receipt = decision.receipt
    assert [line.notes for line in receipt.lines] == [
        ("receipt.promotion", "receipt.coupon"), ("receipt.member_discount", "receipt.coupon")]
    assert [line.amount for line in receipt.lines] == [3767, 1512]
    # Discount 1120 + 713 + 200 + 287 = 2320 = 7599 - 5279.
    assert receipt.totals == (ReceiptRow("receipt.subtotal", 7599),
                              ReceiptRow("receipt.discount", -2320),
                              ReceiptRow("receipt.amount_due", 5279))
    assert decision.settlement.change == 721
    assert decision.events[0].payload["coupon_used"] == "CP-10"
