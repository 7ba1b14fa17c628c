"""Shared cards, rules and helpers for test_points.py and test_points_lots.py."""

from datetime import datetime

from membership.ledger import derive_balances
from membership.points import (
    EarningRule,
    PointsExpiry,
    earn_entries,
)

CARD = "C001"
YEAR_END = PointsExpiry()
GOLD_DRINKS = EarningRule(
    category_multiplier_bp={"drinks": 20_000},
    level_multiplier_bp={"gold": 15_000},
)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00")


def earned(points: int, day: str, op_id: str = "", expiry: PointsExpiry = YEAR_END):
    return earn_entries(CARD, op_id or f"E-{day}", points, at(day), expiry)


def lots_of(entries) -> dict[str, int]:
    return {lot.lot: lot.remaining for lot in derive_balances(entries, CARD).points_lots}


# --- earning ---------------------------------------------------------------------------------
