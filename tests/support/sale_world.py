"""Shared cards, rules and helpers for test_sale.py and test_sale_cards.py."""

from __future__ import annotations

from datetime import date, datetime

from membership import count_packages, points, stored_value
from membership.cards import (
    BonusTier,
    Card,
    CardType,
    CountPackage,
    Feature,
    QuotaPeriod,
    SubsidiaryPolicy,
)
from membership.catalogue import Product
from membership.ledger import Account, LedgerEntry, derive_balances
from membership.receipts import ReceiptRow
from membership.sale import MemberContext, SaleRequest, SaleRules, StoreContext, decide_sale
from membership.tenders import Tender, TenderKind

AT = datetime(2026, 11, 23, 10, 0)
STORE = StoreContext("S01", "T01", "旗舰店", "小王")
EARN = points.EarningRule()  # 1 point per ¥1.00, year-end expiry: earnings go to lot P2026

LATTE = Product("P1", "拿铁咖啡", "drinks", 2800)
CAKE = Product("P2", "蛋糕", "food", 1999)
GIFT_BOX = Product("P3", "礼盒", "gift", 7200)
TEA = Product("P4", "茶叶", "gift", 4800)
CANDY = Product("P9", "糖果", "food", 9)
HAIRCUT = Product("haircut", "洗剪吹", "service", 5000, is_service=True)
SHAMPOO = Product("P5", "洗发水", "retail", 3900)

SHORT_PACK = CountPackage("HC3", "洗剪吹3次", "haircut", uses=3, price=12000, validity_days=30)
LONG_PACK = CountPackage("HC10", "洗剪吹10次", "haircut", uses=10, price=40000, validity_days=365)

VIP = CardType(
    code="VIP", name="VIP卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.DISCOUNT, Feature.COUNT}),
    discount_bp=9000,  # 9折
    bonus_tiers=(BonusTier(min_paid=100000, bonus=10000),),  # 充1000送100
    count_packages=(SHORT_PACK, LONG_PACK),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=5000,
                                period=QuotaPeriod.MONTH),
)
# A stored-value card without its own discount, so prices stay whole in the draw examples.
PLAIN = CardType(
    code="PLAIN", name="储值积分卡", features=frozenset({Feature.STORED_VALUE, Feature.POINTS}),
    bonus_tiers=(BonusTier(min_paid=100000, bonus=10000),),
)
CARD = Card("88000001", "M1", "VIP", issued_on=date(2025, 1, 1))
PLAIN_CARD = Card("88000002", "M2", "PLAIN", issued_on=date(2025, 1, 1))


def history(card: Card, card_type: CardType, topup: int = 100000, old_points: int = 0,
            packages: tuple[tuple[CountPackage, datetime], ...] = ()) -> list[LedgerEntry]:
    """The member's entries before the sale: a top-up, points earned in 2025, packages bought."""
    entries: list[LedgerEntry] = []
    if topup:
        entries += stored_value.top_up(card, card_type, derive_balances(entries), topup,
                                       "OLD-TOPUP", datetime(2026, 1, 5, 9)).entries
    if old_points:
        entries += points.earn_entries(card.card_no, "OLD-EARN", old_points,
                                       datetime(2025, 6, 1, 9), points.PointsExpiry())
    for index, (package, bought_at) in enumerate(packages):
        entries += count_packages.purchase_entries(card, card_type, package, f"OLD-PACK{index}",
                                                   bought_at)
    return entries


def member(card: Card = CARD, card_type: CardType = VIP, entries: list[LedgerEntry] | None = None,
           **kwargs) -> MemberContext:
    entries = history(card, card_type) if entries is None else entries
    return MemberContext(card, card_type, derive_balances(entries), member_name="张三", **kwargs)


def sale(lines, tenders=(), who: MemberContext | None = None, rules: SaleRules | None = None,
         **request):
    return decide_sale(
        SaleRequest("T01-100", AT, tuple(lines), tuple(tenders), **request),
        STORE, rules or SaleRules(earning=EARN), who,
    )


def cash(amount: int) -> Tender:
    return Tender(TenderKind.CASH, amount)


def card_pay(amount: int) -> Tender:
    return Tender(TenderKind.STORED_VALUE, amount)


def money_entries(decision) -> list[tuple[str, int, int | None]]:
    return [(e.account.value, e.delta, e.line_no) for e in decision.entries
            if e.account in (Account.PRINCIPAL, Account.BONUS)]


def row(receipt_rows, key: str) -> ReceiptRow:
    return next(r for r in receipt_rows if r.label_key == key)


# --- guests and tenders -------------------------------------------------------------------------
