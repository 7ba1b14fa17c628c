"""Checkout (decide_sale): worked examples a cashier can check by hand.

The member's history is built with the real operations (top-up, points earned, packages bought),
so every balance below comes from ledger entries. Unless a test says otherwise the member topped
up ¥1000.00 and got ¥100.00 bonus (principal 100000 fen, bonus 10000 fen) and the sale is on
Monday 2026-11-23 at 10:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from membership import counts, points, stored_value
from membership.cards import (
    BonusTier,
    Card,
    CardStatus,
    CardType,
    CountPackage,
    DrawOrder,
    Feature,
    QuotaPeriod,
    SubsidiaryPolicy,
)
from membership.catalogue import Product, SaleLine
from membership.commission import CommissionBasis, CommissionLine, CommissionRule
from membership.coupons import Coupon, CouponKind
from membership.errors import (
    CardStateError,
    CountError,
    InsufficientBalance,
    InvalidInput,
    PointsError,
    QuotaExceeded,
    TenderError,
)
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.levels import Level
from membership.pricing import PointsOffsetRule, ReductionKind
from membership.promotions import Promotion, PromotionKind
from membership.receipts import ReceiptKind, ReceiptRow
from membership.sale import MemberContext, SaleRequest, SaleRules, StoreContext, decide_sale
from membership.tenders import Tender, TenderKind

AT = datetime(2026, 11, 23, 10, 0)
STORE = StoreContext("S01", "T01", "旗舰店", "小王")
EARN = points.EarningRule()  # 1 point per ¥1.00, year-end expiry: earnings go to lot P2026

LATTE = Product("P1", "拿铁咖啡", "drinks", 2800)
CAKE = Product("P2", "蛋糕", "food", 1999)
GIFT_BOX = Product("P3", "礼盒", "gift", 7200)
TEA = Product("P4", "茶叶", "gift", 4800)
CANDY = Product("P9", "糖果", "food", 9)
HAIRCUT = Product("haircut", "洗剪吹", "service", 5000, is_service=True)
SHAMPOO = Product("P5", "洗发水", "retail", 3900)

SHORT_PACK = CountPackage("HC3", "洗剪吹3次", "haircut", uses=3, price=12000, validity_days=30)
LONG_PACK = CountPackage("HC10", "洗剪吹10次", "haircut", uses=10, price=40000, validity_days=365)

VIP = CardType(
    code="VIP", name="VIP卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.DISCOUNT, Feature.COUNT}),
    discount_bp=9000,  # 9折
    bonus_tiers=(BonusTier(min_paid=100000, bonus=10000),),  # 充1000送100
    count_packages=(SHORT_PACK, LONG_PACK),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=5000,
                                period=QuotaPeriod.MONTH),
)
# A stored-value card without its own discount, so prices stay whole in the draw examples.
PLAIN = CardType(
    code="PLAIN", name="储值积分卡", features=frozenset({Feature.STORED_VALUE, Feature.POINTS}),
    bonus_tiers=(BonusTier(min_paid=100000, bonus=10000),),
)
CARD = Card("88000001", "M1", "VIP", issued_on=date(2025, 1, 1))
PLAIN_CARD = Card("88000002", "M2", "PLAIN", issued_on=date(2025, 1, 1))


def history(card: Card, card_type: CardType, topup: int = 100000, old_points: int = 0,
            packages: tuple[tuple[CountPackage, datetime], ...] = ()) -> list[LedgerEntry]:
    """The member's entries before the sale: a top-up, points earned in 2025, packages bought."""
    entries: list[LedgerEntry] = []
    if topup:
        entries += stored_value.top_up(card, card_type, derive_balances(entries), topup,
                                       "OLD-TOPUP", datetime(2026, 1, 5, 9)).entries
    if old_points:
        entries += points.earn_entries(card.card_no, "OLD-EARN", old_points,
                                       datetime(2025, 6, 1, 9), points.PointsExpiry())
    for index, (package, bought_at) in enumerate(packages):
        entries += counts.purchase_entries(card, card_type, package, f"OLD-PACK{index}", bought_at)
    return entries


def member(card: Card = CARD, card_type: CardType = VIP, entries: list[LedgerEntry] | None = None,
           **kwargs) -> MemberContext:
    entries = history(card, card_type) if entries is None else entries
    return MemberContext(card, card_type, derive_balances(entries), member_name="张三", **kwargs)


def sale(lines, tenders=(), who: MemberContext | None = None, rules: SaleRules | None = None,
         **request):
    return decide_sale(
        SaleRequest("T01-100", AT, tuple(lines), tuple(tenders), **request),
        STORE, rules or SaleRules(earning=EARN), who,
    )


def cash(amount: int) -> Tender:
    return Tender(TenderKind.CASH, amount)


def card_pay(amount: int) -> Tender:
    return Tender(TenderKind.STORED_VALUE, amount)


def money_entries(decision) -> list[tuple[str, int, int | None]]:
    return [(e.account.value, e.delta, e.line_no) for e in decision.entries
            if e.account in (Account.PRINCIPAL, Account.BONUS)]


def row(receipt_rows, key: str) -> ReceiptRow:
    return next(r for r in receipt_rows if r.label_key == key)


# --- guests and tenders -------------------------------------------------------------------------


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


def test_coupon_that_saves_nothing_is_not_used():
    # 折扣券 9.5折 on a 9-fen candy: 9 × 0.95 = 8.55 → 9, nothing off, so the coupon stays unused.
    coupon = Coupon("CP-95", CouponKind.PERCENT_OFF, datetime(2026, 1, 1),
                    datetime(2026, 12, 31), pay_rate_bp=9500)
    decision = sale([SaleLine(1, CANDY, 1)], [cash(9)], coupon=coupon)
    assert decision.priced.applied == ()
    assert decision.coupon_used == ""
    assert decision.events[0].payload["coupon_used"] == ""
    assert sale([SaleLine(1, CANDY, 1)], [cash(9)]).coupon_used == ""


def test_gift_coupon_adds_a_free_line_to_receipt_and_record():
    # 赠品券: a ¥0.09 candy free with the latte (¥28.00 × 0.9 = ¥25.20). The gift is line 2.
    coupon = Coupon("CP-GIFT", CouponKind.GIFT_ITEM, datetime(2026, 1, 1),
                    datetime(2026, 12, 31), gift_product=CANDY)
    decision = sale([SaleLine(1, LATTE, 1)], [cash(2520)], member(), coupon=coupon)
    assert decision.coupon_used == "CP-GIFT"
    assert [(line.line_no, line.name, line.gross, line.net) for line in decision.record.lines] == [
        (1, "拿铁咖啡", 2800, 2520), (2, "糖果", 9, 0)]
    assert decision.receipt.lines[1].notes == ("receipt.coupon",)
    # Subtotal 2800 + 9; discount 280 (member) + 9 (gift) = 289.
    assert decision.receipt.totals == (ReceiptRow("receipt.subtotal", 2809),
                                       ReceiptRow("receipt.discount", -289),
                                       ReceiptRow("receipt.amount_due", 2520))


# --- count packages -----------------------------------------------------------------------------


def count_history() -> list[LedgerEntry]:
    # Short pack (3 uses) bought 2026-11-01, last day 2026-11-30; long pack (10 uses) bought
    # 2026-10-01, last day 2027-09-30. The short pack expires first, so it is used first.
    return history(CARD, VIP, packages=((LONG_PACK, datetime(2026, 10, 1, 9)),
                                        (SHORT_PACK, datetime(2026, 11, 1, 9))))


def test_count_lines_use_the_soonest_expiring_package_first_and_are_not_paid():
    lines = [
        SaleLine(1, HAIRCUT, 2, use_count=True),  # 2 from the short pack (1 left)
        SaleLine(2, HAIRCUT, 2, use_count=True),  # 1 from the short pack, 1 from the long pack
        SaleLine(3, SHAMPOO, 1),  # ¥39.00 × 0.9 = ¥35.10, paid in cash
    ]
    decision = sale(lines, [cash(5000)], member(entries=count_history()))
    uses = [(e.lot, e.delta, e.line_no, e.service) for e in decision.entries
            if e.account is Account.COUNT]
    assert uses == [
        ("OLD-PACK1:HC3", -2, 1, "haircut"),
        ("OLD-PACK1:HC3", -1, 2, "haircut"),
        ("OLD-PACK0:HC10", -1, 2, "haircut"),
    ]
    assert all(e.kind is EntryKind.USE for e in decision.entries if e.account is Account.COUNT)
    # Each use carries its package's terms, for a refund onto a replacement card.
    assert [(e.valid_from, e.valid_until) for e in decision.entries
            if e.account is Account.COUNT] == [
        (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 10, 1), date(2027, 9, 30))]
    assert decision.priced.amount_due == 3510
    assert decision.priced.count_value == 4 * 5000
    assert decision.settlement.change == 1490
    haircut1, haircut2, shampoo = decision.record.lines
    assert (haircut1.count_service, haircut1.tender_parts) == ("haircut", ())
    assert (haircut1.gross, haircut1.net, haircut1.principal) == (10000, 10000, 0)
    assert haircut2.count_service == "haircut"
    assert shampoo.tender_parts == (("cash", 3510),)
    # Points only on the shampoo: ¥35.10 → 35.
    assert decision.points_earned == 35
    # Subtotal 4 × ¥50.00 + ¥39.00 = ¥239.00, less ¥3.90 member discount and ¥200.00 by count.
    assert decision.receipt.totals == (ReceiptRow("receipt.subtotal", 23900),
                                       ReceiptRow("receipt.discount", -390),
                                       ReceiptRow("tender.count", 20000),
                                       ReceiptRow("receipt.amount_due", 3510))
    assert decision.receipt.lines[0].notes == ("receipt.paid_by_count",)
    assert decision.receipt.lines[0].amount == 10000
    after = derive_balances([*count_history(), *decision.entries])
    assert after.counts_for("haircut", AT.date()) == 13 - 4


def test_receipt_counts_only_uses_still_usable_on_the_day_of_the_sale():
    # The short pack bought 2026-10-01 ended on 2026-10-30: its 3 uses are not counted as left,
    # even on a sale that writes no entry (card type without points, paid in cash).
    no_points = replace(VIP, features=VIP.features - {Feature.POINTS})
    entries = history(CARD, no_points, packages=((SHORT_PACK, datetime(2026, 10, 1, 9)),
                                                 (LONG_PACK, datetime(2026, 10, 1, 9))))
    decision = sale([SaleLine(1, SHAMPOO, 1)], [cash(3510)], member(CARD, no_points, entries))
    assert decision.entries == ()
    assert decision.receipt.balances[-1] == ReceiptRow("receipt.counts_left", value="haircut 10")


def test_count_sale_with_no_money_needs_no_tender():
    decision = sale([SaleLine(1, HAIRCUT, 1, use_count=True)], [], member(entries=count_history()))
    assert decision.priced.amount_due == 0
    assert decision.settlement.tenders == ()
    assert [(e.lot, e.delta) for e in decision.entries] == [("OLD-PACK1:HC3", -1)]


def test_not_enough_uses_is_refused():
    with pytest.raises(CountError) as caught:
        sale([SaleLine(1, HAIRCUT, 14, use_count=True)], [], member(entries=count_history()))
    assert caught.value.key == "count.insufficient"


# --- subsidiary cards (子母卡) -------------------------------------------------------------------

CHILD = Card("88000001-1", "M1", "VIP", parent_card_no="88000001", quota=5000)


def child_member(parent: Card = CARD, child: Card = CHILD,
                 extra: tuple[LedgerEntry, ...] = ()) -> MemberContext:
    entries = [*history(CARD, VIP), *extra]
    return MemberContext(child, VIP, derive_balances(entries), parent=parent,
                         parent_entries=tuple(entries))


def test_subsidiary_card_spends_the_parent_balance():
    # Latte 1 × ¥28.00 × 0.9 = ¥25.20 from the parent's card: bonus 2520 / 11 = 229.1 → 229.
    decision = sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], child_member())
    spends = [(e.card_no, e.actor_card_no, e.account.value, e.delta) for e in decision.entries
              if e.kind is EntryKind.SPEND]
    assert spends == [("88000001", "88000001-1", "principal", -2291),
                      ("88000001", "88000001-1", "bonus", -229)]
    assert (decision.record.card_no, decision.record.actor_card_no) == ("88000001", "88000001-1")
    # Points go to the parent's account: 2520 - 229 = 2291 → 22.
    assert [(e.card_no, e.delta) for e in decision.entries if e.kind is EntryKind.EARN] == [
        ("88000001", 22)]
    payload = decision.events[0].payload
    assert (payload["card_no"], payload["actor_card_no"]) == ("88000001", "88000001-1")
    # The receipt shows the card presented, and the parent's balances after: 97709 + 9771.
    assert decision.receipt.card_no_masked == "8800**01-1"
    assert row(decision.receipt.balances, "receipt.principal").amount == 100000 - 2291
    assert row(decision.receipt.balances, "receipt.bonus").amount == 10000 - 229


def test_subsidiary_quota_exceeded():
    # Quota ¥50.00 a month; ¥30.00 already spent on 2026-11-02, so ¥25.20 more is refused.
    earlier = stored_value.spend_entries("88000001", "T01-050", stored_value.Draw(2727, 273),
                                         datetime(2026, 11, 2, 12), actor_card_no=CHILD.card_no)
    with pytest.raises(QuotaExceeded) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], child_member(extra=tuple(earlier)))
    assert caught.value.key == "subsidiary.quota_exceeded"
    assert caught.value.params == {"quota": 5000, "used": 3000, "requested": 2520, "left": 2000}


def test_lost_parent_blocks_the_subsidiary_card():
    lost_parent = replace(CARD, status=CardStatus.LOST)
    with pytest.raises(CardStateError) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], child_member(parent=lost_parent))
    assert caught.value.key == "card.lost"
    assert caught.value.params["card_no"] == "88000001"


def test_subsidiary_card_without_its_parent_is_refused():
    # Without the parent the sale would debit the child's own (empty) number and skip the quota.
    who = MemberContext(CHILD, VIP, derive_balances(history(CARD, VIP)))
    with pytest.raises(InvalidInput) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], who)
    assert caught.value.key == "sale.parent_missing"


def test_subsidiary_card_with_another_parent_is_refused():
    stranger = Card("88000099", "M9", "VIP")
    with pytest.raises(InvalidInput) as caught:
        sale([SaleLine(1, LATTE, 1)], [cash(2520)], child_member(parent=stranger))
    assert caught.value.key == "subsidiary.wrong_parent"


def test_card_type_must_match_the_card():
    with pytest.raises(InvalidInput) as caught:
        sale([SaleLine(1, LATTE, 1)], [cash(2800)], member(CARD, PLAIN, []))
    assert caught.value.key == "card.type_mismatch"


# --- blocked cards ------------------------------------------------------------------------------


@pytest.mark.parametrize(("card", "key"), [
    (replace(CARD, status=CardStatus.LOST), "card.lost"),
    (replace(CARD, status=CardStatus.FROZEN), "card.frozen"),
    (replace(CARD, expires_on=date(2026, 11, 22)), "card.expired"),  # yesterday was the last day
    (replace(CARD, status=CardStatus.EXPIRED), "card.expired"),
    (replace(CARD, status=CardStatus.CANCELLED), "card.cancelled"),
    (replace(CARD, status=CardStatus.REPLACED, replaced_by="88000009"), "card.replaced"),
])
def test_blocked_card_cannot_pay(card, key):
    with pytest.raises(CardStateError) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], member(card, VIP, history(CARD, VIP)))
    assert caught.value.key == key


def test_card_valid_through_today_can_still_pay():
    card = replace(CARD, expires_on=date(2026, 11, 23))
    decision = sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], member(card, VIP,
                                                                       history(CARD, VIP)))
    assert decision.settlement.amount_of(TenderKind.STORED_VALUE) == 2520


def test_empty_sale_is_refused():
    with pytest.raises(InvalidInput) as caught:
        sale([], [cash(100)])
    assert caught.value.key == "sale.empty"


# --- commission, receipt and event --------------------------------------------------------------

COMMISSION_RULES = (
    CommissionRule("DRINKS10", CommissionBasis.SALE, category="drinks", rate_bp=1000),
    CommissionRule("ANY-SALE", CommissionBasis.SALE, fixed_per_unit=50),
    CommissionRule("HAIRCUT-USE", CommissionBasis.COUNT_USE, product_code="haircut",
                   fixed_per_unit=800),
)


def test_commissions_per_staff_on_lines():
    lines = [
        SaleLine(1, LATTE, 2, staff_id="E01"),  # 10 % of ¥50.40 = ¥5.04
        SaleLine(2, CAKE, 1, staff_id="E02"),  # catch-all: ¥0.50 per unit
        SaleLine(3, HAIRCUT, 1, use_count=True, staff_id="E03"),  # ¥8.00 per use
        SaleLine(4, SHAMPOO, 1),  # no staff: no commission
    ]
    rules = SaleRules(earning=EARN, commission_rules=COMMISSION_RULES)
    decision = sale(lines, [cash(10349)], member(entries=count_history()), rules)
    assert decision.commissions == (
        CommissionLine("E01", CommissionBasis.SALE, 504, "DRINKS10", 1, 5040),
        CommissionLine("E02", CommissionBasis.SALE, 50, "ANY-SALE", 2, 1799),
        CommissionLine("E03", CommissionBasis.COUNT_USE, 800, "HAIRCUT-USE", 3, 5000),
    )
    assert decision.record.commissions == decision.commissions
    assert [line.staff_id for line in decision.record.lines] == ["E01", "E02", "E03", ""]


def test_receipt_rows_and_completed_event():
    # VIP, latte 2 + cake 1 = ¥75.99 → ¥68.39 (discount ¥7.60); all from the card.
    # Bonus 6839 × 10000 / 110000 = 621.7 → 622, principal 6217.
    # Points on 6839 - 622 = 6217 → 62. Principal after 100000 - 6217 = 93783, bonus 9378.
    decision = sale([SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1)], [card_pay(6839)], member())
    receipt = decision.receipt
    assert (receipt.op_id, receipt.at, receipt.store_name, receipt.cashier) == (
        "T01-100", AT, "旗舰店", "小王")
    assert (receipt.card_no_masked, receipt.member_name) == ("88****01", "张三")
    assert [(line.name, line.qty, line.unit_price, line.amount) for line in receipt.lines] == [
        ("拿铁咖啡", 2, 2800, 5040), ("蛋糕", 1, 1999, 1799)]
    assert receipt.totals == (ReceiptRow("receipt.subtotal", 7599),
                              ReceiptRow("receipt.discount", -760),
                              ReceiptRow("receipt.amount_due", 6839))
    assert receipt.tenders == (ReceiptRow("tender.stored_value", 6839),)
    assert receipt.balances == (
        ReceiptRow("receipt.principal", 93783),
        ReceiptRow("receipt.bonus", 9378),
        ReceiptRow("receipt.points", value="62"),
        ReceiptRow("receipt.points_earned", value="62"),
    )
    assert receipt.footer_keys == ("receipt.thanks",)

    (event,) = decision.events
    assert (event.type, event.op_id, event.at) == ("sale.completed", "T01-100", AT)
    payload = event.payload
    assert {key: payload[key] for key in ("card_no", "actor_card_no", "gross", "amount_due",
                                          "count_value", "change")} == {
        "card_no": "88000001", "actor_card_no": "", "gross": 7599, "amount_due": 6839,
        "count_value": 0, "change": 0}
    assert payload["tenders"] == [{"kind": "stored_value", "amount": 6839, "reference": ""}]
    assert payload["store_id"] == "S01"
    assert payload["points_earned"] == 62
    assert [(e["account"], e["delta"], e["kind"], e["line_no"]) for e in payload["entries"]] == [
        (e.account.value, e.delta, e.kind.value, e.line_no) for e in decision.entries]
    # Principal 6217 over the card parts 5040 : 1799 → 4581.6 / 1635.4 → 4582 + 1635.
    first = payload["entries"][0]
    assert first == {
        "op_id": "T01-100", "card_no": "88000001", "account": "principal", "delta": -4582,
        "kind": "spend", "at": "2026-11-23T10:00:00", "lot": "", "service": "",
        "valid_from": None, "valid_until": None, "actor_card_no": "", "reverses_op": "",
        "line_no": 1, "note": "",
    }
    assert sum(e["delta"] for e in payload["entries"] if e["account"] == "principal") == -6217
    assert all(isinstance(e["delta"], int) for e in payload["entries"])
