"""Shared cards, rules and helpers for test_card_service.py and test_card_service_lifecycle.py."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from membership.cards import (
    BonusTier,
    Card,
    CardStatus,
    CardType,
    CountPackage,
    Feature,
    Fees,
    SubsidiaryPolicy,
)
from membership.commission import CommissionBasis, CommissionRule
from membership.counter_operations import Operation
from membership.errors import DomainError
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.sale import MemberContext, StoreContext

A, K, S = Account, EntryKind, CardStatus
AT = datetime(2026, 11, 23, 10, 0)
TODAY = AT.date()
SETUP_AT = datetime(2026, 10, 1, 9, 0)
STORE = StoreContext("SH001", "SH001-T1", "静安旗舰店", "王小丽")
FACIAL5 = CountPackage("FACIAL5", "面部护理5次卡", "FACIAL", 5, 50000, 180)
GOLD = CardType(
    code="GOLD",
    name="金卡",
    features=frozenset({Feature.STORED_VALUE, Feature.POINTS, Feature.COUNT, Feature.TIME}),
    validity_days=365,
    fees=Fees(join=2000, annual=5000, replacement=1000, cancellation=2000),
    bonus_tiers=(BonusTier(100000, 10000),),
    count_packages=(FACIAL5,),
    subsidiary=SubsidiaryPolicy(allowed=True, max_children=2, default_quota=50000),
)
FREE = CardType(code="FREE", name="普通卡", features=frozenset({Feature.POINTS}))
RULES = (
    CommissionRule("OPEN", CommissionBasis.CARD_OPEN, fixed_per_unit=1000),
    CommissionRule("TOPUP", CommissionBasis.TOPUP, rate_bp=100),
)
OLD_NO, NEW_NO = "880000001234", "880000005678"
CARD = Card(OLD_NO, "M001", "GOLD", issued_on=date(2026, 1, 5), expires_on=date(2027, 1, 4),
            level="SILVER")
CHILD = Card("880000009999", "M002", "GOLD", issued_on=date(2026, 2, 1),
             parent_card_no=OLD_NO, quota=50000)
UNTRANSLATED = re.compile(r"\b(receipt|tender)\.[a-z_.]+")
COUNT_TERMS = {"lot": "SETUP:FACIAL5", "service": "FACIAL", "valid_from": date(2026, 10, 1),
               "valid_until": date(2027, 3, 29)}


def op(seq: int, at: datetime = AT, staff_id: str = "S07") -> Operation:
    return Operation(f"SH001-T1-{seq}", at, STORE, staff_id)


def setup(account: Account, delta: int, kind: EntryKind, **terms) -> LedgerEntry:
    return LedgerEntry("SETUP", OLD_NO, account, delta, kind, SETUP_AT, **terms)


def history() -> list[LedgerEntry]:
    """¥800 principal, ¥80 bonus, 300 + 500 points in two lots, a facial package with 3 of its
    5 uses left."""
    return [
        setup(A.PRINCIPAL, 80000, K.TOPUP),
        setup(A.BONUS, 8000, K.TOPUP_BONUS),
        setup(A.POINTS, 300, K.EARN, lot="P2025", valid_until=date(2026, 12, 31)),
        setup(A.POINTS, 500, K.EARN, lot="P2026", valid_until=date(2027, 12, 31)),
        setup(A.COUNT, 5, K.PURCHASE, **COUNT_TERMS),
        setup(A.COUNT, -2, K.USE, lot="SETUP:FACIAL5", service="FACIAL"),
    ]


def member(entries=(), card: Card = CARD, parent: Card | None = None) -> MemberContext:
    return MemberContext(card, GOLD, derive_balances(entries, OLD_NO), member_name="张三",
                         parent=parent)


def rows(section) -> list[tuple[str, object]]:
    return [(row.label_key, row.amount if row.amount is not None else row.value)
            for row in section]


def raises_key(key: str):
    return pytest.raises(DomainError, match=rf"^{re.escape(key)}\b")


# --- enrolment (开卡) ------------------------------------------------------------------------
