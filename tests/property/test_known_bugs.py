"""Minimal examples of defects found while modelling operation sequences, kept as regression
tests: every one of them is fixed, and each test states the behaviour the rules promise.

A defect found open in future goes here as a strict xfail (`@pytest.mark.xfail(strict=True)`)
until its fix lands, when strict xfail turns the pass into a failure and the marker goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from membership import count_packages, lifecycle, points, subsidiary
from membership.cards import Card, CardType, CountPackage, Feature, SubsidiaryPolicy
from membership.catalogue import Product, SaleLine
from membership.errors import QuotaExceeded
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.points import EarningRule, ExpiryKind, PointsExpiry
from membership.pricing import PointsOffsetRule
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, SaleRules, StoreContext, decide_sale
from membership.tenders import Tender, TenderKind

AT = datetime(2026, 3, 2, 10, 0)
STORE = StoreContext("S01", "T01")
CUT3 = CountPackage("PK-CUT3", "剪发3次卡", "SVC-CUT", uses=3, price=20000, validity_days=30)
VIP = CardType(
    "VIP", "VIP卡", frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.COUNT}),
    count_packages=(CUT3,),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=1, default_quota=10000),
)
RULES = SaleRules(
    earning=EarningRule(expiry=PointsExpiry(ExpiryKind.ROLLING_DAYS, days=30)),
    points_offset=PointsOffsetRule(points_per_yuan=100, max_share_bp=10000),
)
COFFEE = Product("P-COFFEE", "拿铁咖啡", "drinks", 2800)
SWEET = Product("P-SWEET", "水果糖", "food", 28)
HAIRCUT = Product("SVC-CUT", "剪发", "service", 8800, is_service=True)
OLD = Card("C1", "M1", "VIP")


def sell(ledger: list[LedgerEntry], op_id: str, card: Card, lines, tenders=(), points_used=0,
         at: datetime = AT):
    member = MemberContext(card, VIP, derive_balances(ledger, card.card_no))
    decision = decide_sale(SaleRequest(op_id, at, tuple(lines), tuple(tenders),
                                       points_requested=points_used), STORE, RULES, member)
    ledger += decision.entries
    return decision


def replace(ledger: list[LedgerEntry], at: datetime = AT) -> Card:
    decision = lifecycle.replace_card(OLD, "C2", derive_balances(ledger, "C1"), VIP, "op-swap", at)
    ledger += decision.entries
    return decision.new_card


def test_refund_after_replacement_claws_back_points_even_when_every_lot_was_empty():
    ledger: list[LedgerEntry] = []
    # ¥28.00 in cash earns 28 points in lot P2026-03-02 (valid 30 days)
    sale = sell(ledger, "op-sale", OLD, [SaleLine(1, COFFEE, 1)], [Tender(TenderKind.CASH, 2800)])
    assert sale.points_earned == 28
    later = AT + timedelta(days=31)
    ledger += points.expire_entries("C1", "op-expire", derive_balances(ledger, "C1"),
                                    later.date(), later)
    new_card = replace(ledger, later)  # the lot holds 0: nothing moves, C2 has no points lot
    refund = decide_refund(RefundRequest("op-refund", later, sale.record, "店长"),
                           derive_balances(ledger, "C2"), new_card.card_no)
    ledger += refund.entries
    # fixed: this used to raise PointsError points.no_lot; now the 28 points are owed on C2
    assert derive_balances(ledger, "C2").points == -28


def test_count_uses_refunded_after_replacement_keep_their_expiry():
    ledger: list[LedgerEntry] = list(count_packages.purchase_entries(OLD, VIP, CUT3, "op-buy", AT))
    # all 3 uses of the package (valid 2026-03-02 .. 2026-03-31) paid by count
    sale = sell(ledger, "op-sale", OLD, [SaleLine(1, HAIRCUT, 3, use_count=True)])
    new_card = replace(ledger)  # the package holds 0 uses: nothing moves
    refund = decide_refund(RefundRequest("op-refund", AT, sale.record, "店长"),
                           derive_balances(ledger, "C2"), new_card.card_no)
    ledger += refund.entries
    after_expiry = AT.date() + timedelta(days=30)  # 2026-04-01
    # fixed: the package ended on 2026-03-31; the restored uses used to carry no expiry at all
    assert derive_balances(ledger, "C2").counts_for("SVC-CUT", after_expiry) == 0


def test_points_refunded_after_replacement_keep_their_expiry():
    ledger: list[LedgerEntry] = []
    sell(ledger, "op-earn", OLD, [SaleLine(1, COFFEE, 1)], [Tender(TenderKind.CASH, 2800)])
    # the 28 points earned (lot valid 2026-03-02 .. 2026-03-31) pay all of a ¥0.28 sweet
    spend = sell(ledger, "op-spend", OLD, [SaleLine(1, SWEET, 1)], points_used=28)
    new_card = replace(ledger)  # the lot holds 0: nothing moves
    refund = decide_refund(RefundRequest("op-refund", AT, spend.record, "店长"),
                           derive_balances(ledger, "C2"), new_card.card_no)
    ledger += refund.entries
    after_expiry = AT.date() + timedelta(days=30)
    # expected 0 usable on 2026-04-01; actual 28: the lot re-opens with no last day
    assert derive_balances(ledger, "C2").usable_points(after_expiry) == 0


def test_replacing_a_subsidiary_card_does_not_reset_its_quota():
    parent = OLD
    child = subsidiary.add_subsidiary(parent, VIP, (), "K1", AT.date())  # ¥100 a month
    spent = [LedgerEntry("op-spend", "C1", Account.PRINCIPAL, -10000, EntryKind.SPEND, AT,
                         actor_card_no="K1")]
    new_child = lifecycle.replace_card(child, "K2", derive_balances([], "K1"), VIP, "op-swap",
                                       AT).new_card
    # The month's ¥100 is used up under the old number, so ¥1 more exceeds the quota.
    with pytest.raises(QuotaExceeded):
        subsidiary.ensure_subsidiary_can_spend(new_child, parent, VIP, spent, 100, AT)
