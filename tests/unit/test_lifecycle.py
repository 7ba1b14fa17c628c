"""Card state machine: every transition in the table, issue, extend, replace and cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.cards import Card, CardStatus, CardType, Feature, Fees, SubsidiaryPolicy
from membership.errors import CardStateError, IllegalTransition, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, derive_balances
from membership.lifecycle import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    CardAction,
    cancel_card,
    cancel_loss,
    effective_status,
    ensure_can_pay,
    expire,
    extend,
    freeze,
    issue_card,
    replace_card,
    report_loss,
    transitions_table,
    unfreeze,
)

TODAY = date(2025, 6, 1)
AT = datetime(2025, 6, 1, 10, 30)
GOLD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.COUNT, Feature.TIME, Feature.POINTS}),
    validity_days=365,
    fees=Fees(join=2000, annual=5000, replacement=1000, cancellation=500),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000),
)
FOREVER = CardType(code="PLAIN", name="普通卡", features=frozenset({Feature.STORED_VALUE}))


def gold_card(status: CardStatus = CardStatus.ACTIVE, expires_on: date | None = None,
              **changes) -> Card:
    return Card(
        card_no="C001", member_id="M001", type_code="GOLD", status=status,
        issued_on=date(2025, 1, 1), expires_on=expires_on or date(2025, 12, 31), level="VIP",
        **changes,
    )


def holding_entries(card_no: str) -> list[LedgerEntry]:
    """¥1000 principal, ¥100 bonus, 120 prepaid minutes, 300 points, a 10-use package of which
    3 are used, and a monthly pass."""
    def entry(account, delta, kind, **lot_terms):
        return LedgerEntry(op_id="op-setup", card_no=card_no, account=account, delta=delta,
                           kind=kind, at=datetime(2025, 5, 1, 9), **lot_terms)

    return [
        entry(Account.PRINCIPAL, 100000, EntryKind.TOPUP),
        entry(Account.BONUS, 10000, EntryKind.TOPUP_BONUS),
        entry(Account.TIME, 120, EntryKind.PURCHASE),
        entry(Account.POINTS, 300, EntryKind.EARN, lot="pts-2025-05",
              valid_until=date(2026, 5, 31)),
        entry(Account.COUNT, 10, EntryKind.PURCHASE, lot="op-setup:WASH10", service="wash",
              valid_from=date(2025, 5, 1), valid_until=date(2025, 10, 31)),
        entry(Account.COUNT, -3, EntryKind.USE, lot="op-setup:WASH10", service="wash"),
        entry(Account.PASS, 1, EntryKind.PURCHASE, lot="op-setup:MONTH", service="gym",
              valid_from=date(2025, 5, 15), valid_until=date(2025, 6, 13)),
    ]


def lot_view(balances: CardBalances) -> dict:
    """Balances without the lots' opening time (the transfer time on the new card) and without
    lots that are used up."""
    def lots(group):
        return sorted((lot.lot, lot.service, lot.valid_from, lot.valid_until, lot.remaining)
                      for lot in group if lot.remaining)

    return {
        "principal": balances.principal, "bonus": balances.bonus, "time": balances.time_minutes,
        "points": lots(balances.points_lots), "count": lots(balances.count_lots),
        "pass": lots(balances.pass_lots),
    }


# --- the transition table -------------------------------------------------------------------


def perform(action: CardAction, card: Card) -> CardStatus:
    if action is CardAction.REPORT_LOSS:
        return report_loss(card, TODAY).status
    if action is CardAction.CANCEL_LOSS:
        return cancel_loss(card, TODAY).status
    if action is CardAction.FREEZE:
        return freeze(card, TODAY).status
    if action is CardAction.UNFREEZE:
        return unfreeze(card, TODAY).status
    if action is CardAction.EXPIRE:
        return expire(card, TODAY).status
    if action is CardAction.EXTEND:
        return extend(card, GOLD, TODAY).card.status
    if action is CardAction.REPLACE:
        return replace_card(card, "C002", CardBalances(), GOLD, "op-1", AT).old_card.status
    return cancel_card(card, CardBalances(), GOLD, "op-1", AT).card.status


ALL_MOVES = [(action, status) for action in CardAction for status in CardStatus]
LEGAL_MOVES = [(a, s) for a, s in ALL_MOVES if s in TRANSITIONS[a][0]]
ILLEGAL_MOVES = [(a, s) for a, s in ALL_MOVES if s not in TRANSITIONS[a][0]]


def card_for_move(action: CardAction, status: CardStatus) -> Card:
    # Expiring needs a card whose last valid day has passed; everything else a card still valid.
    past = status is CardStatus.EXPIRED or action is CardAction.EXPIRE
    return gold_card(status, expires_on=date(2025, 5, 31) if past else date(2025, 12, 31))


@pytest.mark.parametrize(("action", "status"), LEGAL_MOVES)
def test_legal_move_reaches_its_target(action, status):
    assert perform(action, card_for_move(action, status)) is TRANSITIONS[action][1]


@pytest.mark.parametrize(("action", "status"), ILLEGAL_MOVES)
def test_illegal_move_raises_with_from_and_to(action, status):
    with pytest.raises(IllegalTransition) as raised:
        perform(action, card_for_move(action, status))
    assert raised.value.key == "card.transition_illegal"
    assert raised.value.params["from"] == status.value
    assert raised.value.params["to"] == TRANSITIONS[action][1].value


def test_replaced_and_cancelled_are_terminal():
    assert {CardStatus.REPLACED, CardStatus.CANCELLED} == TERMINAL_STATUSES
    for sources, _ in TRANSITIONS.values():
        assert not sources & TERMINAL_STATUSES


def test_transitions_table_is_the_documented_one():
    # The parametrised tests follow the table; this pins the table itself (docs/domain.md).
    assert transitions_table() == [
        ("cancel", "active", "cancelled"),
        ("cancel", "expired", "cancelled"),
        ("cancel", "lost", "cancelled"),
        ("cancel_loss", "lost", "active"),
        ("expire", "active", "expired"),
        ("extend", "active", "active"),
        ("extend", "expired", "active"),
        ("freeze", "active", "frozen"),
        ("freeze", "expired", "frozen"),
        ("replace", "active", "replaced"),
        ("replace", "lost", "replaced"),
        ("report_loss", "active", "lost"),
        ("report_loss", "expired", "lost"),
        ("unfreeze", "frozen", "active"),
    ]
    assert len(LEGAL_MOVES) == 14


# --- effective status and paying ------------------------------------------------------------


def test_active_card_is_valid_through_its_last_day_and_expired_after():
    card = gold_card(expires_on=date(2025, 6, 1))
    assert effective_status(card, date(2025, 6, 1)) is CardStatus.ACTIVE
    assert effective_status(card, date(2025, 6, 2)) is CardStatus.EXPIRED


def test_card_without_expiry_never_expires_and_lost_card_stays_lost():
    assert effective_status(replace(gold_card(), expires_on=None), date(2099, 1, 1)) is (
        CardStatus.ACTIVE)
    lost = gold_card(CardStatus.LOST, expires_on=date(2025, 1, 31))
    assert effective_status(lost, TODAY) is CardStatus.LOST


@pytest.mark.parametrize(("status", "key"), [
    (CardStatus.LOST, "card.lost"),
    (CardStatus.FROZEN, "card.frozen"),
    (CardStatus.EXPIRED, "card.expired"),
    (CardStatus.CANCELLED, "card.cancelled"),
    (CardStatus.REPLACED, "card.replaced"),
])
def test_blocked_card_cannot_pay(status, key):
    with pytest.raises(CardStateError) as raised:
        ensure_can_pay(gold_card(status), TODAY)
    assert raised.value.key == key


def test_active_card_can_pay_but_not_once_past_expiry():
    ensure_can_pay(gold_card(expires_on=TODAY), TODAY)
    with pytest.raises(CardStateError) as raised:
        ensure_can_pay(gold_card(expires_on=TODAY - timedelta(days=1)), TODAY)
    assert raised.value.key == "card.expired"
    assert raised.value.params["expires_on"] == date(2025, 5, 31)


def test_card_past_expiry_behaves_as_expired_before_the_nightly_job():
    unrecorded = gold_card(expires_on=date(2025, 5, 31))  # still ACTIVE in the record
    assert report_loss(unrecorded, TODAY).status is CardStatus.LOST
    with pytest.raises(IllegalTransition) as raised:
        replace_card(unrecorded, "C002", CardBalances(), GOLD, "op-1", AT)
    assert raised.value.params["from"] == "expired"


def test_expire_before_the_last_valid_day_passes_is_refused():
    with pytest.raises(IllegalTransition) as raised:
        expire(gold_card(expires_on=TODAY), TODAY)
    assert raised.value.key == "card.not_yet_expired"


def test_loss_and_recovery_round_trip():
    lost = report_loss(gold_card(), TODAY)
    with pytest.raises(CardStateError):
        ensure_can_pay(lost, TODAY)
    recovered = cancel_loss(lost, TODAY)
    assert recovered == gold_card()


# --- issue ------------------------------------------------------------------------------------


def test_issue_sets_last_valid_day_and_asks_for_the_join_fee():
    decision = issue_card("C100", "M100", GOLD, date(2025, 1, 1), level="VIP")
    # 365 days from 1 Jan 2025: 1 Jan is day 1, 31 Dec is day 365.
    assert decision.card.expires_on == date(2025, 12, 31)
    assert decision.card.issued_on == date(2025, 1, 1)
    assert decision.card.status is CardStatus.ACTIVE
    assert decision.card.level == "VIP"
    assert decision.join_fee == 2000


def test_issue_without_validity_never_expires():
    assert issue_card("C100", "M100", FOREVER, TODAY).card.expires_on is None


@pytest.mark.parametrize(("card_no", "member_id", "quota", "key"), [
    ("", "M1", 0, "input.invalid"),
    ("C1", " ", 0, "input.invalid"),
    ("C1", "M1", 1000, "subsidiary.quota_without_parent"),
])
def test_issue_rejects_bad_input(card_no, member_id, quota, key):
    with pytest.raises(InvalidInput) as raised:
        issue_card(card_no, member_id, GOLD, TODAY, quota=quota)
    assert raised.value.key == key


def test_issue_subsidiary_card_under_parent():
    decision = issue_card("C001-1", "M002", GOLD, TODAY, parent=gold_card(), quota=30000)
    child = decision.card
    assert (child.parent_card_no, child.quota, child.expires_on) == ("C001", 30000, None)
    assert child.level == "VIP"
    assert decision.join_fee == 0


@pytest.mark.parametrize(("parent", "card_type", "key"), [
    (gold_card(parent_card_no="C000"), GOLD, "subsidiary.nested"),
    (gold_card(CardStatus.LOST), GOLD, "card.lost"),
    (replace(gold_card(), type_code="PLAIN"), FOREVER, "subsidiary.not_allowed"),
])
def test_issue_subsidiary_refused(parent, card_type, key):
    with pytest.raises(CardStateError) as raised:
        issue_card("C001-1", "M001", card_type, TODAY, parent=parent)
    assert raised.value.key == key


# --- extend -----------------------------------------------------------------------------------


def test_extend_active_card_counts_on_from_its_last_day():
    decision = extend(gold_card(expires_on=date(2025, 6, 30)), GOLD, TODAY)
    assert decision.card.expires_on == date(2026, 6, 30)  # 30 Jun 2025 + 365 days
    assert decision.old_expires_on == date(2025, 6, 30)
    assert decision.fee == 5000


def test_extend_expired_card_counts_from_today():
    expired = gold_card(CardStatus.EXPIRED, expires_on=date(2025, 3, 31))
    decision = extend(expired, GOLD, TODAY, days=30)
    assert decision.card.status is CardStatus.ACTIVE
    assert decision.card.expires_on == date(2025, 6, 30)  # 1 Jun is day 1, 30 Jun day 30


def test_extend_to_a_given_day():
    decision = extend(gold_card(), GOLD, TODAY, new_expires_on=date(2026, 12, 31))
    assert decision.card.expires_on == date(2026, 12, 31)


@pytest.mark.parametrize(("card", "kwargs", "key"), [
    (gold_card(), {"new_expires_on": date(2025, 12, 31)}, "card.extension_not_later"),
    (gold_card(CardStatus.EXPIRED, expires_on=date(2025, 3, 31)),
     {"new_expires_on": date(2025, 5, 31)}, "card.extension_not_later"),
    (gold_card(), {"days": 0}, "input.invalid"),
    (gold_card(), {"days": 10, "new_expires_on": date(2026, 1, 1)}, "card.extension_ambiguous"),
    (replace(gold_card(), expires_on=None), {"days": 10}, "card.never_expires"),
    (replace(gold_card(), type_code="PLAIN"), {"days": 10}, "card.type_mismatch"),
])
def test_extend_rejects(card, kwargs, key):
    with pytest.raises(InvalidInput) as raised:
        extend(card, GOLD, TODAY, **kwargs)
    assert raised.value.key == key


# --- replace ----------------------------------------------------------------------------------


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
