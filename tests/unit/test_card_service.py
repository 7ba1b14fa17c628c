"""Card services at the counter (卡务) worked through as the cashier checks them: enrolment,
loss and freeze, replacement, extension and cancellation, each with its fee, ledger entries,
receipt rows, event and the cards to store."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership import card_service, counter
from membership.cards import (
    BonusTier,
    Card,
    CardStatus,
    CardType,
    CountPackage,
    Feature,
    Fees,
    SubsidiaryPolicy,
)
from membership.commission import CommissionBasis, CommissionLine, CommissionRule
from membership.counter import Operation
from membership.errors import DomainError
from membership.events import entry_from_dict
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.lifecycle import ensure_can_pay
from membership.receipts import ReceiptKind
from membership.sale import MemberContext, StoreContext
from membership.tenders import Settlement, Tender, TenderKind
from terminal.receipt_text import render_text

A, K, S = Account, EntryKind, CardStatus
AT = datetime(2026, 11, 23, 10, 0)
TODAY = AT.date()
SETUP_AT = datetime(2026, 10, 1, 9, 0)
STORE = StoreContext("SH001", "SH001-T1", "静安旗舰店", "王小丽")
FACIAL5 = CountPackage("FACIAL5", "面部护理5次卡", "FACIAL", 5, 50000, 180)
GOLD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.COUNT, Feature.TIME}),
    validity_days=365,
    fees=Fees(join=2000, annual=5000, replacement=1000, cancellation=2000),
    bonus_tiers=(BonusTier(100000, 10000),),
    count_packages=(FACIAL5,),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000),
)
FREE = CardType(code="FREE", name="普通卡", features=frozenset({Feature.POINTS}))
RULES = (
    CommissionRule("OPEN", CommissionBasis.CARD_OPEN, fixed_per_unit=1000),
    CommissionRule("TOPUP", CommissionBasis.TOPUP, rate_bp=100),
)
OLD_NO, NEW_NO = "880000001234", "880000005678"
CARD = Card(OLD_NO, "M001", "GOLD", issued_on=date(2026, 1, 5), expires_on=date(2027, 1, 4),
            level="SILVER")
CHILD = Card("880000009999", "M002", "GOLD", issued_on=date(2026, 2, 1),
             parent_card_no=OLD_NO, quota=50000)
UNTRANSLATED = re.compile(r"\b(receipt|tender)\.[a-z_.]+")
COUNT_TERMS = {"lot": "SETUP:FACIAL5", "service": "FACIAL", "valid_from": date(2026, 10, 1),
               "valid_until": date(2027, 3, 29)}


def op(seq: int, at: datetime = AT, staff_id: str = "S07") -> Operation:
    return Operation(f"SH001-T1-{seq}", at, STORE, staff_id)


def setup(account: Account, delta: int, kind: EntryKind, **terms) -> LedgerEntry:
    return LedgerEntry("SETUP", OLD_NO, account, delta, kind, SETUP_AT, **terms)


def history() -> list[LedgerEntry]:
    """¥800 principal, ¥80 bonus, 300 + 500 points in two lots, a facial package with 3 of its
    5 uses left."""
    return [
        setup(A.PRINCIPAL, 80000, K.TOPUP),
        setup(A.BONUS, 8000, K.TOPUP_BONUS),
        setup(A.POINTS, 300, K.EARN, lot="P2025", valid_until=date(2026, 12, 31)),
        setup(A.POINTS, 500, K.EARN, lot="P2026", valid_until=date(2027, 12, 31)),
        setup(A.COUNT, 5, K.PURCHASE, **COUNT_TERMS),
        setup(A.COUNT, -2, K.USE, lot="SETUP:FACIAL5", service="FACIAL"),
    ]


def member(entries=(), card: Card = CARD, parent: Card | None = None) -> MemberContext:
    return MemberContext(card, GOLD, derive_balances(entries, OLD_NO), member_name="张三",
                         parent=parent)


def rows(section) -> list[tuple[str, object]]:
    return [(row.label_key, row.amount if row.amount is not None else row.value)
            for row in section]


def raises_key(key: str):
    return pytest.raises(DomainError, match=rf"^{re.escape(key)}\b")


# --- enrolment (开卡) ------------------------------------------------------------------------


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


def test_replacement_fee_cannot_come_from_the_card():
    with raises_key("tender.not_allowed_for_payment_in"):
        card_service.replace(op(7), member(history()), NEW_NO,
                             [Tender(TenderKind.STORED_VALUE, 1000)])


def test_frozen_card_cannot_be_replaced():
    with raises_key("card.transition_illegal"):
        card_service.replace(op(7), member(history(), card=replace(CARD, status=S.FROZEN)),
                             NEW_NO, [Tender(TenderKind.CASH, 1000)])


def test_replacement_moves_the_subsidiary_cards_under_the_new_card():
    other_family = replace(CHILD, card_no="880000007777", parent_card_no="880000000001")
    decision = card_service.replace(op(7), member(history()), NEW_NO,
                                    [Tender(TenderKind.CASH, 1000)],
                                    children=[CHILD, other_family])
    assert decision.cards[2:] == (replace(CHILD, parent_card_no=NEW_NO),)


def test_replacing_a_subsidiary_card_leaves_the_parents_balances_alone():
    # A subsidiary card holds nothing; the balances in its context are its parent's.
    decision = card_service.replace(op(7), member(history(), card=CHILD, parent=CARD), NEW_NO,
                                    [Tender(TenderKind.CASH, 1000)])
    assert decision.entries == ()
    assert decision.cards[1] == replace(CHILD, card_no=NEW_NO, issued_on=TODAY,
                                        previous_card_nos=(CHILD.card_no,))
    assert rows(decision.receipt.balances)[:2] == [("receipt.principal", 80000),
                                                   ("receipt.bonus", 8000)]


# --- extension (延期) ----------------------------------------------------------------------------


def test_extend_a_valid_card_for_the_annual_fee():
    at = datetime(2026, 12, 20, 10, 0)
    decision = card_service.extend(op(8, at=at), member(history()),
                                   [Tender(TenderKind.CASH, 5000)])
    # 365 more days after the old last day 2027-01-04: 2028-01-04.
    assert decision.cards == (replace(CARD, expires_on=date(2028, 1, 4)),)
    assert decision.entries == ()
    assert decision.settlement == Settlement((Tender(TenderKind.CASH, 5000),), 5000, 0)
    assert rows(decision.receipt.totals) == [("receipt.action.card.extended", ""),
                                             ("receipt.annual_fee", 5000),
                                             ("receipt.expires_on", "2028-01-04")]
    assert rows(decision.receipt.tenders) == [("tender.cash", 5000)]
    assert rows(decision.receipt.balances)[0] == ("receipt.principal", 80000)
    (event,) = decision.events
    assert event.type == "card.extended"
    assert {name: event.payload[name] for name in ("old_expires_on", "expires_on", "fee")} == {
        "old_expires_on": "2027-01-04", "expires_on": "2028-01-04", "fee": 5000}


def test_extend_an_expired_card_counts_from_today():
    expired = replace(CARD, expires_on=date(2026, 10, 31))
    decision = card_service.extend(op(8), member(card=expired), [Tender(TenderKind.CASH, 5000)])
    # Expired: today 2026-11-23 is the first day of 365, so the last is 2027-11-22.
    (card,) = decision.cards
    assert (card.status, card.expires_on) == (S.ACTIVE, date(2027, 11, 22))
    assert rows(decision.receipt.totals)[-1] == ("receipt.expires_on", "2027-11-22")


def test_extend_by_a_given_number_of_days():
    decision = card_service.extend(op(8), member(), [Tender(TenderKind.CASH, 5000)], days=30)
    assert decision.cards[0].expires_on == date(2027, 2, 3)  # 2027-01-04 + 30 days


def test_lost_card_cannot_be_extended():
    with raises_key("card.transition_illegal"):
        card_service.extend(op(8), member(card=replace(CARD, status=S.LOST)),
                            [Tender(TenderKind.CASH, 5000)])


# --- cancellation (退卡) -------------------------------------------------------------------------


def test_cancel_refunds_principal_less_the_fee_and_forfeits_the_rest():
    decision = card_service.cancel(op(9), member(history()))
    refund = LedgerEntry("SH001-T1-9", OLD_NO, A.PRINCIPAL, -80000, K.CANCEL_REFUND, AT)

    def forfeit(account, amount, **terms):
        return LedgerEntry("SH001-T1-9", OLD_NO, account, -amount, K.FORFEIT, AT, **terms)

    assert decision.entries == (
        refund,
        forfeit(A.BONUS, 8000),
        forfeit(A.POINTS, 300, lot="P2025", valid_until=date(2026, 12, 31)),
        forfeit(A.POINTS, 500, lot="P2026", valid_until=date(2027, 12, 31)),
        forfeit(A.COUNT, 3, **COUNT_TERMS),
    )
    after = derive_balances([*history(), *decision.entries])
    assert (after.principal, after.bonus, after.time_minutes, after.points) == (0, 0, 0, 0)
    assert all(lot.remaining == 0
               for lot in (*after.points_lots, *after.count_lots, *after.pass_lots))
    assert decision.settlement is None
    assert decision.cards == (replace(CARD, status=S.CANCELLED),)
    receipt = decision.receipt
    # ¥800 principal - ¥20 fee = ¥780 back in cash.
    assert rows(receipt.totals) == [("receipt.action.card.cancelled", ""),
                                    ("receipt.cancellation_fee", 2000),
                                    ("receipt.refund_principal", 78000)]
    assert receipt.tenders == ()
    assert rows(receipt.balances) == [("receipt.principal", 0), ("receipt.bonus", 0),
                                      ("receipt.points", "0"), ("receipt.counts_left", "FACIAL 0")]
    (event,) = decision.events
    assert event.type == "card.cancelled"
    assert (event.payload["refund_to_member"], event.payload["fee_kept"]) == (78000, 2000)
    assert event.payload["card_no"] == OLD_NO
    assert [entry_from_dict(data) for data in event.payload["entries"]] == list(
        decision.entries)


def test_cancel_with_less_principal_than_the_fee_keeps_only_the_principal():
    entries = [setup(A.PRINCIPAL, 1500, K.TOPUP)]
    decision = card_service.cancel(op(9), member(entries))
    assert rows(decision.receipt.totals)[1:] == [("receipt.cancellation_fee", 1500),
                                                 ("receipt.refund_principal", 0)]


def test_cancel_takes_the_subsidiary_cards_with_it():
    decision = card_service.cancel(op(9), member(history()), children=[CHILD])
    assert decision.cards == (replace(CARD, status=S.CANCELLED),
                              replace(CHILD, status=S.CANCELLED))


def test_cancelling_a_subsidiary_card_leaves_the_parents_balances_alone():
    decision = card_service.cancel(op(9), member(history(), card=CHILD, parent=CARD))
    assert decision.entries == ()
    assert decision.cards == (replace(CHILD, status=S.CANCELLED),)
    assert decision.events[0].payload["refund_to_member"] == 0


def test_replaced_card_cannot_be_cancelled():
    with raises_key("card.transition_illegal"):
        card_service.cancel(op(9), member(card=replace(CARD, status=S.REPLACED)))


@settings(max_examples=200, deadline=None)
@given(principal=st.integers(0, 10**7), bonus=st.integers(0, 10**6),
       points=st.integers(0, 10**5), uses=st.integers(0, 50))
def test_cancel_always_leaves_every_balance_at_zero(principal, bonus, points, uses):
    entries = [setup(account, delta, kind, **terms) for account, delta, kind, terms in (
        (A.PRINCIPAL, principal, K.TOPUP, {}), (A.BONUS, bonus, K.TOPUP_BONUS, {}),
        (A.POINTS, points, K.EARN, {"lot": "P2026"}), (A.COUNT, uses, K.PURCHASE, COUNT_TERMS),
    ) if delta]
    decision = card_service.cancel(op(9), member(entries))
    after = derive_balances([*entries, *decision.entries], OLD_NO)
    assert (after.principal, after.bonus, after.points) == (0, 0, 0)
    assert sum(lot.remaining for lot in after.count_lots) == 0
    refund, fee = (decision.events[0].payload[name] for name in ("refund_to_member", "fee_kept"))
    assert refund + fee == principal and fee == min(2000, principal)


# --- receipts print translated ------------------------------------------------------------------


def _receipts():
    lost = replace(CARD, status=S.LOST)
    return {
        "enrol": card_service.enrol(op(1), OLD_NO, "M001", "张三", GOLD,
                                    [Tender(TenderKind.CASH, 5000)], rules=RULES),
        **{event_type: card_service.change_state(op(2), member(history(), card=card), event_type)
           for event_type, card in (("card.lost", CARD), ("card.found", lost),
                                    ("card.frozen", CARD),
                                    ("card.unfrozen", replace(CARD, status=S.FROZEN)))},
        "replace": card_service.replace(op(3), member(history(), card=lost), NEW_NO,
                                        [Tender(TenderKind.ALIPAY, 1000, "ALI")]),
        "extend": card_service.extend(op(4), member(history()),
                                      [Tender(TenderKind.BANK_CARD, 5000, "POS")]),
        "cancel": card_service.cancel(op(5), member(history())),
    }


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_card_service_receipt_prints_without_untranslated_keys(lang):
    for name, decision in _receipts().items():
        text = render_text(decision.receipt, 32, lang)
        found = UNTRANSLATED.search(text)
        assert found is None, f"{name}: {found.group(0)}"


# --- known faults elsewhere (membership.sale_receipt.balance_rows) ------------------------------


def expired_package() -> list[LedgerEntry]:
    """3 facials left in a package whose last day was 2026-10-31, a month before today."""
    return [setup(A.PRINCIPAL, 80000, K.TOPUP),
            setup(A.COUNT, 3, K.PURCHASE, lot="OLD:FACIAL5", service="FACIAL",
                  valid_from=date(2026, 5, 1), valid_until=date(2026, 10, 31))]


def test_withdrawal_receipt_counts_no_uses_of_an_expired_package():
    decision = counter.withdraw(op(6), member(expired_package()), 1000)
    assert rows(decision.receipt.balances)[-1] == ("receipt.counts_left", "FACIAL 0")


def test_loss_receipt_counts_no_uses_of_an_expired_package():
    decision = card_service.change_state(op(6), member(expired_package()), "card.lost")
    assert rows(decision.receipt.balances)[-1] == ("receipt.counts_left", "FACIAL 0")


def test_receipt_points_leave_out_an_expired_lot():
    # On 2027-01-02 the 300 points of the 2025 lot (last day 2026-12-31) have expired.
    at = datetime(2027, 1, 2, 10, 0)
    entries = [setup(A.PRINCIPAL, 80000, K.TOPUP), *history()[2:4]]
    decision = counter.withdraw(op(6, at=at), member(entries), 1000)
    assert rows(decision.receipt.balances)[2] == ("receipt.points", "500")
