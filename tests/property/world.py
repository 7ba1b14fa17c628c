"""The shop the cross-module property tests run in: one card type, products, rules, coupons,
and the independent expectations (bonus, stored-value draw, refund shares) the tests compare
the real decisions with.

Every expectation here is written from the documented rule, not by calling the function under
test, so that a change of rule in membership/ shows up as a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hypothesis import strategies as st

from membership.cards import (
    BonusTier,
    CardType,
    CountPackage,
    DrawOrder,
    Feature,
    Fees,
    QuotaPeriod,
    SubsidiaryPolicy,
    TimeRate,
)
from membership.catalogue import Product, SaleLine
from membership.coupons import Coupon, CouponKind
from membership.ledger import CardBalances
from membership.money import cumulative_share
from membership.points import EarningRule, ExpiryKind, Gift, PointsExpiry
from membership.pricing import (
    MemberPricing,
    PointsOffsetRule,
    PricedSale,
    PricingContext,
    price_sale,
)
from membership.promotions import Promotion, PromotionKind, SpendTier
from membership.sale import MemberContext, SaleRules, StoreContext
from membership.sale_record import RecordLine
from membership.tenders import Settlement, Tender, TenderKind

START = datetime(2026, 1, 5, 9, 0)  # a Monday
FAR = START + timedelta(days=3650)
STORE = StoreContext("S01", "T01", "旗舰店", "小王")
MANAGER = "店长"

COFFEE = Product("P-COFFEE", "拿铁咖啡", "drinks", 2800)
CAKE = Product("P-CAKE", "蛋糕", "food", 1999)
WATER = Product("P-WATER", "特价矿泉水", "food", 990, member_discount=False, earns_points=False)
HAIRCUT = Product("SVC-CUT", "剪发", "service", 8800, is_service=True)
PRODUCTS = (COFFEE, CAKE, WATER, HAIRCUT)
SERVICE = HAIRCUT.code  # a count-paid line uses its product code as the service

PACKAGES = (
    CountPackage("PK-CUT10", "剪发10次卡", SERVICE, 10, 60000, validity_days=45),
    CountPackage("PK-CUT3", "剪发3次卡", SERVICE, 3, 20000),
)
ROOM = TimeRate("ROOM", unit_minutes=60, unit_price=3000, grace_minutes=10, cap=10000)
GIFTS = (Gift("G-PEN", "签字笔", 10), Gift("G-MUG", "马克杯", 50), Gift("G-UMB", "雨伞", 300))

# ¥500 → ¥30, ¥1000 → ¥100, ¥3000 → 5 % of the payment (only the highest tier met applies)
TIERS = (BonusTier(50000, 3000), BonusTier(100000, 10000), BonusTier(300000, 0, 500))
MIN_TOPUP = 100
MAX_BALANCE = 1_000_000
CHILD_QUOTA = 30000


def expected_bonus(paid: int) -> int:
    if paid >= 300000:
        return (paid * 500 * 2 + 10000) // 20000  # 5 %, half-up to the fen
    if paid >= 100000:
        return 10000
    return 3000 if paid >= 50000 else 0


def card_type(draw_order: DrawOrder, cancellation_fee: int, period: QuotaPeriod) -> CardType:
    return CardType(
        code="VIP",
        name="VIP储值卡",
        features=frozenset(Feature),
        fees=Fees(replacement=1000, cancellation=cancellation_fee),
        bonus_tiers=TIERS,
        discount_bp=9000,
        category_discount_bp={"drinks": 8500},
        count_packages=PACKAGES,
        time_rates=(ROOM,),
        draw_order=draw_order,
        min_topup=MIN_TOPUP,
        max_balance=MAX_BALANCE,
        subsidiary=SubsidiaryPolicy(True, max_children=2, default_quota=CHILD_QUOTA,
                                    period=period),
    )


PROMOTIONS = (
    Promotion("PR-FOOD", "食品8折", PromotionKind.TIMED_DISCOUNT, START - timedelta(days=1), FAR,
              categories=frozenset({"food"}), pay_rate_bp=8000),
    Promotion("PR-MJ", "满100减10, 满300减40", PromotionKind.SPEND_SAVE,
              START - timedelta(days=1), FAR,
              tiers=(SpendTier(10000, 1000), SpendTier(30000, 4000))),
)
COUPONS = (
    Coupon("CP-5", CouponKind.CASH_OFF, START, FAR, value=500, min_spend=3000),
    Coupon("CP-88", CouponKind.PERCENT_OFF, START, FAR, pay_rate_bp=8800, max_off=2000),
    Coupon("CP-GIFT", CouponKind.GIFT_ITEM, START, FAR, gift_product=WATER,
           stackable_with_promotions=False),
)


def sale_rules(expiry_days: int, min_points: int, with_promotions: bool) -> SaleRules:
    return SaleRules(
        promotions=PROMOTIONS if with_promotions else (),
        earning=EarningRule(
            fen_per_point=10,
            category_multiplier_bp={"drinks": 20000},
            expiry=PointsExpiry(ExpiryKind.ROLLING_DAYS, days=expiry_days),
        ),
        points_offset=PointsOffsetRule(points_per_yuan=100, max_share_bp=5000,
                                       min_points=min_points),
    )


@st.composite
def sale_lines(draw: st.DrawFn, allow_counts: bool = True) -> tuple[SaleLine, ...]:
    picked = draw(st.lists(
        st.tuples(st.sampled_from(PRODUCTS), st.integers(1, 3), st.booleans()),
        min_size=1, max_size=3,
    ))
    return tuple(
        SaleLine(number, product, qty, use_count=allow_counts and by_count and product.is_service)
        for number, (product, qty, by_count) in enumerate(picked, start=1)
    )


@dataclass(frozen=True)
class TenderPlan:
    """How the customer wants to pay: shares in percent, and extra cash for change."""

    card_percent: int
    wechat_percent: int
    extra_cash: int

    def tenders(self, amount_due: int, card_room: int | None = None
                ) -> tuple[tuple[Tender, ...], int, int, int]:
        """(tenders, stored value, WeChat, cash handed over) for `amount_due`; the card pays at
        most `card_room` when given."""
        card = amount_due * self.card_percent // 100
        card = card if card_room is None else min(card, card_room)
        wechat = (amount_due - card) * self.wechat_percent // 100
        cash_needed = amount_due - card - wechat
        cash = cash_needed + self.extra_cash if cash_needed else 0
        tenders = [Tender(TenderKind.STORED_VALUE, card)] if card else []
        if wechat:
            tenders.append(Tender(TenderKind.WECHAT, wechat, reference="wx-trade"))
        if cash:
            tenders.append(Tender(TenderKind.CASH, cash))
        return tuple(tenders), card, wechat, cash


tender_plans = st.builds(
    TenderPlan,
    card_percent=st.one_of(st.just(100), st.just(0), st.integers(0, 100)),
    wechat_percent=st.one_of(st.just(0), st.integers(0, 100)),
    extra_cash=st.one_of(st.just(0), st.integers(1, 10000)),
)


def expected_draw(balances: CardBalances, amount: int, order: DrawOrder) -> tuple[int, int]:
    """(principal, bonus) a payment of `amount` takes, from the documented draw rule."""
    principal, bonus = max(balances.principal, 0), max(balances.bonus, 0)
    if order is DrawOrder.PRINCIPAL_FIRST:
        from_principal = min(amount, principal)
        return from_principal, amount - from_principal
    if order is DrawOrder.BONUS_FIRST:
        from_bonus = min(amount, bonus)
        return amount - from_bonus, from_bonus
    whole = principal + bonus
    from_bonus = (2 * amount * bonus + whole) // (2 * whole)  # amount × bonus ÷ whole, half-up
    return amount - from_bonus, from_bonus


@dataclass
class RefundShare:
    """What refunding some units gives back, from the record's per-line amounts."""

    principal: int = 0
    bonus: int = 0
    points_used: int = 0
    points_earned: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    tenders: dict[str, int] = field(default_factory=dict)

    def add(self, line: RecordLine, before: int, qty: int) -> None:
        def share(total: int) -> int:
            return cumulative_share(total, before, qty, line.qty)

        others = [(kind, amount) for kind, amount in line.tender_parts
                  if kind != TenderKind.STORED_VALUE]
        principal, bonus, *other_parts = _unit_parts(
            [line.principal, line.bonus, *(amount for _, amount in others)], before, qty, line.qty)
        money_of_others = dict(zip((kind for kind, _ in others), other_parts, strict=True))
        self.principal += principal
        self.bonus += bonus
        self.points_used += share(line.points_used)
        self.points_earned += share(line.points_earned)
        if line.count_service:
            self.counts[line.count_service] = self.counts.get(line.count_service, 0) + qty
        for kind, _ in line.tender_parts:
            # the card's part is exactly what goes back to principal and bonus
            card_part = principal + bonus
            part = card_part if kind == TenderKind.STORED_VALUE else money_of_others[kind]
            self.tenders[kind] = self.tenders.get(kind, 0) + part


def _unit_parts(totals: list[int], before: int, qty: int, whole: int) -> list[int]:
    """The model of a refund's money shares: lay every fen of the line's money parts out on
    its units, in turn (total // whole to each, the leftover fen dealt one a unit, the dealing
    going on from unit to unit across the parts), then add up the units refunded."""
    units = [[0] * len(totals) for _ in range(whole)]
    dealer = 0
    for part, total in enumerate(totals):
        for unit in units:
            unit[part] = total // whole
        for _ in range(total % whole):
            units[dealer][part] += 1
            dealer = (dealer + 1) % whole
    return [sum(unit[part] for unit in units[before:before + qty]) for part in range(len(totals))]


def quote(lines, coupon: Coupon | None, member: MemberContext | None, points_requested: int,
          rules: SaleRules, at: datetime) -> PricedSale:
    """What the cashier's screen shows before payment: the sale priced on its own."""
    return price_sale(lines, PricingContext(
        at=at, store_id=STORE.store_id, terminal_id=STORE.terminal_id,
        member=MemberPricing(card_type=member.card_type, member_id=member.card.member_id)
        if member else None,
        promotions=rules.promotions, coupon=coupon, points_requested=points_requested,
        points_available=redeemable(member.balances, at.date()) if member else 0,
        points_rule=rules.points_offset, stacking=rules.stacking,
    ))


def redeemable(balances: CardBalances, day: date) -> int:
    """Points usable on `day` (positive lots not past their last day) less any points debt."""
    usable = sum(lot.remaining for lot in balances.points_lots
                 if lot.remaining > 0 and (lot.valid_until is None or day <= lot.valid_until))
    debt = sum(lot.remaining for lot in balances.points_lots if lot.remaining < 0)
    return max(0, usable + debt)


def check_priced(priced: PricedSale) -> None:
    """A discount never exceeds its line; the totals are the sums of the lines."""
    for line in priced.lines:
        assert 0 <= line.net <= line.gross, line
        assert all(reduction.amount > 0 for reduction in line.reductions), line
        assert line.gross - sum(r.amount for r in line.reductions) == line.net, line
        if line.line.use_count:
            assert line.net == line.gross and not line.reductions, line
    money_lines = [line for line in priced.lines if not line.line.use_count]
    assert priced.amount_due == sum(line.net for line in money_lines)
    assert priced.total_reduction == priced.gross - sum(line.net for line in priced.lines)
    assert priced.points_offset == sum(line.points_offset for line in priced.lines)


def check_settlement(settlement: Settlement, amount_due: int, card: int, wechat: int,
                     cash: int) -> None:
    """Tenders sum to the amount due; change is cash received less cash applied."""
    assert settlement.total == amount_due
    assert all(tender.amount > 0 for tender in settlement.tenders)
    assert settlement.amount_of(TenderKind.STORED_VALUE) == card
    assert settlement.amount_of(TenderKind.WECHAT) == wechat
    assert settlement.cash_received == cash
    cash_applied = settlement.amount_of(TenderKind.CASH)
    assert cash_applied == amount_due - card - wechat
    assert settlement.change == settlement.cash_received - cash_applied >= 0
