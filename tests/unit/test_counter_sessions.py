"""Counter operations worked through as the cashier checks them: top-up, withdrawal, buying a
package, time or a pass, a gift for points and closing a timed session. Each test states the
ledger entries, the settlement, commissions, the receipt rows and the event exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from membership import counter_operations as counter
from membership.cards import (
    CardStatus,
)
from membership.ledger import LedgerEntry
from membership.points import Gift
from membership.receipts import ReceiptKind, ReceiptLine
from membership.tenders import Settlement, Tender, TenderKind
from terminal.receipts.text import render_text
from tests.support.counter_world import (
    AT,
    CARD,
    CHILD,
    FACIAL5,
    MONTH_PASS,
    RULES,
    STUDY,
    UNTRANSLATED,
    A,
    K,
    member,
    money,
    op,
    points_lots,
    raises_key,
    rows,
    setup,
)


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
