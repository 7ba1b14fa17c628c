"""The rules for withdrawals and package and pass purchases (membership.purchase_rules), on
entries the core makes: what the operation gives passes, anything more is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from membership.cards import Card
from membership.counter_operations import (
    Operation,
    buy_package,
    buy_pass,
    redeem_gift,
    withdraw,
)
from membership.ledger import Account, CardBalances, Lot
from membership.purchase_rules import (
    GIFT_ENTRIES,
    GIFT_UNKNOWN,
    PURCHASE_ENTRIES,
    PURCHASE_NOT_PAID,
    PURCHASE_UNKNOWN,
    WITHDRAW_BEYOND_PRINCIPAL,
    WITHDRAW_ENTRIES,
    gift_reason,
    package_reason,
    pass_reason,
    withdrawal_reason,
)
from membership.sale import MemberContext, StoreContext
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo

AT = datetime(2026, 11, 23, 10, 0)
OP = Operation("T1-7", AT, StoreContext("SH001", "T1"))
MEMBER = MemberContext(Card("8800", "M1", "GOLD"), demo.GOLD_CARD,
                       CardBalances(principal=100_000, bonus=20_000))


def test_a_withdrawal_of_principal_within_what_hq_knows_passes():
    event = withdraw(OP, MEMBER, 30_000).events[0]
    entries = tuple(withdraw(OP, MEMBER, 30_000).entries)
    assert withdrawal_reason(event.payload, entries, principal_at_hq=30_000) == ""
    assert withdrawal_reason(event.payload, entries, 29_999) == WITHDRAW_BEYOND_PRINCIPAL
    assert withdrawal_reason({**event.payload, "amount": 1}, entries, 10**9) == WITHDRAW_ENTRIES
    bonus = tuple(replace(entry, account=Account.BONUS) for entry in entries)
    assert withdrawal_reason(event.payload, bonus, 10**9) == WITHDRAW_ENTRIES


def test_a_package_bought_as_its_card_type_offers_it_passes_and_more_uses_do_not():
    package = demo.FACIAL_PACKAGE
    decision = buy_package(OP, MEMBER, package, 2, [Tender(TenderKind.STORED_VALUE, 100_000),
                                                    Tender(TenderKind.CASH, 216_000)])
    payload, entries = decision.events[0].payload, tuple(decision.entries)
    assert package_reason(payload, entries, [package]) == ""
    assert package_reason(payload, entries, []) == PURCHASE_UNKNOWN
    more = tuple(replace(entry, delta=entry.delta * 5) if entry.account is Account.COUNT else entry
                 for entry in entries)
    assert package_reason(payload, more, [package]) == PURCHASE_ENTRIES
    cheap = {**payload, "price": 1}
    assert package_reason(cheap, entries, [package]) == PURCHASE_UNKNOWN
    unpaid = {**payload, "tenders": [{"kind": "cash", "amount": 1, "reference": ""}]}
    assert package_reason(unpaid, entries, [package]) == PURCHASE_NOT_PAID


def test_a_pass_bought_at_its_price_passes():
    decision = buy_pass(OP, MEMBER, demo.MONTH_PASS, [Tender(TenderKind.CASH, 29_900)])
    payload, entries = decision.events[0].payload, tuple(decision.entries)
    assert pass_reason(payload, entries, [demo.MONTH_PASS]) == ""
    twice = tuple(replace(entry, delta=2) for entry in entries)
    assert pass_reason(payload, twice, [demo.MONTH_PASS]) == PURCHASE_ENTRIES


def test_a_gift_redeemed_for_its_points_passes_and_one_for_fewer_does_not():
    rich = replace(MEMBER, balances=CardBalances(points_lots=(
        Lot("P2026", "", None, None, 5_000, AT),)))
    mug = demo.GIFTS[0]
    decision = redeem_gift(OP, rich, mug, 2)
    payload, entries = decision.events[0].payload, tuple(decision.entries)
    assert gift_reason(payload, entries, [mug]) == ""
    assert gift_reason({**payload, "points": 1}, entries, [mug]) == GIFT_UNKNOWN
    fewer = tuple(replace(entry, delta=-1) for entry in entries)
    assert gift_reason(payload, fewer, [mug]) == GIFT_ENTRIES
