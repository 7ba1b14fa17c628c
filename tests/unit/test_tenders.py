"""Settling an amount due with split tenders: cash change, over- and under-payment."""

from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.errors import TenderError
from membership.tenders import EXTERNAL_TENDERS, Tender, TenderKind, settle

CASH, CARD, WECHAT = TenderKind.CASH, TenderKind.STORED_VALUE, TenderKind.WECHAT



@contextmanager
def raises_key(error_type, key):
    """The block raises `error_type` with exactly this message key."""
    with pytest.raises(error_type) as caught:
        yield
    assert caught.value.key == key

def test_cash_with_change():
    # ¥87.50 due, ¥100 handed over → ¥12.50 change; cash recorded at ¥87.50
    settlement = settle(8750, [Tender(CASH, 10000)])
    assert settlement.tenders == (Tender(CASH, 8750),)
    assert (settlement.cash_received, settlement.change) == (10000, 1250)


def test_split_stored_value_wechat_and_cash():
    # ¥200 due: ¥120 from the card, ¥50 by WeChat, ¥50 cash for the last ¥30
    settlement = settle(20000, [Tender(CARD, 12000), Tender(WECHAT, 5000, "wx123"),
                                Tender(CASH, 5000)])
    assert settlement.amount_of(CARD) == 12000 and settlement.amount_of(WECHAT) == 5000
    assert settlement.amount_of(CASH) == 3000 and settlement.change == 2000
    assert settlement.total == 20000
    assert settlement.tenders[1].reference == "wx123" and settlement.tenders[1].is_external


def test_several_cash_tenders_are_recorded_as_one_where_the_first_stood():
    settlement = settle(1500, [Tender(CASH, 1000), Tender(WECHAT, 200), Tender(CASH, 1000)])
    assert settlement.tenders == (Tender(CASH, 1300), Tender(WECHAT, 200))
    assert (settlement.cash_received, settlement.change) == (2000, 700)


def test_nothing_due_and_no_tenders_is_fine():
    settlement = settle(0, [])
    assert settlement.tenders == () and settlement.change == 0


@pytest.mark.parametrize(
    ("due", "tenders", "key"),
    [(1000, [Tender(CASH, 0)], "tender.amount_not_positive"),
     (1000, [Tender(WECHAT, -5)], "tender.amount_not_positive"),
     (1000, [Tender(WECHAT, 1001)], "tender.overpaid"),
     (1000, [Tender(CARD, 600), Tender(WECHAT, 600)], "tender.overpaid"),
     (1000, [Tender(CARD, 600), Tender(CASH, 300)], "tender.short"),
     (1000, [], "tender.short"),
     (1000, [Tender(CARD, 1000), Tender(CASH, 100)], "tender.cash_not_needed"),
     (-1, [], "tender.amount_due_negative")],
)
def test_settlement_errors(due, tenders, key):
    with pytest.raises(TenderError) as caught:
        settle(due, tenders)
    assert caught.value.key == key


def test_tender_kinds():
    assert Tender("alipay", 100).kind is TenderKind.ALIPAY
    assert {TenderKind.BANK_CARD, TenderKind.WECHAT, TenderKind.ALIPAY} == EXTERNAL_TENDERS
    with raises_key(TenderError, "tender.unknown_kind"):
        Tender("cheque", 100)


non_cash_kinds = st.sampled_from([k for k in TenderKind if k is not TenderKind.CASH])


@settings(max_examples=200, deadline=None)
@given(due=st.integers(0, 1_000_000), shares=st.lists(st.integers(1, 100), max_size=4),
       kinds=st.lists(non_cash_kinds, min_size=4, max_size=4),
       cash_extra=st.integers(0, 50_000), cash_first=st.booleans())
def test_applied_tenders_sum_to_the_amount_due(due, shares, kinds, cash_extra, cash_first):
    # a random split: non-cash tenders take part of `due`, cash the rest plus some extra
    budget = due * 3 // 4
    parts = [budget * share // (sum(shares) or 1) for share in shares]
    tenders = [Tender(kind, part) for kind, part in zip(kinds, parts, strict=False) if part > 0]
    cash_needed = due - sum(t.amount for t in tenders)
    if cash_needed > 0:
        cash = Tender(CASH, cash_needed + cash_extra)
        tenders = [cash, *tenders] if cash_first else [*tenders, cash]
    settlement = settle(due, tenders)
    assert settlement.total == due
    assert all(t.amount > 0 for t in settlement.tenders)
    assert settlement.change == settlement.cash_received - settlement.amount_of(CASH)
    assert settlement.change == (cash_extra if cash_needed > 0 else 0)
