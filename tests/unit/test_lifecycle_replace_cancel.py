"""Card state machine: every transition in the table, issue, extend, replace and cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.cards import Card, CardStatus, Fees
from membership.errors import CardStateError, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, derive_balances
from membership.lifecycle import (
    cancel_card,
    ensure_can_cancel,
    ensure_can_pay,
    replace_card,
)
from tests.support.lifecycle_world import (
    AT,
    GOLD,
    TODAY,
    gold_card,
    holding_entries,
    lot_view,
)


def test_replace_moves_every_balance_and_blocks_the_old_card():
    entries = holding_entries("C001")
    before = derive_balances(entries, "C001")
    old = gold_card(CardStatus.LOST)
    decision = replace_card(old, "C002", before, GOLD, "op-swap", AT)
    after = entries + list(decision.entries)

    assert lot_view(derive_balances(after, "C001")) == lot_view(CardBalances())
    assert lot_view(derive_balances(after, "C002")) == lot_view(before)
    assert decision.fee == 1000
    assert decision.old_card.status is CardStatus.REPLACED
    assert decision.old_card.replaced_by == "C002"
    with pytest.raises(CardStateError) as raised:
        ensure_can_pay(decision.old_card, TODAY)
    assert raised.value.key == "card.replaced"
    new = decision.new_card
    assert (new.card_no, new.status, new.member_id, new.type_code, new.level, new.expires_on) == (
        "C002", CardStatus.ACTIVE, "M001", "GOLD", "VIP", date(2025, 12, 31))
    ensure_can_pay(new, TODAY)


def test_replace_entries_pair_out_and_in_with_the_same_lot_terms():
    before = derive_balances(holding_entries("C001"), "C001")
    decision = replace_card(gold_card(), "C002", before, GOLD, "op-swap", AT)
    outs = [e for e in decision.entries if e.kind is EntryKind.TRANSFER_OUT]
    ins = [e for e in decision.entries if e.kind is EntryKind.TRANSFER_IN]
    # principal, bonus, time, one points lot, one count lot, one pass
    assert len(outs) == len(ins) == 6
    assert {e.card_no for e in outs} == {"C001"} and {e.card_no for e in ins} == {"C002"}
    count_in = next(e for e in ins if e.account is Account.COUNT)
    assert (count_in.lot, count_in.service, count_in.delta, count_in.valid_until) == (
        "op-setup:WASH10", "wash", 7, date(2025, 10, 31))


def test_replace_keeps_subsidiary_terms_and_repoints_children():
    child = gold_card(parent_card_no="C000", quota=20000)
    decision = replace_card(child, "C009", CardBalances(), GOLD, "op-swap", AT)
    assert decision.entries == ()
    assert (decision.new_card.parent_card_no, decision.new_card.quota) == ("C000", 20000)

    kid = Card("K1", "M002", "GOLD", parent_card_no="C001", quota=100)
    stranger = Card("K2", "M003", "GOLD", parent_card_no="C777")
    moved = replace_card(gold_card(), "C002", CardBalances(), GOLD, "op-swap", AT,
                         children=[kid, stranger]).children
    assert [(c.card_no, c.parent_card_no) for c in moved] == [("K1", "C002")]


@pytest.mark.parametrize("new_card_no", ["", "C001"])
def test_replace_needs_a_new_card_number(new_card_no):
    with pytest.raises(InvalidInput):
        replace_card(gold_card(), new_card_no, CardBalances(), GOLD, "op-swap", AT)


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_refunds_principal_minus_fee_and_forfeits_the_rest():
    entries = holding_entries("C001")
    before = derive_balances(entries, "C001")
    decision = cancel_card(gold_card(), before, GOLD, "op-close", AT)
    # ¥1000.00 principal - ¥5.00 fee = ¥995.00 back in cash; the ¥100 bonus is forfeited.
    assert decision.refund_to_member == 99500
    assert decision.fee_kept == 500
    assert decision.card.status is CardStatus.CANCELLED
    refund = [e for e in decision.entries if e.kind is EntryKind.CANCEL_REFUND]
    assert [(e.account, e.delta) for e in refund] == [(Account.PRINCIPAL, -100000)]
    forfeited = {e.account for e in decision.entries if e.kind is EntryKind.FORFEIT}
    assert forfeited == {Account.BONUS, Account.TIME, Account.POINTS, Account.COUNT, Account.PASS}
    assert lot_view(derive_balances(entries + list(decision.entries), "C001")) == lot_view(
        CardBalances())


def test_cancel_keeps_no_more_fee_than_the_principal():
    decision = cancel_card(gold_card(), CardBalances(principal=300, bonus=50), GOLD, "op", AT)
    assert (decision.refund_to_member, decision.fee_kept) == (0, 300)


def test_cancel_subsidiary_card_moves_no_money():
    child = gold_card(parent_card_no="C000", quota=20000)
    decision = cancel_card(child, CardBalances(), GOLD, "op-close", AT)
    assert decision.entries == ()
    assert (decision.refund_to_member, decision.fee_kept) == (0, 0)
    assert decision.card.status is CardStatus.CANCELLED


def test_cancel_parent_cancels_its_live_children():
    kids = [Card("K1", "M2", "GOLD", parent_card_no="C001"),
            Card("K2", "M2", "GOLD", parent_card_no="C001", status=CardStatus.REPLACED)]
    decision = cancel_card(gold_card(), CardBalances(), GOLD, "op", AT, children=kids)
    assert [(c.card_no, c.status) for c in decision.children] == [("K1", CardStatus.CANCELLED)]


@pytest.mark.parametrize(("balances", "key"), [
    (CardBalances(principal=-500, bonus=1000), "card.negative_balance"),
    (CardBalances(principal=1000, bonus=-1), "card.negative_balance"),
])
def test_cancel_refuses_a_card_that_owes_money(balances, key):
    with pytest.raises(CardStateError) as raised:
        cancel_card(gold_card(), balances, GOLD, "op", AT)
    assert raised.value.key == key


def refusal_key(check) -> str:
    try:
        check()
    except CardStateError as refused:
        return refused.key
    return ""


@pytest.mark.parametrize("status", list(CardStatus))
@pytest.mark.parametrize("balances", [CardBalances(principal=1000, bonus=50),
                                      CardBalances(principal=-500)])
def test_ensure_can_cancel_refuses_exactly_what_cancel_card_refuses(status, balances):
    """The counter asks it before the member's PIN: it must not refuse a card cancel_card takes
    (a lost or expired one) nor let through one it refuses (frozen, replaced, owing money)."""
    card = gold_card(status)
    before = refusal_key(lambda: ensure_can_cancel(card, balances, TODAY))
    at_commit = refusal_key(lambda: cancel_card(card, balances, GOLD, "op", AT))
    assert before == at_commit
    if status not in (CardStatus.ACTIVE, CardStatus.LOST, CardStatus.EXPIRED):
        assert before == "card.transition_illegal"
    elif balances.principal < 0:
        assert before == "card.negative_balance"
    else:
        assert before == ""


# --- properties -------------------------------------------------------------------------------

lot_terms = st.tuples(
    st.integers(min_value=-5, max_value=500),
    st.sampled_from(["wash", "gym", ""]),
    st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2027, 1, 1))),
)


def entries_for(card_no, principal, bonus, minutes, lots):
    at = datetime(2025, 1, 1, 8)
    entries = [
        LedgerEntry("op-0", card_no, Account.PRINCIPAL, principal, EntryKind.ADJUST, at),
        LedgerEntry("op-0", card_no, Account.BONUS, bonus, EntryKind.ADJUST, at),
        LedgerEntry("op-0", card_no, Account.TIME, minutes, EntryKind.ADJUST, at),
    ]
    accounts = [Account.POINTS, Account.COUNT, Account.PASS]
    for index, (remaining, service, until) in enumerate(lots):
        entries.append(LedgerEntry(
            "op-0", card_no, accounts[index % 3], remaining, EntryKind.ADJUST, at,
            lot=f"lot-{index}", service=service, valid_until=until,
        ))
    return entries


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(-10_000, 10_000_000), bonus=st.integers(-1000, 1_000_000),
    minutes=st.integers(-60, 100_000), lots=st.lists(lot_terms, max_size=9),
)
def test_replace_conserves_every_balance(principal, bonus, minutes, lots):
    entries = entries_for("C001", principal, bonus, minutes, lots)
    before = derive_balances(entries, "C001")
    decision = replace_card(gold_card(), "C002", before, GOLD, "op-swap", AT)
    after = entries + list(decision.entries)
    assert lot_view(derive_balances(after, "C001")) == lot_view(CardBalances())
    assert lot_view(derive_balances(after, "C002")) == lot_view(before)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(0, 10_000_000), bonus=st.integers(0, 1_000_000),
    minutes=st.integers(-60, 100_000), lots=st.lists(lot_terms, max_size=9),
    fee=st.integers(0, 100_000),
)
def test_cancel_leaves_every_balance_zero(principal, bonus, minutes, lots, fee):
    card_type = replace(GOLD, fees=Fees(cancellation=fee))
    entries = entries_for("C001", principal, bonus, minutes, lots)
    decision = cancel_card(gold_card(), derive_balances(entries, "C001"), card_type, "op", AT)
    after = derive_balances(entries + list(decision.entries), "C001")
    assert lot_view(after) == lot_view(CardBalances())
    assert decision.refund_to_member + decision.fee_kept == principal
    assert 0 <= decision.fee_kept <= fee
