"""Card services at the counter (卡务) worked through as the cashier checks them: enrolment,
loss and freeze, replacement, extension and cancellation, each with its fee, ledger entries,
receipt rows, event and the cards to store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from membership import card_service
from membership import counter_operations as counter
from membership.cards import (
    Card,
)
from membership.commission import CommissionBasis, CommissionLine
from membership.events import entry_from_dict
from membership.ledger import Account, LedgerEntry, derive_balances
from membership.lifecycle import ensure_can_pay
from membership.receipts import ReceiptKind
from membership.tenders import Settlement, Tender, TenderKind
from tests.support.card_service_world import (
    AT,
    CARD,
    COUNT_TERMS,
    FREE,
    GOLD,
    NEW_NO,
    OLD_NO,
    RULES,
    TODAY,
    A,
    K,
    S,
    history,
    member,
    op,
    raises_key,
    rows,
)


def test_enrol_takes_the_join_fee_in_cash_with_change_and_pays_card_open_commission():
    decision = card_service.enrol(op(1), OLD_NO, "M001", "张三", GOLD,
                                  [Tender(TenderKind.CASH, 5000)], level="NORMAL", rules=RULES)
    # 365 days counting today: valid 2026-11-23 through 2027-11-22.
    assert decision.cards == (
        Card(OLD_NO, "M001", "GOLD", S.ACTIVE, issued_on=TODAY, expires_on=date(2027, 11, 22),
             level="NORMAL"),
    )
    assert decision.entries == ()
    # ¥20 card fee, ¥50 handed over, ¥30 change.
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 2000),), 5000, 3000)
    assert decision.commissions == (
        CommissionLine("S07", CommissionBasis.CARD_OPEN, 1000, "OPEN", source_amount=2000),
    )
    receipt = decision.receipt
    assert (receipt.kind, receipt.card_no_masked, receipt.member_name) == (
        ReceiptKind.CARD_OPERATION, "8800****1234", "张三")
    assert rows(receipt.totals) == [("receipt.action.card.issued", ""),
                                    ("receipt.card_fee", 2000)]
    assert rows(receipt.tenders) == [("tender.cash", 2000), ("receipt.cash_received", 5000),
                                     ("receipt.change", 3000)]
    assert rows(receipt.balances) == [("receipt.principal", 0), ("receipt.bonus", 0),
                                      ("receipt.points", "0")]
    assert receipt.footer_keys == ("receipt.keep",)
    (event,) = decision.events
    assert (event.type, event.op_id, event.at) == ("card.issued", "SH001-T1-1", AT)
    assert event.payload == {
        "member_id": "M001", "type_code": "GOLD", "level": "NORMAL",
        "expires_on": "2027-11-22", "join_fee": 2000, "card_no": OLD_NO,
        "tenders": [{"kind": "cash", "amount": 2000, "reference": ""}],
        "entries": [],
        "commissions": [{"staff_id": "S07", "basis": "card_open", "amount": 1000,
                         "rule": "OPEN", "line_no": None}],
    }


def test_enrol_without_a_fee_needs_no_tender_and_never_expires():
    decision = card_service.enrol(op(1), OLD_NO, "M001", "张三", FREE, [], rules=RULES)
    (card,) = decision.cards
    assert (card.type_code, card.expires_on) == ("FREE", None)
    assert decision.settlement == Settlement((), 0, 0)
    assert decision.receipt.tenders == ()
    assert rows(decision.receipt.totals)[1] == ("receipt.card_fee", 0)
    assert decision.events[0].payload["expires_on"] is None


@pytest.mark.parametrize(("tenders", "key"), [
    ([Tender(TenderKind.STORED_VALUE, 2000)], "tender.not_allowed_for_payment_in"),
    ([Tender(TenderKind.CASH, 1000)], "tender.short"),
    ([Tender(TenderKind.WECHAT, 3000, "WX")], "tender.overpaid"),
])
def test_enrol_fee_payment_refused(tenders, key):
    with raises_key(key):
        card_service.enrol(op(1), OLD_NO, "M001", "张三", GOLD, tenders)


def test_enrol_without_staff_pays_no_commission():
    decision = card_service.enrol(op(1, staff_id=""), OLD_NO, "M001", "张三", GOLD,
                                  [Tender(TenderKind.CASH, 2000)], rules=RULES)
    assert decision.commissions == ()


# --- loss, freeze (挂失 / 解挂 / 冻结 / 解冻) ----------------------------------------------------


@pytest.mark.parametrize(("start", "event_type", "end"), [
    (S.ACTIVE, "card.lost", S.LOST),
    (S.LOST, "card.found", S.ACTIVE),
    (S.ACTIVE, "card.frozen", S.FROZEN),
    (S.FROZEN, "card.unfrozen", S.ACTIVE),
])
def test_state_change_moves_no_money_and_prints_the_action(start, event_type, end):
    card = replace(CARD, status=start)
    decision = card_service.change_state(op(6), member(history(), card=card), event_type)
    assert decision.cards == (replace(CARD, status=end),)
    assert decision.entries == ()
    assert decision.settlement is None
    assert decision.commissions == ()
    receipt = decision.receipt
    assert rows(receipt.totals) == [(f"receipt.action.{event_type}", "")]
    assert receipt.tenders == ()
    assert rows(receipt.balances) == [("receipt.principal", 80000), ("receipt.bonus", 8000),
                                      ("receipt.points", "800"),
                                      ("receipt.counts_left", "FACIAL 3")]
    (event,) = decision.events
    assert event.type == event_type
    assert event.payload == {"status": end.value, "card_no": OLD_NO, "tenders": [],
                             "entries": [], "commissions": []}


def test_lost_card_cannot_pay_until_the_loss_is_cancelled():
    lost = card_service.change_state(op(6), member(history()), "card.lost").cards[0]
    with raises_key("card.lost"):
        counter.withdraw(op(7), member(history(), card=lost), 1000)
    found = card_service.change_state(op(8), member(history(), card=lost), "card.found").cards[0]
    assert counter.withdraw(op(9), member(history(), card=found), 1000).entries[0].delta == -1000


@pytest.mark.parametrize(("start", "event_type", "target"), [
    (S.ACTIVE, "card.found", S.ACTIVE),
    (S.ACTIVE, "card.unfrozen", S.ACTIVE),
    (S.LOST, "card.lost", S.LOST),
    (S.LOST, "card.frozen", S.FROZEN),
    (S.LOST, "card.unfrozen", S.ACTIVE),
    (S.FROZEN, "card.lost", S.LOST),
    (S.FROZEN, "card.found", S.ACTIVE),
    (S.REPLACED, "card.lost", S.LOST),
    (S.CANCELLED, "card.unfrozen", S.ACTIVE),
])
def test_illegal_state_change_is_refused(start, event_type, target):
    with raises_key("card.transition_illegal") as caught:
        card_service.change_state(op(6), member(card=replace(CARD, status=start)), event_type)
    assert caught.value.params == {"card_no": OLD_NO, "from": start.value, "to": target.value}


def test_unknown_state_change_is_invalid_input():
    with raises_key("input.invalid") as caught:
        card_service.change_state(op(6), member(), "card.stolen")
    assert caught.value.params["field"] == "event_type"


# --- replacement (换卡 / 补卡) -------------------------------------------------------------------


def transfer(account: Account, amount: int, **terms) -> list[LedgerEntry]:
    """The pair a replacement writes for one balance: out of the old card, into the new one."""
    out = LedgerEntry("SH001-T1-7", OLD_NO, account, -amount, K.TRANSFER_OUT, AT, note=NEW_NO,
                      **terms)
    into = LedgerEntry("SH001-T1-7", NEW_NO, account, amount, K.TRANSFER_IN, AT, note=OLD_NO,
                       **terms)
    return [out, into]


def test_replace_a_lost_card_moves_every_balance_to_the_new_card():
    lost = replace(CARD, status=S.LOST)
    decision = card_service.replace(op(7), member(history(), card=lost), NEW_NO,
                                    [Tender(TenderKind.CASH, 1000)])
    assert decision.entries == (
        *transfer(A.PRINCIPAL, 80000),
        *transfer(A.BONUS, 8000),
        *transfer(A.POINTS, 300, lot="P2025", valid_until=date(2026, 12, 31)),
        *transfer(A.POINTS, 500, lot="P2026", valid_until=date(2027, 12, 31)),
        *transfer(A.COUNT, 3, **COUNT_TERMS),
    )
    everything = [*history(), *decision.entries]
    old, new = derive_balances(everything, OLD_NO), derive_balances(everything, NEW_NO)
    assert (old.principal, old.bonus, old.points, old.counts_for("FACIAL", TODAY)) == (0, 0, 0, 0)
    assert (new.principal, new.bonus, new.points, new.counts_for("FACIAL", TODAY)) == (
        80000, 8000, 800, 3)
    assert [(lot.lot, lot.remaining, lot.valid_until) for lot in new.points_lots] == [
        ("P2025", 300, date(2026, 12, 31)), ("P2026", 500, date(2027, 12, 31))]
    assert [(lot.lot, lot.remaining, lot.valid_from, lot.valid_until)
            for lot in new.count_lots] == [
        ("SETUP:FACIAL5", 3, date(2026, 10, 1), date(2027, 3, 29))]
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 1000),), 1000, 0)
    # The old card is blocked for good; the new one keeps the member, type, level and expiry.
    assert decision.cards == (
        replace(CARD, status=S.REPLACED, replaced_by=NEW_NO),
        replace(CARD, card_no=NEW_NO, issued_on=TODAY, previous_card_nos=(OLD_NO,)),
    )


def test_replacement_receipt_shows_the_new_card_and_its_balances():
    decision = card_service.replace(op(7), member(history(), card=replace(CARD, status=S.LOST)),
                                    NEW_NO, [Tender(TenderKind.WECHAT, 1000, "WX778")])
    receipt = decision.receipt
    assert receipt.card_no_masked == "8800****5678"
    assert rows(receipt.totals) == [("receipt.action.card.replaced", ""),
                                    ("receipt.replacement_fee", 1000)]
    assert rows(receipt.tenders) == [("tender.wechat", 1000)]
    assert rows(receipt.balances) == [("receipt.principal", 80000), ("receipt.bonus", 8000),
                                      ("receipt.points", "800"),
                                      ("receipt.counts_left", "FACIAL 3")]
    (event,) = decision.events
    assert event.type == "card.replaced"
    assert {name: event.payload[name] for name in
            ("old_card_no", "new_card_no", "fee", "card_no", "tenders", "commissions")} == {
        "old_card_no": OLD_NO, "new_card_no": NEW_NO, "fee": 1000, "card_no": NEW_NO,
        "tenders": [{"kind": "wechat", "amount": 1000, "reference": "WX778"}],
        "commissions": []}
    assert [entry_from_dict(data) for data in event.payload["entries"]] == list(
        decision.entries)


def test_replaced_card_can_never_pay_again():
    decision = card_service.replace(op(7), member(history()), NEW_NO,
                                    [Tender(TenderKind.CASH, 1000)])
    old, new = decision.cards
    with raises_key("card.replaced") as caught:
        ensure_can_pay(old, TODAY)
    assert caught.value.params == {"card_no": OLD_NO, "replaced_by": NEW_NO}
    with raises_key("card.replaced"):
        counter.top_up(op(8), member(card=old), 10000, [Tender(TenderKind.CASH, 10000)])
    ensure_can_pay(new, TODAY)
    with raises_key("card.transition_illegal"):
        card_service.change_state(op(9), member(card=old), "card.found")
