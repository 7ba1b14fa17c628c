"""Card services at the counter (卡务) worked through as the cashier checks them: enrolment,
loss and freeze, replacement, extension and cancellation, each with its fee, ledger entries,
receipt rows, event and the cards to store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership import card_service
from membership import counter_operations as counter
from membership.events import entry_from_dict
from membership.ledger import LedgerEntry, derive_balances
from membership.tenders import Settlement, Tender, TenderKind
from terminal.receipts.text import render_text
from tests.support.card_service_world import (
    AT,
    CARD,
    CHILD,
    COUNT_TERMS,
    GOLD,
    NEW_NO,
    OLD_NO,
    RULES,
    TODAY,
    UNTRANSLATED,
    A,
    K,
    S,
    history,
    member,
    op,
    raises_key,
    rows,
    setup,
)


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
