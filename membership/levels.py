"""Member levels (会员等级): automatic upgrade (自动升级) and periodic review (保级 / 降级).

Spend and points are summed over a sliding window of `window_days` ending at the moment of
evaluation: (at - window_days, at]. A refund is an Activity with negative spend and points, so it
lowers the sums. The caller evaluates `upgrade_for` after a sale commits; the new level's
discount and points multiplier apply from the NEXT sale, never to the sale that reached it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from membership.errors import ConfigError, InvalidInput
from membership.money import FULL_RATE_BP, Fen

DEFAULT_WINDOW_DAYS = 365
REASON_UPGRADE_SPEND = "level.upgrade_spend"
REASON_UPGRADE_POINTS = "level.upgrade_points"
REASON_DOWNGRADE_REVIEW = "level.downgrade_review"


@dataclass(frozen=True)
class Level:
    """One level. Thresholds left None do not apply; a level without keep thresholds is kept."""

    code: str
    name: str
    rank: int  # 0 = the base level every member starts at (普通会员)
    discount_bp: int = FULL_RATE_BP
    category_discount_bp: Mapping[str, int] = field(default_factory=dict)
    points_multiplier_bp: int = FULL_RATE_BP
    upgrade_spend: Fen | None = None  # 升级消费额
    upgrade_points: int | None = None  # 升级积分
    keep_spend: Fen | None = None  # 保级消费额
    keep_points: int | None = None  # 保级积分

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "category_discount_bp", MappingProxyType(dict(self.category_discount_bp))
        )
        _validate_level(self)

    def discount_for(self, category: str) -> int:
        """The level's discount rate in bp for a category (10000 when it gives none)."""
        return self.category_discount_bp.get(category, self.discount_bp)

    @property
    def has_keep_threshold(self) -> bool:
        return self.keep_spend is not None or self.keep_points is not None


def _validate_level(level: Level) -> None:
    if not level.code or level.rank < 0:
        raise ConfigError("config.level_invalid", code=level.code, field="code_or_rank")
    rates = [level.discount_bp, *level.category_discount_bp.values()]
    if any(not 0 <= rate <= FULL_RATE_BP for rate in rates):
        raise ConfigError("config.level_invalid", code=level.code, field="discount_bp")
    if level.points_multiplier_bp < 0:
        raise ConfigError("config.level_invalid", code=level.code, field="points_multiplier_bp")
    thresholds = (level.upgrade_spend, level.upgrade_points, level.keep_spend, level.keep_points)
    if any(value is not None and value <= 0 for value in thresholds):
        raise ConfigError("config.level_invalid", code=level.code, field="threshold")


@dataclass(frozen=True)
class LevelPolicy:
    levels: tuple[Level, ...]
    window_days: int = DEFAULT_WINDOW_DAYS

    def __post_init__(self) -> None:
        codes = [level.code for level in self.levels]
        ranks = [level.rank for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ConfigError("config.level_code_duplicate", codes=codes)
        if len(set(ranks)) != len(ranks):
            raise ConfigError("config.level_rank_duplicate", ranks=ranks)
        if ranks.count(0) != 1:
            raise ConfigError("config.level_base_missing")
        if self.window_days <= 0:
            raise ConfigError("config.level_window_invalid", window_days=self.window_days)

    @property
    def base(self) -> Level:
        return next(level for level in self.levels if level.rank == 0)

    def by_rank_descending(self) -> tuple[Level, ...]:
        return tuple(sorted(self.levels, key=lambda level: level.rank, reverse=True))


@dataclass(frozen=True)
class Activity:
    """Spend and points a member earned at `at`; a refund has negative spend and points."""

    at: datetime
    spend: Fen
    points: int


@dataclass(frozen=True)
class WindowTotals:
    spend: Fen
    points: int


@dataclass(frozen=True)
class LevelChange:
    from_code: str
    to_code: str
    reason: str  # a message key: level.upgrade_spend, level.upgrade_points, level.downgrade_review
    effective_at: datetime


def level_by_code(policy: LevelPolicy, code: str) -> Level:
    for level in policy.levels:
        if level.code == code:
            return level
    raise InvalidInput("level.unknown", code=code)


def points_multipliers(policy: LevelPolicy) -> Mapping[str, int]:
    """Each level's points multiplier, ready for `EarningRule.level_multiplier_bp`."""
    return MappingProxyType({level.code: level.points_multiplier_bp for level in policy.levels})


def window_totals(activities: Iterable[Activity], at: datetime, window_days: int) -> WindowTotals:
    """Sums over (at - window_days, at]; activities after `at` are not counted yet."""
    start = at - timedelta(days=window_days)
    inside = [activity for activity in activities if start < activity.at <= at]
    return WindowTotals(
        spend=sum(activity.spend for activity in inside),
        points=sum(activity.points for activity in inside),
    )


def upgrade_for(
    policy: LevelPolicy, current_code: str, activities: Iterable[Activity], at: datetime
) -> LevelChange | None:
    """The highest level above the current one whose spend OR points threshold is met.

    Never downgrades. Evaluate after a sale commits; the change takes effect from the next sale.
    """
    current = level_by_code(policy, current_code)
    totals = window_totals(activities, at, policy.window_days)
    for level in policy.by_rank_descending():
        if level.rank <= current.rank:
            return None
        reason = _upgrade_reason(level, totals)
        if reason:
            return LevelChange(current.code, level.code, reason, at)
    return None


def _upgrade_reason(level: Level, totals: WindowTotals) -> str:
    if level.upgrade_spend is not None and totals.spend >= level.upgrade_spend:
        return REASON_UPGRADE_SPEND
    if level.upgrade_points is not None and totals.points >= level.upgrade_points:
        return REASON_UPGRADE_POINTS
    return ""


def review(
    policy: LevelPolicy, current_code: str, activities: Iterable[Activity], at: datetime
) -> LevelChange | None:
    """Periodic review: keep the level if its keep threshold is met, else drop.

    The member drops to the highest lower level whose own keep threshold is met (possibly
    several ranks down); the base level (rank 0) always qualifies. Never upgrades.
    """
    current = level_by_code(policy, current_code)
    totals = window_totals(activities, at, policy.window_days)
    if _keeps(current, totals):
        return None
    for level in policy.by_rank_descending():
        if level.rank < current.rank and _keeps(level, totals):
            return LevelChange(current.code, level.code, REASON_DOWNGRADE_REVIEW, at)
    return None


def _keeps(level: Level, totals: WindowTotals) -> bool:
    if level.rank == 0 or not level.has_keep_threshold:
        return True
    if level.keep_spend is not None and totals.spend >= level.keep_spend:
        return True
    return level.keep_points is not None and totals.points >= level.keep_points
