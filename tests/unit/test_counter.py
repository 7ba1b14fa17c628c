"""Counter operations worked through as the cashier checks them: top-up, withdrawal, buying a
package, time or a pass, a gift for points and closing a timed session. Each test states the
ledger entries, the settlement, commissions, the receipt rows and the event exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership import counter_operations as counter
from membership.cards import (
    CardStatus,
    CountPackage,
)
from membership.commission import CommissionBasis, CommissionLine
from membership.events import entry_from_dict, entry_to_dict
from membership.ledger import LedgerEntry, derive_balances
from membership.receipts import ReceiptKind, ReceiptLine
from membership.tenders import Settlement, Tender, TenderKind
from tests.support.counter_world import (
    AT,
    CARD,
    CHILD,
    FACIAL5,
    RULES,
    TODAY,
    WASH10,
    A,
    K,
    member,
    money,
    op,
    raises_key,
    rows,
)


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
