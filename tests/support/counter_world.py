"""Shared cards, rules and helpers for test_counter.py and test_counter_sessions.py."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from membership.cards import (
    BonusTier,
    Card,
    CardType,
    CountPackage,
    Feature,
    Fees,
    PeriodPass,
    SubsidiaryPolicy,
    TimeRate,
)
from membership.commission import CommissionBasis, CommissionRule
from membership.counter_operations import Operation
from membership.errors import DomainError
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.sale import MemberContext, StoreContext

A, K = Account, EntryKind
AT = datetime(2026, 11, 23, 10, 0)
TODAY = AT.date()
SETUP_AT = datetime(2026, 10, 1, 9, 0)
STORE = StoreContext("SH001", "SH001-T1", "静安旗舰店", "王小丽")

FACIAL5 = CountPackage("FACIAL5", "面部护理5次卡", "FACIAL", 5, 50000, 180)
WASH10 = CountPackage("WASH10", "洗车10次卡", "WASH", 10, 30000)  # never expires
MONTH_PASS = PeriodPass("STUDY-M", "自习室月卡", "study", 30, 29900)
STUDY = TimeRate("study", unit_minutes=60, unit_price=1500, grace_minutes=10, cap=6000)
GOLD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.COUNT, Feature.TIME}),
    validity_days=365,
    fees=Fees(join=2000, annual=5000, replacement=1000, cancellation=2000),
    bonus_tiers=(BonusTier(50000, 3000), BonusTier(100000, 10000), BonusTier(300000, 45000)),
    count_packages=(FACIAL5, WASH10),
    time_rates=(STUDY,),
    passes=(MONTH_PASS,),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000),
)
RULES = (
    CommissionRule("PKG", CommissionBasis.SALE, product_code="FACIAL5", rate_bp=500),
    CommissionRule("OPEN", CommissionBasis.CARD_OPEN, fixed_per_unit=1000),
    CommissionRule("TOPUP", CommissionBasis.TOPUP, rate_bp=100),
)
CARD = Card("880000001234", "M001", "GOLD", issued_on=date(2026, 1, 5),
            expires_on=date(2027, 1, 4))
CHILD = Card("880000009999", "M002", "GOLD", issued_on=date(2026, 2, 1),
             parent_card_no=CARD.card_no, quota=1000)
UNTRANSLATED = re.compile(r"\b(receipt|tender)\.[a-z_.]+")


def op(seq: int, at: datetime = AT, staff_id: str = "S07") -> Operation:
    return Operation(f"SH001-T1-{seq}", at, STORE, staff_id)


def setup(account: Account, delta: int, kind: EntryKind, **terms) -> LedgerEntry:
    return LedgerEntry("SETUP", CARD.card_no, account, delta, kind, SETUP_AT, **terms)


def money(principal: int, bonus: int) -> list[LedgerEntry]:
    entries = [setup(A.PRINCIPAL, principal, K.TOPUP)]
    return entries + ([setup(A.BONUS, bonus, K.TOPUP_BONUS)] if bonus else [])


def points_lots() -> list[LedgerEntry]:
    """300 points earned in 2025 (valid through 2026-12-31), 500 in 2026 (through 2027-12-31)."""
    return [setup(A.POINTS, 300, K.EARN, lot="P2025", valid_until=date(2026, 12, 31)),
            setup(A.POINTS, 500, K.EARN, lot="P2026", valid_until=date(2027, 12, 31))]


def member(history=(), card: Card = CARD, parent: Card | None = None) -> MemberContext:
    return MemberContext(card, GOLD, derive_balances(history, CARD.card_no), member_name="张三",
                         parent=parent, parent_entries=tuple(history) if parent else ())


def rows(section) -> list[tuple[str, object]]:
    return [(row.label_key, row.amount if row.amount is not None else row.value)
            for row in section]


def raises_key(key: str):
    return pytest.raises(DomainError, match=rf"^{re.escape(key)}\b")


# --- top-up (充值) ---------------------------------------------------------------------------
