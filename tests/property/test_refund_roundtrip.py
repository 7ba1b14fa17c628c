"""A sale refunded to the last unit, in any number of partial steps, leaves every balance as it
was before the sale; and a sale that fails leaves nothing behind.

Cards start from a random history made with the real decisions (top-up, count packages,
earlier sales that earned points, time passing so that some lots have expired), pay with any mix
of stored value, WeChat, cash and points, possibly through a subsidiary card.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from membership import count_packages, lifecycle, stored_value, subsidiary
from membership.cards import Card, DrawOrder, QuotaPeriod
from membership.catalogue import Product, SaleLine
from membership.errors import DomainError
from membership.ledger import CardBalances, LedgerEntry, derive_balances
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind

from .world import (
    COFFEE,
    COUPONS,
    HAIRCUT,
    MANAGER,
    MAX_BALANCE,
    PACKAGES,
    START,
    STORE,
    card_type,
    check_priced,
    quote,
    redeemable,
    sale_lines,
    sale_rules,
    tender_plans,
)

ROUNDTRIP = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def histories(draw: st.DrawFn):
    """A card type, a member card and the entries of its past."""
    kind = card_type(draw(st.sampled_from(DrawOrder)), 0, QuotaPeriod.MONTH)
    rules = sale_rules(draw(st.integers(2, 60)), 0, draw(st.booleans()))
    card = lifecycle.issue_card("C1", "M1", kind, START.date()).card
    ledger: list[LedgerEntry] = []
    at = START
    paid = draw(st.sampled_from([0, 20000, 50000, 300000]))
    if paid:
        ledger += stored_value.top_up(card, kind, CardBalances(), paid, "op-top", at).entries
    for number, package in enumerate(draw(st.lists(st.sampled_from(PACKAGES), max_size=2))):
        ledger += count_packages.purchase_entries(card, kind, package, f"op-pk{number}", at)
    for number in range(draw(st.integers(0, 2))):
        earlier = decide_sale(
            SaleRequest(f"op-old{number}", at, (SaleLine(1, COFFEE, 1),),
                        (Tender(TenderKind.CASH, 2800),)),
            STORE, rules, MemberContext(card, kind, derive_balances(ledger, "C1")))
        ledger += earlier.entries
        at += timedelta(days=draw(st.integers(0, 40)))
    return kind, rules, card, ledger, at


def held(balances: CardBalances) -> tuple:
    """Every balance, lots by id (a lot at zero is the same as no lot)."""
    def lots(group):
        return {lot.lot: lot.remaining for lot in group if lot.remaining}

    return (balances.principal, balances.bonus, balances.time_minutes,
            lots(balances.points_lots), lots(balances.count_lots), lots(balances.pass_lots))


def member_for(kind, card: Card, ledger, through_child: bool):
    if not through_child:
        return MemberContext(card, kind, derive_balances(ledger, card.card_no))
    child = subsidiary.add_subsidiary(card, kind, (), "K1", START.date(), quota=10**7)
    return MemberContext(child, kind, derive_balances(ledger, card.card_no), parent=card,
                         parent_entries=tuple(ledger))


@given(history=histories(), lines=sale_lines(), coupon=st.sampled_from((None, *COUPONS)),
       points_share=st.integers(0, 100), plan=tender_plans, through_child=st.booleans(),
       data=st.data())
@ROUNDTRIP
def test_refunding_everything_restores_every_balance(history, lines, coupon, points_share,
                                                    plan, through_child, data):
    kind, rules, card, ledger, at = history
    member = member_for(kind, card, ledger, through_child)
    before = held(member.balances)
    wanted = redeemable(member.balances, at.date()) * points_share // 100
    sale = _sell(kind, rules, member, lines, coupon, wanted, plan, at)
    assume(sale is not None)
    ledger = [*ledger, *sale.entries]
    refunds = []
    while sum(line.qty for line in sale.record.lines) > _units_refunded(refunds):
        quantities = data.draw(_some_of_what_is_left(sale.record, refunds), label="refund")
        refund = decide_refund(
            RefundRequest(f"op-r{len(refunds)}", at, sale.record, MANAGER,
                          prior_refunds=tuple(refunds), quantities=quantities),
            derive_balances(ledger, "C1"), "C1")
        ledger += refund.entries
        refunds.append(refund.record)
    assert held(derive_balances(ledger, "C1")) == before
    back: dict[str, int] = {}
    for refund in refunds:
        for tender_kind, amount in refund.tender_refunds:
            back[tender_kind] = back.get(tender_kind, 0) + amount
    assert back == {t.kind.value: t.amount for t in sale.settlement.tenders}


def _sell(kind, rules, member, lines, coupon, points_requested, plan, at):
    """The sale, paid as `plan` says within what the card holds; None when it cannot be made."""
    try:
        due = quote(lines, coupon, member, points_requested, rules, at).amount_due
    except DomainError:
        return None
    card_room = max(member.balances.principal, 0) + max(member.balances.bonus, 0)
    tenders, *_ = plan.tenders(due)
    tenders = tuple(
        Tender(t.kind, min(t.amount, card_room)) if t.kind is TenderKind.STORED_VALUE else t
        for t in tenders if t.kind is not TenderKind.STORED_VALUE or card_room)
    paid = sum(t.amount for t in tenders)
    if paid < due:
        tenders += (Tender(TenderKind.CASH, due - paid),)
    try:
        sale = decide_sale(SaleRequest("op-sale", at, lines, _merge_cash(tenders), coupon,
                                       points_requested), STORE, rules, member)
    except DomainError as error:
        assert error.key in {"count.insufficient", "count.expired"}, error
        return None
    check_priced(sale.priced)
    return sale


def _merge_cash(tenders):
    cash = sum(t.amount for t in tenders if t.kind is TenderKind.CASH)
    rest = tuple(t for t in tenders if t.kind is not TenderKind.CASH)
    return rest + ((Tender(TenderKind.CASH, cash),) if cash else ())


def _units_refunded(refunds) -> int:
    return sum(qty for refund in refunds for _, qty in refund.quantities)


@st.composite
def _some_of_what_is_left(draw: st.DrawFn, record, refunds) -> dict[int, int]:
    done: dict[int, int] = {}
    for refund in refunds:
        for line_no, qty in refund.quantities:
            done[line_no] = done.get(line_no, 0) + qty
    left = {line.line_no: line.qty - done.get(line.line_no, 0) for line in record.lines}
    left = {line_no: qty for line_no, qty in left.items() if qty}
    if draw(st.booleans()):
        return {}  # everything still left
    line_no = draw(st.sampled_from(sorted(left)))
    return {line_no: draw(st.integers(1, left[line_no]))}


def _failing_calls(kind, rules, card, ledger, at, earlier):
    """Calls that must be refused, by the error key they must raise."""
    balances = derive_balances(ledger, "C1")
    room = balances.stored_value + 1
    big = Product("P-BIG", "大件", "goods", room + 100, member_discount=False)
    member = MemberContext(card, kind, balances)
    lost = MemberContext(lifecycle.report_loss(card, at.date()), kind, balances)
    uses = balances.counts_for(HAIRCUT.code, at.date()) + 1

    def sell(lines, tenders=(), points_requested=0, who=member):
        # without promotions, so that the big item costs exactly its price
        return lambda: decide_sale(SaleRequest("op-bad", at, lines, tenders,
                                               points_requested=points_requested),
                                   STORE, replace(rules, promotions=()), who)

    return {
        "balance.insufficient": sell((SaleLine(1, big, 1),), (
            Tender(TenderKind.STORED_VALUE, room), Tender(TenderKind.CASH, 100))),
        "points.insufficient": sell((SaleLine(1, COFFEE, 1),), (Tender(TenderKind.CASH, 2800),),
                                    redeemable(balances, at.date()) + 1),
        "count": sell((SaleLine(1, HAIRCUT, uses, use_count=True),)),
        "card.lost": sell((SaleLine(1, COFFEE, 1),), (Tender(TenderKind.CASH, 2800),), who=lost),
        "topup.over_maximum": lambda: stored_value.top_up(
            card, kind, balances, MAX_BALANCE - balances.stored_value + 1, "op-bad", at),
        "balance.insufficient_principal": lambda: stored_value.withdraw(
            card, kind, balances, balances.principal + 1, "op-bad", at),
        "refund.exceeds": lambda: decide_refund(
            RefundRequest("op-bad", at, earlier.record, MANAGER, quantities={1: 2}),
            balances, "C1"),
    }


@given(history=histories(), refused=st.sampled_from([
    "balance.insufficient", "points.insufficient", "count", "card.lost", "topup.over_maximum",
    "balance.insufficient_principal", "refund.exceeds"]))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_refused_call_changes_nothing(history, refused):
    kind, rules, card, ledger, at = history

    def ordinary_sale():
        return decide_sale(SaleRequest("op-ok", at, (SaleLine(1, COFFEE, 1),),
                                       (Tender(TenderKind.CASH, 2800),)),
                           STORE, rules, MemberContext(card, kind, derive_balances(ledger, "C1")))

    first = ordinary_sale()
    snapshot, balances = tuple(ledger), derive_balances(ledger, "C1")
    call = _failing_calls(kind, rules, card, ledger, at, first)[refused]
    with pytest.raises(DomainError) as refusal:
        call()
    assert refusal.value.key.startswith(refused)
    assert tuple(ledger) == snapshot
    assert derive_balances(ledger, "C1") == balances
    assert ordinary_sale() == first  # and nothing hidden changed what the next call decides
