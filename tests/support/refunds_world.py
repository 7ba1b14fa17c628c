"""Shared cards, rules and helpers for test_refunds.py and test_refunds_partial.py."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from membership import count_packages, points, stored_value
from membership.cards import (
    BonusTier,
    Card,
    CardType,
    CountPackage,
    Feature,
)
from membership.catalogue import Product, SaleLine
from membership.commission import CommissionBasis, CommissionRule
from membership.ledger import CardBalances, LedgerEntry, derive_balances
from membership.pricing import PointsOffsetRule
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, SaleRules, StoreContext, decide_sale
from membership.tenders import Tender, TenderKind

AT = datetime(2026, 11, 23, 10, 0)
LATER = datetime(2026, 11, 24, 15, 30)
STORE = StoreContext("S01", "T01", "旗舰店", "小王")

LATTE = Product("P1", "拿铁咖啡", "drinks", 2800)
CAKE = Product("P2", "蛋糕", "food", 1999)
HAIRCUT = Product("haircut", "洗剪吹", "service", 5000, is_service=True)
SHORT_PACK = CountPackage("HC3", "洗剪吹3次", "haircut", uses=3, price=12000, validity_days=30)
LONG_PACK = CountPackage("HC10", "洗剪吹10次", "haircut", uses=10, price=40000, validity_days=365)

VIP = CardType(
    code="VIP", name="VIP卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.DISCOUNT, Feature.COUNT}),
    discount_bp=9000,
    bonus_tiers=(BonusTier(min_paid=100000, bonus=10000),),
    count_packages=(SHORT_PACK, LONG_PACK),
)
CARD = Card("88000001", "M1", "VIP", issued_on=date(2025, 1, 1))
RULES = SaleRules(
    earning=points.EarningRule(),
    points_offset=PointsOffsetRule(points_per_yuan=100, max_share_bp=5000),
    commission_rules=(
        CommissionRule("DRINKS10", CommissionBasis.SALE, category="drinks", rate_bp=1000),
        CommissionRule("HAIRCUT-USE", CommissionBasis.COUNT_USE, product_code="haircut",
                       fixed_per_unit=800),
    ),
)
LINES = (
    SaleLine(1, LATTE, 3, staff_id="E01"),
    SaleLine(2, CAKE, 1),
    SaleLine(3, HAIRCUT, 2, use_count=True, staff_id="E03"),
)


def history(card: Card = CARD, old_points: int = 800) -> list[LedgerEntry]:
    entries = list(stored_value.top_up(card, VIP, derive_balances([]), 100000, "OLD-TOPUP",
                                       datetime(2026, 1, 5, 9)).entries)
    if old_points:
        entries += points.earn_entries(card.card_no, "OLD-EARN", old_points,
                                       datetime(2025, 6, 1, 9), points.PointsExpiry())
    entries += count_packages.purchase_entries(card, VIP, LONG_PACK, "OLD-PACK0",
                                               datetime(2026, 10, 1))
    entries += count_packages.purchase_entries(card, VIP, SHORT_PACK, "OLD-PACK1",
                                               datetime(2026, 11, 1))
    return entries


def make_sale(before: list[LedgerEntry], lines=LINES, tenders=None, points_requested=500,
              card_type: CardType = VIP, op_id: str = "T01-100"):
    if tenders is None:
        tenders = (Tender(TenderKind.STORED_VALUE, 5000), Tender(TenderKind.CASH, 4000))
    who = MemberContext(CARD, card_type, derive_balances(before))
    request = SaleRequest(op_id, AT, tuple(lines), tuple(tenders),
                          points_requested=points_requested)
    return decide_sale(request, STORE, RULES, who)


def refund(record, ledger: list[LedgerEntry], op_id: str = "T01-200", prior=(),
           quantities=None, void=False, manager="店长王", card_no=CARD.card_no,
           account_card_no=""):
    request = RefundRequest(op_id, LATER, record, manager, prior_refunds=tuple(prior),
                            quantities=quantities or {}, void=void)
    return decide_refund(request, derive_balances(ledger, card_no), account_card_no)


def snapshot(balances: CardBalances) -> dict:
    """What a member holds: money, and every non-empty points lot and count package."""
    return {
        "principal": balances.principal,
        "bonus": balances.bonus,
        "points": {lot.lot: lot.remaining for lot in balances.points_lots if lot.remaining},
        "counts": {lot.lot: lot.remaining for lot in balances.count_lots if lot.remaining},
    }


def moved(entries) -> Counter:
    """Sum of deltas per (account, lot, line) — what a set of entries did."""
    total: Counter = Counter()
    for entry in entries:
        total[(entry.account.value, entry.lot, entry.line_no)] += entry.delta
    return total
