"""Counter operations worked through as the cashier checks them: top-up, withdrawal, buying a
package, time or a pass, a gift for points and closing a timed session. Each test states the
ledger entries, the settlement, commissions, the receipt rows and the event exactly."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership import counter
from membership.cards import (
    BonusTier,
    Card,
    CardStatus,
    CardType,
    CountPackage,
    Feature,
    Fees,
    PeriodPass,
    SubsidiaryPolicy,
    TimeRate,
)
from membership.commission import CommissionBasis, CommissionLine, CommissionRule
from membership.counter import Operation
from membership.errors import DomainError
from membership.events import entry_from_dict, entry_to_dict
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.points import Gift
from membership.receipts import ReceiptKind, ReceiptLine
from membership.sale import MemberContext, StoreContext
from membership.tenders import Settlement, Tender, TenderKind
from terminal.receipt_text import render_text

A, K = Account, EntryKind
AT = datetime(2026, 11, 23, 10, 0)
TODAY = AT.date()
SETUP_AT = datetime(2026, 10, 1, 9, 0)
STORE = StoreContext("SH001", "SH001-T1", "静安旗舰店", "王小丽")

FACIAL5 = CountPackage("FACIAL5", "面部护理5次卡", "FACIAL", 5, 50000, 180)
WASH10 = CountPackage("WASH10", "洗车10次卡", "WASH", 10, 30000)  # never expires
MONTH_PASS = PeriodPass("STUDY-M", "自习室月卡", "study", 30, 29900)
STUDY = TimeRate("study", unit_minutes=60, unit_price=1500, grace_minutes=10, cap=6000)
GOLD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.COUNT, Feature.TIME}),
    validity_days=365,
    fees=Fees(join=2000, annual=5000, replacement=1000, cancellation=2000),
    bonus_tiers=(BonusTier(50000, 3000), BonusTier(100000, 10000), BonusTier(300000, 45000)),
    count_packages=(FACIAL5, WASH10),
    time_rates=(STUDY,),
    passes=(MONTH_PASS,),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000),
)
RULES = (
    CommissionRule("PKG", CommissionBasis.SALE, product_code="FACIAL5", rate_bp=500),
    CommissionRule("OPEN", CommissionBasis.CARD_OPEN, fixed_per_unit=1000),
    CommissionRule("TOPUP", CommissionBasis.TOPUP, rate_bp=100),
)
CARD = Card("880000001234", "M001", "GOLD", issued_on=date(2026, 1, 5),
            expires_on=date(2027, 1, 4))
CHILD = Card("880000009999", "M002", "GOLD", issued_on=date(2026, 2, 1),
             parent_card_no=CARD.card_no, quota=1000)
UNTRANSLATED = re.compile(r"\b(receipt|tender)\.[a-z_.]+")


def op(seq: int, at: datetime = AT, staff_id: str = "S07") -> Operation:
    return Operation(f"SH001-T1-{seq}", at, STORE, staff_id)


def setup(account: Account, delta: int, kind: EntryKind, **terms) -> LedgerEntry:
    return LedgerEntry("SETUP", CARD.card_no, account, delta, kind, SETUP_AT, **terms)


def money(principal: int, bonus: int) -> list[LedgerEntry]:
    entries = [setup(A.PRINCIPAL, principal, K.TOPUP)]
    return entries + ([setup(A.BONUS, bonus, K.TOPUP_BONUS)] if bonus else [])


def points_lots() -> list[LedgerEntry]:
    """300 points earned in 2025 (valid through 2026-12-31), 500 in 2026 (through 2027-12-31)."""
    return [setup(A.POINTS, 300, K.EARN, lot="P2025", valid_until=date(2026, 12, 31)),
            setup(A.POINTS, 500, K.EARN, lot="P2026", valid_until=date(2027, 12, 31))]


def member(history=(), card: Card = CARD, parent: Card | None = None) -> MemberContext:
    return MemberContext(card, GOLD, derive_balances(history, CARD.card_no), member_name="张三",
                         parent=parent, parent_entries=tuple(history) if parent else ())


def rows(section) -> list[tuple[str, object]]:
    return [(row.label_key, row.amount if row.amount is not None else row.value)
            for row in section]


def raises_key(key: str):
    return pytest.raises(DomainError, match=rf"^{re.escape(key)}\b")


# --- top-up (充值) ---------------------------------------------------------------------------


def test_top_up_of_1000_by_wechat_gives_the_100_bonus_and_1_percent_commission():
    history = money(20000, 1000)  # ¥200 principal and ¥10 bonus already on the card
    wechat = Tender(TenderKind.WECHAT, 100000, "4200001234202611230001")
    decision = counter.top_up(op(2), member(history), 100000, [wechat], RULES)
    # ¥1000 meets the ¥1000 tier (the highest met; tiers do not add up): ¥100 bonus.
    assert decision.entries == (
        LedgerEntry("SH001-T1-2", CARD.card_no, A.PRINCIPAL, 100000, K.TOPUP, AT),
        LedgerEntry("SH001-T1-2", CARD.card_no, A.BONUS, 10000, K.TOPUP_BONUS, AT),
    )
    assert decision.settlement == Settlement((wechat,), cash_received=0, change=0)
    # 1% of the ¥1000 paid = ¥10; the ¥100 bonus earns nothing.
    assert decision.commissions == (
        CommissionLine("S07", CommissionBasis.TOPUP, 1000, "TOPUP", source_amount=100000),
    )
    receipt = decision.receipt
    assert (receipt.kind, receipt.op_id, receipt.at) == (ReceiptKind.TOPUP, "SH001-T1-2", AT)
    assert (receipt.store_name, receipt.terminal_id, receipt.cashier) == (
        "静安旗舰店", "SH001-T1", "王小丽")
    assert (receipt.card_no_masked, receipt.member_name) == ("8800****1234", "张三")
    assert rows(receipt.totals) == [("receipt.topup_amount", 100000),
                                    ("receipt.topup_bonus", 10000)]
    assert rows(receipt.tenders) == [("tender.wechat", 100000)]
    # Balances after: 200 + 1000 = ¥1200 principal, 10 + 100 = ¥110 bonus.
    assert rows(receipt.balances) == [("receipt.principal", 120000), ("receipt.bonus", 11000),
                                      ("receipt.points", "0")]
    assert receipt.footer_keys == ("receipt.thanks",)
    assert decision.cards == ()


def test_top_up_event_carries_amounts_in_fen_and_the_entries_serialised():
    wechat = Tender(TenderKind.WECHAT, 100000, "4200001234202611230001")
    decision = counter.top_up(op(2), member(), 100000, [wechat], RULES)
    (event,) = decision.events
    assert (event.type, event.op_id, event.at) == ("card.topped_up", "SH001-T1-2", AT)
    principal_entry = {
        "op_id": "SH001-T1-2", "card_no": "880000001234", "account": "principal",
        "delta": 100000, "kind": "topup", "at": "2026-11-23T10:00:00", "lot": "",
        "service": "", "valid_from": None, "valid_until": None, "actor_card_no": "",
        "reverses_op": "", "line_no": None, "note": "",
    }
    bonus_entry = {**principal_entry, "account": "bonus", "delta": 10000, "kind": "topup_bonus"}
    assert event.payload == {
        "paid": 100000,
        "bonus": 10000,
        "card_no": "880000001234",
        "tenders": [{"kind": "wechat", "amount": 100000,
                     "reference": "4200001234202611230001"}],
        "entries": [principal_entry, bonus_entry],
        "commissions": [{"staff_id": "S07", "basis": "topup", "amount": 1000, "rule": "TOPUP",
                         "line_no": None}],
    }


@pytest.mark.parametrize(("paid", "bonus"), [
    (30000, 0),  # below the lowest tier
    (50000, 3000),
    (99999, 3000),  # one fen short of the ¥1000 tier
    (100000, 10000),
    (299999, 10000),
    (300000, 45000),
])
def test_top_up_bonus_is_the_highest_tier_met(paid, bonus):
    decision = counter.top_up(op(2), member(), paid, [Tender(TenderKind.CASH, paid)])
    assert [(e.account, e.delta) for e in decision.entries] == (
        [(A.PRINCIPAL, paid)] + ([(A.BONUS, bonus)] if bonus else []))
    assert rows(decision.receipt.totals)[1] == ("receipt.topup_bonus", bonus)
    assert decision.events[0].payload["bonus"] == bonus


def test_top_up_in_cash_gives_change_and_no_commission_without_staff():
    # ¥500 top-up, the member hands over ¥600: ¥100 change.
    decision = counter.top_up(op(2, staff_id=""), member(), 50000,
                              [Tender(TenderKind.CASH, 60000)], RULES)
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 50000),), 60000, 10000)
    assert rows(decision.receipt.tenders) == [("tender.cash", 50000),
                                              ("receipt.cash_received", 60000),
                                              ("receipt.change", 10000)]
    assert decision.commissions == ()
    assert decision.events[0].payload["commissions"] == []


@pytest.mark.parametrize("tenders", [
    [Tender(TenderKind.STORED_VALUE, 50000)],
    [Tender(TenderKind.CASH, 20000), Tender(TenderKind.STORED_VALUE, 30000)],
    [Tender(TenderKind.COUNT, 50000)],
])
def test_top_up_cannot_be_paid_from_the_card(tenders):
    with raises_key("tender.not_allowed_for_payment_in"):
        counter.top_up(op(2), member(money(80000, 8000)), 50000, tenders)


def test_top_up_refused_on_a_subsidiary_card():
    # A subsidiary card spends its parent's balance; the parent is topped up instead.
    with raises_key("topup.subsidiary_card") as caught:
        counter.top_up(op(2), member(money(80000, 0), card=CHILD, parent=CARD), 50000,
                       [Tender(TenderKind.CASH, 50000)])
    assert caught.value.params["parent_card_no"] == CARD.card_no


def test_top_up_refused_on_a_lost_card():
    with raises_key("card.lost"):
        counter.top_up(op(2), member(card=replace(CARD, status=CardStatus.LOST)), 50000,
                       [Tender(TenderKind.CASH, 50000)])


def test_top_up_short_payment_is_refused():
    with raises_key("tender.short") as caught:
        counter.top_up(op(2), member(), 50000, [Tender(TenderKind.ALIPAY, 40000, "ALI1")])
    assert caught.value.params["short"] == 10000


@settings(max_examples=200, deadline=None)
@given(paid=st.integers(min_value=1, max_value=1_000_000))
def test_top_up_principal_is_what_was_paid_and_commission_ignores_the_bonus(paid):
    decision = counter.top_up(op(2), member(), paid, [Tender(TenderKind.BANK_CARD, paid, "P")],
                              RULES)
    expected_bonus = 45000 if paid >= 300000 else 10000 if paid >= 100000 else (
        3000 if paid >= 50000 else 0)
    principal = sum(e.delta for e in decision.entries if e.account is A.PRINCIPAL)
    bonus = sum(e.delta for e in decision.entries if e.account is A.BONUS)
    assert (principal, bonus) == (paid, expected_bonus)
    # 1% of the principal, half-up; a commission of ¥0.00 is not written.
    assert sum(line.amount for line in decision.commissions) == (paid + 50) // 100
    assert all(line.source_amount == paid for line in decision.commissions)


# --- withdrawal (取款) -----------------------------------------------------------------------


def test_withdraw_pays_out_principal_and_leaves_the_bonus():
    history = money(80000, 8000)  # ¥800 principal, ¥80 bonus
    decision = counter.withdraw(op(4), member(history), 30000)
    assert decision.entries == (
        LedgerEntry("SH001-T1-4", CARD.card_no, A.PRINCIPAL, -30000, K.WITHDRAW, AT),
    )
    assert decision.settlement is None
    assert decision.receipt.kind is ReceiptKind.WITHDRAW
    assert rows(decision.receipt.totals) == [("receipt.withdraw_amount", 30000)]
    assert decision.receipt.tenders == ()
    # 800 - 300 = ¥500 principal; the ¥80 bonus stays.
    assert rows(decision.receipt.balances) == [("receipt.principal", 50000),
                                               ("receipt.bonus", 8000), ("receipt.points", "0")]
    (event,) = decision.events
    assert event.type == "card.withdrawn"
    assert event.payload["amount"] == 30000
    assert event.payload["tenders"] == []
    assert event.payload["entries"] == [entry_to_dict(decision.entries[0])]


def test_withdraw_all_principal_empties_it():
    decision = counter.withdraw(op(4), member(money(80000, 8000)), 80000)
    after = derive_balances([*money(80000, 8000), *decision.entries], CARD.card_no)
    assert (after.principal, after.bonus) == (0, 8000)


def test_withdraw_more_than_principal_is_refused_although_bonus_would_cover_it():
    # ¥800 principal + ¥80 bonus = ¥880 on the card, but only the ¥800 can be taken out.
    with raises_key("balance.insufficient_principal") as caught:
        counter.withdraw(op(4), member(money(80000, 8000)), 80001)
    assert caught.value.params == {"needed": 80001, "available": 80000}


# --- count packages (购买次卡) ----------------------------------------------------------------


def test_buy_package_paid_part_stored_value_part_bank_card():
    history = money(100000, 10000)  # ¥1000 principal, ¥100 bonus
    tenders = [Tender(TenderKind.STORED_VALUE, 33000),
               Tender(TenderKind.BANK_CARD, 17000, "POS-778120")]
    decision = counter.buy_package(op(3), member(history), FACIAL5, 1, tenders, RULES)
    # ¥330 from the card, in proportion 1000 : 100: bonus 330 × 100 / 1100 = ¥30, principal ¥300.
    # 180 days from 2026-11-23 counting today: last day 2027-05-21.
    assert decision.entries == (
        LedgerEntry("SH001-T1-3", CARD.card_no, A.COUNT, 5, K.PURCHASE, AT,
                    lot="SH001-T1-3:FACIAL5", service="FACIAL", valid_from=date(2026, 11, 23),
                    valid_until=date(2027, 5, 21)),
        LedgerEntry("SH001-T1-3", CARD.card_no, A.PRINCIPAL, -30000, K.SPEND, AT),
        LedgerEntry("SH001-T1-3", CARD.card_no, A.BONUS, -3000, K.SPEND, AT),
    )
    assert decision.settlement == Settlement(tuple(tenders), cash_received=0, change=0)
    # Package commission: 5% of ¥500 = ¥25.
    assert decision.commissions == (
        CommissionLine("S07", CommissionBasis.SALE, 2500, "PKG", line_no=0, source_amount=50000),
    )
    receipt = decision.receipt
    assert receipt.kind is ReceiptKind.SALE
    assert receipt.lines == (ReceiptLine("面部护理5次卡", 1, 50000, 50000),)
    assert rows(receipt.totals) == [("receipt.amount_due", 50000),
                                    ("receipt.expires_on", "2027-05-21")]
    assert rows(receipt.tenders) == [("tender.stored_value", 33000), ("tender.bank_card", 17000)]
    # 1000 - 300 = ¥700 principal, 100 - 30 = ¥70 bonus, 5 facials.
    assert rows(receipt.balances) == [("receipt.principal", 70000), ("receipt.bonus", 7000),
                                      ("receipt.points", "0"), ("receipt.counts_left", "FACIAL 5")]
    (event,) = decision.events
    assert event.type == "package.purchased"
    assert event.payload["package"] == "FACIAL5"
    assert (event.payload["qty"], event.payload["price"]) == (1, 50000)
    assert event.payload["tenders"] == [
        {"kind": "stored_value", "amount": 33000, "reference": ""},
        {"kind": "bank_card", "amount": 17000, "reference": "POS-778120"},
    ]
    assert [entry_from_dict(data) for data in event.payload["entries"]] == list(decision.entries)
    assert event.payload["commissions"] == [
        {"staff_id": "S07", "basis": "sale", "amount": 2500, "rule": "PKG", "line_no": 0}]


def test_buy_two_packages_in_cash_with_change():
    # 2 × ¥500 = ¥1000; ¥1050 handed over, ¥50 back; 2 × 5 = 10 uses in one lot.
    decision = counter.buy_package(op(3), member(), FACIAL5, 2,
                                   [Tender(TenderKind.CASH, 105000)], RULES)
    assert [(e.account, e.delta, e.kind, e.lot) for e in decision.entries] == [
        (A.COUNT, 10, K.PURCHASE, "SH001-T1-3:FACIAL5")]
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 100000),), 105000, 5000)
    assert [line.amount for line in decision.commissions] == [5000]  # 5% of ¥1000
    assert decision.receipt.lines == (ReceiptLine("面部护理5次卡", 2, 50000, 100000),)
    assert rows(decision.receipt.tenders)[1:] == [("receipt.cash_received", 105000),
                                                  ("receipt.change", 5000)]


def test_buy_package_without_validity_and_without_commission_rule():
    decision = counter.buy_package(op(3), member(), WASH10, 1,
                                   [Tender(TenderKind.WECHAT, 30000, "WX1")], RULES)
    (entry,) = decision.entries
    assert (entry.valid_from, entry.valid_until) == (TODAY, None)
    assert rows(decision.receipt.totals) == [("receipt.amount_due", 30000)]
    assert decision.commissions == ()


@pytest.mark.parametrize(("package", "tenders", "key"), [
    (FACIAL5, [Tender(TenderKind.COUNT, 50000)], "tender.not_allowed_for_payment_in"),
    (FACIAL5, [Tender(TenderKind.STORED_VALUE, 50000)], "balance.insufficient"),
    (FACIAL5, [Tender(TenderKind.CASH, 40000)], "tender.short"),
    (CountPackage("NAIL3", "美甲3次卡", "NAIL", 3, 20000), [Tender(TenderKind.CASH, 20000)],
     "count.unknown_package"),
])
def test_buy_package_refused(package, tenders, key):
    with raises_key(key):
        counter.buy_package(op(3), member(money(10000, 0)), package, 1, tenders)


def test_buy_package_refused_on_a_frozen_card():
    with raises_key("card.frozen"):
        counter.buy_package(op(3), member(card=replace(CARD, status=CardStatus.FROZEN)),
                            FACIAL5, 1, [Tender(TenderKind.CASH, 50000)])


# --- time and passes (计时) -------------------------------------------------------------------


def test_buy_time_600_minutes_for_120_yuan_in_cash():
    decision = counter.buy_time(op(5), member(), 600, 12000, [Tender(TenderKind.CASH, 12000)])
    assert decision.entries == (
        LedgerEntry("SH001-T1-5", CARD.card_no, A.TIME, 600, K.PURCHASE, AT),
    )
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 12000),), 12000, 0)
    assert decision.receipt.lines == (ReceiptLine("600 min", 1, 12000, 12000),)
    assert rows(decision.receipt.totals) == [("receipt.amount_due", 12000)]
    assert rows(decision.receipt.balances)[-1] == ("receipt.minutes_left", "600")
    assert decision.events[0].type == "time.purchased"
    assert decision.events[0].payload["minutes"] == 600
    assert decision.events[0].payload["price"] == 12000


def test_buy_time_from_stored_value_spends_principal_and_bonus():
    # ¥120 from ¥450 principal + ¥50 bonus: bonus 120 × 50 / 500 = ¥12, principal ¥108.
    decision = counter.buy_time(op(5), member(money(45000, 5000)), 600, 12000,
                                [Tender(TenderKind.STORED_VALUE, 12000)])
    assert [(e.account, e.delta, e.kind) for e in decision.entries] == [
        (A.TIME, 600, K.PURCHASE), (A.PRINCIPAL, -10800, K.SPEND), (A.BONUS, -1200, K.SPEND)]


def test_buy_monthly_pass_by_alipay():
    alipay = Tender(TenderKind.ALIPAY, 29900, "ALI2026112300001")
    decision = counter.buy_pass(op(6), member(), MONTH_PASS, [alipay])
    # 30 days counting today: 2026-11-23 through 2026-12-22.
    assert decision.entries == (
        LedgerEntry("SH001-T1-6", CARD.card_no, A.PASS, 1, K.PURCHASE, AT,
                    lot="SH001-T1-6:STUDY-M", service="study", valid_from=date(2026, 11, 23),
                    valid_until=date(2026, 12, 22)),
    )
    assert decision.settlement == Settlement((alipay,), 0, 0)
    assert decision.receipt.lines == (ReceiptLine("自习室月卡", 1, 29900, 29900),)
    assert rows(decision.receipt.totals) == [("receipt.amount_due", 29900),
                                             ("receipt.expires_on", "2026-12-22")]
    assert rows(decision.receipt.tenders) == [("tender.alipay", 29900)]
    (event,) = decision.events
    assert (event.type, event.payload["pass"], event.payload["price"]) == (
        "pass.purchased", "STUDY-M", 29900)
    assert event.payload["tenders"] == [
        {"kind": "alipay", "amount": 29900, "reference": "ALI2026112300001"}]


def test_buy_pass_refused_from_a_subsidiary_card():
    with raises_key("purchase.subsidiary_card"):
        counter.buy_pass(op(6), member(money(50000, 0), card=CHILD, parent=CARD), MONTH_PASS,
                         [Tender(TenderKind.CASH, 29900)])


# --- gifts for points (积分兑换) ---------------------------------------------------------------


UMBRELLA = Gift("UMBRELLA", "晴雨伞", points_cost=200, stock=10)


def test_redeem_gift_takes_points_from_the_oldest_lot_first():
    # 2 umbrellas × 200 = 400 points: all 300 of the 2025 lot, then 100 of the 2026 lot.
    decision = counter.redeem_gift(op(8), member(points_lots()), UMBRELLA, 2)
    assert decision.entries == (
        LedgerEntry("SH001-T1-8", CARD.card_no, A.POINTS, -300, K.REDEEM, AT, lot="P2025",
                    valid_until=date(2026, 12, 31), note="gift:UMBRELLA"),
        LedgerEntry("SH001-T1-8", CARD.card_no, A.POINTS, -100, K.REDEEM, AT, lot="P2026",
                    valid_until=date(2027, 12, 31), note="gift:UMBRELLA"),
    )
    assert decision.settlement is None
    receipt = decision.receipt
    assert receipt.kind is ReceiptKind.GIFT
    assert receipt.lines == (ReceiptLine("晴雨伞", 2, 0, 0),)
    assert rows(receipt.totals) == [("receipt.points_used", "400")]
    assert receipt.tenders == ()
    assert rows(receipt.balances) == [("receipt.principal", 0), ("receipt.bonus", 0),
                                      ("receipt.points", "400")]  # 800 - 400
    (event,) = decision.events
    assert event.type == "gift.redeemed"
    assert (event.payload["gift"], event.payload["qty"], event.payload["points"]) == (
        "UMBRELLA", 2, 400)
    assert [(d["lot"], d["delta"]) for d in event.payload["entries"]] == [
        ("P2025", -300), ("P2026", -100)]


@pytest.mark.parametrize(("gift", "stock_left"), [
    (UMBRELLA, 1),  # the store's count wins over the catalogue's stock
    (Gift("MUG", "马克杯", points_cost=100, stock=1), None),
])
def test_redeem_gift_out_of_stock(gift, stock_left):
    with raises_key("gift.out_of_stock") as caught:
        counter.redeem_gift(op(8), member(points_lots()), gift, 2, stock_left=stock_left)
    assert caught.value.params == {"code": gift.code, "requested": 2, "left": 1}


def test_redeem_gift_without_enough_points():
    # 5 × 200 = 1000 points; the card has 300 + 500 = 800.
    with raises_key("points.insufficient") as caught:
        counter.redeem_gift(op(8), member(points_lots()), UMBRELLA, 5)
    assert caught.value.params == {"needed": 1000, "available": 800}


def test_redeem_gift_refused_on_a_lost_card():
    with raises_key("card.lost"):
        counter.redeem_gift(op(8), member(points_lots(), card=replace(CARD,
                                                                      status=CardStatus.LOST)),
                            UMBRELLA, 1)


# --- closing a timed session (计时结账) ---------------------------------------------------------
# Study room: ¥15 per started hour after 10 free minutes, at most ¥60 a session.

STARTED = datetime(2026, 11, 23, 10, 0)


def pass_lot() -> LedgerEntry:
    return setup(A.PASS, 1, K.PURCHASE, lot="SETUP:STUDY-M", service="study",
                 valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 30))


def test_session_covered_by_a_monthly_pass_costs_nothing():
    # 10:00-12:30 is 150 minutes: (150 - 10) / 60 -> 3 started hours, ¥45, but the pass covers it.
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 12, 30)),
                                     member([pass_lot()]), STUDY, STARTED, [])
    assert decision.entries == ()
    assert decision.settlement is None
    assert decision.receipt.kind is ReceiptKind.TIME_SESSION
    assert rows(decision.receipt.totals) == [("receipt.minutes", "150"), ("receipt.units", "3"),
                                             ("receipt.paid_by_pass", ""),
                                             ("receipt.amount_due", 0)]
    assert decision.receipt.tenders == ()
    payload = decision.events[0].payload
    assert decision.events[0].type == "time.session_closed"
    assert {name: payload[name] for name in
            ("service", "minutes", "units", "amount_due", "pass", "prepaid_minutes")} == {
        "service": "study", "minutes": 150, "units": 3, "amount_due": 0,
        "pass": "SETUP:STUDY-M", "prepaid_minutes": 0}


def test_session_covered_by_a_pass_takes_no_money():
    with raises_key("tender.cash_not_needed"):
        counter.close_session(op(9, at=datetime(2026, 11, 23, 12, 30)), member([pass_lot()]),
                              STUDY, STARTED, [Tender(TenderKind.CASH, 4500)])


def test_session_paid_with_prepaid_minutes():
    history = [setup(A.TIME, 600, K.PURCHASE)]
    ended = datetime(2026, 11, 23, 12, 30)
    decision = counter.close_session(op(9, at=ended), member(history), STUDY, STARTED, [])
    # 3 started hours = 180 prepaid minutes; 600 - 180 = 420 left.
    assert decision.entries == (
        LedgerEntry("SH001-T1-9", CARD.card_no, A.TIME, -180, K.USE, ended, service="study"),
    )
    assert decision.settlement is None
    assert rows(decision.receipt.totals) == [("receipt.minutes", "150"), ("receipt.units", "3"),
                                             ("receipt.prepaid_minutes_used", "180"),
                                             ("receipt.amount_due", 0)]
    assert rows(decision.receipt.balances)[-1] == ("receipt.minutes_left", "420")
    assert decision.events[0].payload["prepaid_minutes"] == 180


def test_prepaid_minutes_never_cost_more_than_the_cap():
    # 10:00-15:00: 5 started hours = 300 minutes, but the ¥60 cap is worth 60 / 15 = 4 hours.
    history = [setup(A.TIME, 600, K.PURCHASE)]
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 15, 0)), member(history),
                                     STUDY, STARTED, [])
    assert [entry.delta for entry in decision.entries] == [-240]


def test_session_paid_with_money_is_capped():
    # 10:00-15:00 is 300 minutes: (300 - 10) / 60 -> 5 started hours × ¥15 = ¥75, capped at ¥60.
    # ¥100 handed over, ¥40 change.
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 15, 0)), member(), STUDY,
                                     STARTED, [Tender(TenderKind.CASH, 10000)])
    assert decision.entries == ()
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 6000),), 10000, 4000)
    assert rows(decision.receipt.totals) == [("receipt.minutes", "300"), ("receipt.units", "5"),
                                             ("receipt.amount_due", 6000)]
    assert rows(decision.receipt.tenders) == [("tender.cash", 6000),
                                              ("receipt.cash_received", 10000),
                                              ("receipt.change", 4000)]
    payload = decision.events[0].payload
    assert (payload["amount_due"], payload["pass"], payload["prepaid_minutes"]) == (6000, "", 0)
    assert payload["tenders"] == [{"kind": "cash", "amount": 6000, "reference": ""}]


def test_session_paid_from_stored_value_spends_the_card():
    # 10:00-11:10: (70 - 10) / 60 -> 1 hour, ¥15. From ¥450 + ¥50: bonus 15 × 50 / 500 = ¥1.50.
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 11, 10)),
                                     member(money(45000, 5000)), STUDY, STARTED,
                                     [Tender(TenderKind.STORED_VALUE, 1500)])
    ended = datetime(2026, 11, 23, 11, 10)
    assert decision.entries == (
        LedgerEntry("SH001-T1-9", CARD.card_no, A.PRINCIPAL, -1350, K.SPEND, ended),
        LedgerEntry("SH001-T1-9", CARD.card_no, A.BONUS, -150, K.SPEND, ended),
    )
    assert rows(decision.receipt.balances)[:2] == [("receipt.principal", 43650),
                                                   ("receipt.bonus", 4850)]


def test_session_within_the_free_minutes_needs_no_payment():
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 10, 10)), member(), STUDY,
                                     STARTED, [])
    assert (decision.entries, decision.settlement) == ((), None)
    assert rows(decision.receipt.totals) == [("receipt.minutes", "10"), ("receipt.units", "0"),
                                             ("receipt.amount_due", 0)]


def test_session_with_money_due_and_no_tender_is_refused():
    with raises_key("tender.short"):
        counter.close_session(op(9, at=datetime(2026, 11, 23, 11, 10)), member(), STUDY,
                              STARTED, [])


def test_subsidiary_card_session_uses_the_parents_prepaid_minutes():
    history = [setup(A.TIME, 600, K.PURCHASE)]
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 12, 30)),
                                     member(history, card=CHILD, parent=CARD), STUDY, STARTED, [])
    assert [(e.card_no, e.account, e.delta) for e in decision.entries] == [
        (CARD.card_no, A.TIME, -180)]


def test_subsidiary_card_session_paid_from_the_parent_within_the_quota():
    # The subsidiary card's quota is ¥10 a month: a ¥15 session cannot come from the card.
    member_child = member(money(45000, 0), card=CHILD, parent=CARD)
    with raises_key("subsidiary.quota_exceeded"):
        counter.close_session(op(9, at=datetime(2026, 11, 23, 11, 10)), member_child, STUDY,
                              STARTED, [Tender(TenderKind.STORED_VALUE, 1500)])
    richer = member(money(45000, 0), card=replace(CHILD, quota=5000), parent=CARD)
    decision = counter.close_session(op(9, at=datetime(2026, 11, 23, 11, 10)), richer, STUDY,
                                     STARTED, [Tender(TenderKind.STORED_VALUE, 1500)])
    assert [(e.card_no, e.delta, e.actor_card_no) for e in decision.entries] == [
        (CARD.card_no, -1500, CHILD.card_no)]


# --- every receipt prints translated --------------------------------------------------------


def _receipts():
    rich = member([*money(100000, 10000), *points_lots(), setup(A.TIME, 600, K.PURCHASE)])
    return {
        "top_up": counter.top_up(op(2), rich, 50000, [Tender(TenderKind.CASH, 60000)], RULES),
        "withdraw": counter.withdraw(op(3), rich, 10000),
        "package": counter.buy_package(op(4), rich, FACIAL5, 1, [
            Tender(TenderKind.STORED_VALUE, 20000), Tender(TenderKind.BANK_CARD, 30000, "P")],
            RULES),
        "time": counter.buy_time(op(5), rich, 120, 3000, [Tender(TenderKind.WECHAT, 3000, "W")]),
        "pass": counter.buy_pass(op(6), rich, MONTH_PASS, [Tender(TenderKind.ALIPAY, 29900, "A")]),
        "gift": counter.redeem_gift(op(7), rich, UMBRELLA, 1),
        "session_pass": counter.close_session(op(10, at=datetime(2026, 11, 23, 12, 0)),
                                              member([pass_lot()]), STUDY, STARTED, []),
        "session": counter.close_session(op(8, at=datetime(2026, 11, 23, 15, 0)), member(),
                                         STUDY, STARTED, [Tender(TenderKind.CASH, 10000)]),
        "session_prepaid": counter.close_session(op(9, at=datetime(2026, 11, 23, 11, 10)), rich,
                                                 STUDY, STARTED, []),
    }


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_counter_receipt_prints_without_untranslated_keys(lang):
    for name, decision in _receipts().items():
        text = render_text(decision.receipt, 32, lang)
        found = UNTRANSLATED.search(text)
        assert found is None, f"{name}: {found.group(0)}"
        assert "880000001234" not in text  # the card number is masked
