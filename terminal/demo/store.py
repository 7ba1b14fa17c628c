"""A demo store (a café with a beauty corner) as configuration data: catalogue, card types,
levels, promotions, coupons, points and commission rules. `make run` plays a day on it."""

from __future__ import annotations

from datetime import datetime

from membership.cards import (
    BonusTier,
    CardType,
    CountPackage,
    Feature,
    Fees,
    PeriodPass,
    QuotaPeriod,
    SubsidiaryPolicy,
    TimeRate,
)
from membership.catalogue import Product
from membership.commission import CommissionBasis, CommissionRule
from membership.coupons import Coupon, CouponKind
from membership.levels import Level, LevelPolicy, points_multipliers
from membership.points import EarningRule, Gift
from membership.pricing import PointsOffsetRule
from membership.promotions import Promotion, PromotionKind, SpendTier
from membership.sale import SaleRules, StoreContext

STORE = StoreContext(store_id="SH001", terminal_id="SH001-T1", store_name="静安旗舰店",
                     cashier="王小丽")

PRODUCTS = {
    product.code: product
    for product in (
        Product("LATTE", "拿铁咖啡", "drinks", 2800),
        Product("AMERICANO", "美式咖啡", "drinks", 2200),
        Product("CAKE", "提拉米苏", "bakery", 3200),
        Product("CROISSANT", "牛角包", "bakery", 1500),
        Product("BEANS", "精品咖啡豆 250g", "retail", 8800, member_discount=False),
        Product("FACIAL", "面部护理", "beauty", 19800, is_service=True),
    )
}

FACIAL_PACKAGE = CountPackage("FACIAL10", "面部护理10次卡", "FACIAL", 10, 158000, 365)
MONTH_PASS = PeriodPass("STUDY-M", "自习室月卡", "study", 30, 29900)

GOLD_CARD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.DISCOUNT, Feature.POINTS, Feature.COUNT,
                        Feature.TIME}),
    validity_days=730,
    fees=Fees(join=2000, annual=0, replacement=1000, cancellation=2000),
    bonus_tiers=(BonusTier(50000, 3000), BonusTier(100000, 10000), BonusTier(300000, 45000)),
    discount_bp=9500,
    category_discount_bp={"retail": 10000},
    count_packages=(FACIAL_PACKAGE,),
    time_rates=(TimeRate("study", 60, 1500, grace_minutes=10, cap=6000),),
    passes=(MONTH_PASS,),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000,
                                period=QuotaPeriod.MONTH),
)

LEVELS = LevelPolicy(levels=(
    Level("NORMAL", "普通会员", 0),
    Level("SILVER", "银卡会员", 1, discount_bp=9500, points_multiplier_bp=12000,
          upgrade_spend=100000, keep_spend=50000),
    Level("GOLD", "金卡会员", 2, discount_bp=9000, category_discount_bp={"bakery": 8800},
          points_multiplier_bp=15000, upgrade_spend=500000, keep_spend=200000),
))

_YEAR_START, _YEAR_END = datetime(2026, 1, 1), datetime(2027, 1, 1)

PROMOTIONS = (
    Promotion("AFTERNOON", "下午茶8折", PromotionKind.TIMED_DISCOUNT, _YEAR_START, _YEAR_END,
              categories=frozenset({"bakery"}), pay_rate_bp=8000),
    Promotion("MANJIAN", "满100减15", PromotionKind.SPEND_SAVE, _YEAR_START, _YEAR_END,
              tiers=(SpendTier(10000, 1500), SpendTier(20000, 4000))),
    Promotion("CROISSANT21", "牛角包买二送一", PromotionKind.BUY_X_GET_Y, _YEAR_START, _YEAR_END,
              products=frozenset({"CROISSANT"}), buy_qty=2, free_qty=1),
)

# The points catalogue (积分兑换): what members can take home for their points.
GIFTS = (
    Gift("GIFT-MUG", "品牌马克杯", 500),
    Gift("GIFT-BEANS", "咖啡豆小样 50g", 300, stock=100),
    Gift("GIFT-TOTE", "帆布袋", 800),
)

WELCOME_COUPON = Coupon("WELCOME10", CouponKind.CASH_OFF, _YEAR_START, _YEAR_END, value=1000,
                        min_spend=5000)

EARNING = EarningRule(fen_per_point=100, category_multiplier_bp={"retail": 5000},
                      level_multiplier_bp=points_multipliers(LEVELS))

RULES = SaleRules(
    promotions=PROMOTIONS,
    earning=EARNING,
    points_offset=PointsOffsetRule(points_per_yuan=100, max_share_bp=3000),
    commission_rules=(
        CommissionRule("FACIAL-SALE", CommissionBasis.SALE, product_code="FACIAL", rate_bp=1000),
        CommissionRule("FACIAL-USE", CommissionBasis.COUNT_USE, product_code="FACIAL",
                       fixed_per_unit=2000),
        CommissionRule("PKG", CommissionBasis.SALE, product_code="FACIAL10", rate_bp=500),
        CommissionRule("OPEN", CommissionBasis.CARD_OPEN, fixed_per_unit=1000),
        CommissionRule("TOPUP", CommissionBasis.TOPUP, rate_bp=100),
    ),
)
