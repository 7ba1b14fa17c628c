from datetime import datetime, timedelta

import pytest

from membership.errors import ConfigError, InvalidInput
from membership.levels import (
    Activity,
    Level,
    LevelChange,
    LevelPolicy,
    level_by_code,
    points_multipliers,
    review,
    upgrade_for,
    window_totals,
)
from membership.points import EarningBase, EarningRule, points_earned

NOW = datetime(2025, 6, 30, 20, 0)
NORMAL = Level(code="normal", name="普通会员", rank=0)
SILVER = Level(
    code="silver",
    name="银卡会员",
    rank=1,
    discount_bp=9_500,
    upgrade_spend=100_000,  # ¥1,000.00
    upgrade_points=2_000,
    keep_spend=50_000,  # ¥500.00
)
GOLD = Level(
    code="gold",
    name="金卡会员",
    rank=2,
    discount_bp=9_000,
    category_discount_bp={"drinks": 8_800},
    points_multiplier_bp=15_000,
    upgrade_spend=500_000,  # ¥5,000.00
    upgrade_points=8_000,
    keep_spend=300_000,  # ¥3,000.00
    keep_points=5_000,
)
DIAMOND = Level(
    code="diamond",
    name="钻石会员",
    rank=3,
    discount_bp=8_500,
    points_multiplier_bp=20_000,
    upgrade_spend=2_000_000,  # ¥20,000.00
    keep_spend=1_000_000,  # ¥10,000.00
)
POLICY = LevelPolicy(levels=(GOLD, NORMAL, DIAMOND, SILVER))


def spent(yuan: int, days_ago: float = 1, points: int = 0) -> Activity:
    return Activity(at=NOW - timedelta(days=days_ago), spend=yuan * 100, points=points)


# --- upgrade ---------------------------------------------------------------------------------


def test_upgrade_by_spend_within_the_window():
    # ¥700 + ¥500 = ¥1,200 ≥ ¥1,000 → silver
    change = upgrade_for(POLICY, "normal", [spent(700, 100), spent(500, 2)], NOW)
    assert change == LevelChange("normal", "silver", "level.upgrade_spend", NOW)


def test_upgrade_goes_straight_to_the_highest_level_reached():
    # ¥6,000 in one visit passes silver and gold → gold
    change = upgrade_for(POLICY, "normal", [spent(6_000)], NOW)
    assert change is not None
    assert (change.to_code, change.reason) == ("gold", "level.upgrade_spend")


def test_upgrade_by_points_when_spend_is_short():
    # ¥800 is short of ¥1,000, but 1,200 + 1,300 = 2,500 points ≥ 2,000 → silver
    activities = [spent(500, 10, points=1_200), spent(300, 5, points=1_300)]
    change = upgrade_for(POLICY, "normal", activities, NOW)
    assert change == LevelChange("normal", "silver", "level.upgrade_points", NOW)


def test_activity_outside_the_window_is_ignored():
    # ¥6,000 spent 366 days ago no longer counts; ¥200 yesterday alone is not enough
    assert upgrade_for(POLICY, "normal", [spent(6_000, 366), spent(200)], NOW) is None


def test_window_is_open_at_its_start_and_closed_at_its_end():
    activities = [
        spent(100, 365),  # exactly at the start: out
        spent(20, 365 - 1 / 86_400),  # one second later: in
        spent(3, 0),  # at the moment of evaluation: in
        spent(4_000, -1),  # tomorrow: not yet
    ]
    assert window_totals(activities, NOW, 365).spend == 2_300


def test_a_refund_lowers_the_sum():
    # ¥1,200 bought, ¥300 of it refunded → ¥900 < ¥1,000: no upgrade
    activities = [spent(1_200, 3, points=1_200), spent(-300, 1, points=-300)]
    assert upgrade_for(POLICY, "normal", activities, NOW) is None
    assert window_totals(activities, NOW, 365).points == 900


def test_upgrade_never_downgrades():
    assert upgrade_for(POLICY, "gold", [spent(10)], NOW) is None


def test_upgrade_only_to_a_level_above_the_current_one():
    # A gold member spending ¥6,000 stays gold: gold's own threshold is no upgrade
    assert upgrade_for(POLICY, "gold", [spent(6_000)], NOW) is None
    assert upgrade_for(POLICY, "diamond", [spent(50_000)], NOW) is None


def test_level_without_upgrade_thresholds_is_never_reached_automatically():
    invite_only = Level(code="vip", name="邀请会员", rank=5)
    policy = LevelPolicy(levels=(NORMAL, SILVER, invite_only))
    change = upgrade_for(policy, "normal", [spent(1_000_000)], NOW)
    assert change is not None
    assert change.to_code == "silver"


def test_shorter_window():
    policy = LevelPolicy(levels=POLICY.levels, window_days=30)
    assert upgrade_for(policy, "normal", [spent(1_000, 31)], NOW) is None
    assert upgrade_for(policy, "normal", [spent(1_000, 29)], NOW) is not None


# --- review ----------------------------------------------------------------------------------


def test_review_keeps_a_level_whose_keep_threshold_is_met():
    assert review(POLICY, "gold", [spent(3_000)], NOW) is None


def test_review_keeps_a_level_by_points():
    # ¥1,000 is short of ¥3,000 but 5,000 points keep gold
    assert review(POLICY, "gold", [spent(1_000, points=5_000)], NOW) is None


def test_review_drops_one_rank():
    # Gold needs ¥3,000; ¥600 keeps silver (¥500)
    change = review(POLICY, "gold", [spent(600)], NOW)
    assert change == LevelChange("gold", "silver", "level.downgrade_review", NOW)


def test_review_drops_several_ranks():
    # Diamond needs ¥10,000; ¥100 keeps neither gold nor silver → normal
    change = review(POLICY, "diamond", [spent(100)], NOW)
    assert change == LevelChange("diamond", "normal", "level.downgrade_review", NOW)


def test_review_drops_to_the_highest_level_still_kept():
    # ¥3,500 < ¥10,000 for diamond, but ≥ ¥3,000 keeps gold
    change = review(POLICY, "diamond", [spent(3_500)], NOW)
    assert change is not None
    assert change.to_code == "gold"


def test_review_counts_only_the_window():
    change = review(POLICY, "gold", [spent(3_000, 400), spent(100)], NOW)
    assert change is not None
    assert change.to_code == "normal"


def test_level_without_keep_threshold_is_kept_and_qualifies_as_landing():
    silver_for_life = Level(code="silver", name="银卡会员", rank=1, upgrade_spend=100_000)
    policy = LevelPolicy(levels=(NORMAL, silver_for_life, GOLD))
    assert review(policy, "silver", [], NOW) is None
    change = review(policy, "gold", [], NOW)
    assert change is not None
    assert change.to_code == "silver"


def test_base_level_is_never_reviewed_down():
    assert review(POLICY, "normal", [], NOW) is None


# --- lookup and configuration --------------------------------------------------------------


def test_level_by_code():
    assert level_by_code(POLICY, "gold") is GOLD
    with pytest.raises(InvalidInput) as caught:
        level_by_code(POLICY, "platinum")
    assert caught.value.key == "level.unknown"
    with pytest.raises(InvalidInput) as caught:
        upgrade_for(POLICY, "platinum", [], NOW)
    assert caught.value.key == "level.unknown"


def test_level_discount_by_category():
    assert GOLD.discount_for("drinks") == 8_800
    assert GOLD.discount_for("food") == 9_000
    assert NORMAL.discount_for("food") == 10_000


def test_level_multipliers_feed_the_earning_rule():
    rule = EarningRule(level_multiplier_bp=points_multipliers(POLICY))
    base = [EarningBase(1, "food", 12_345)]
    # ¥123.45: gold ×1.5 = 185.175 → 185; diamond ×2 = 246.9 → 246; normal ×1 → 123
    assert points_earned(base, rule, "gold", "S1").total == 185
    assert points_earned(base, rule, "diamond", "S1").total == 246
    assert points_earned(base, rule, "normal", "S1").total == 123


@pytest.mark.parametrize(
    ("levels", "key"),
    [
        ((NORMAL, SILVER, Level(code="silver", name="x", rank=2)), "config.level_code_duplicate"),
        ((NORMAL, SILVER, Level(code="gold", name="x", rank=1)), "config.level_rank_duplicate"),
        ((SILVER, GOLD), "config.level_base_missing"),
        ((), "config.level_base_missing"),
    ],
)
def test_inconsistent_policies_are_rejected(levels, key):
    with pytest.raises(ConfigError) as caught:
        LevelPolicy(levels=levels)
    assert caught.value.key == key


def test_window_must_be_positive():
    with pytest.raises(ConfigError) as caught:
        LevelPolicy(levels=(NORMAL,), window_days=0)
    assert caught.value.key == "config.level_window_invalid"


@pytest.mark.parametrize(
    "level_args",
    [
        {"code": "", "rank": 1},
        {"code": "x", "rank": -1},
        {"code": "x", "rank": 1, "discount_bp": 10_001},
        {"code": "x", "rank": 1, "category_discount_bp": {"drinks": -5}},
        {"code": "x", "rank": 1, "points_multiplier_bp": -1},
        {"code": "x", "rank": 1, "upgrade_spend": 0},
        {"code": "x", "rank": 1, "keep_points": -10},
    ],
)
def test_inconsistent_levels_are_rejected(level_args):
    with pytest.raises(ConfigError) as caught:
        Level(name="等级", **level_args)
    assert caught.value.key == "config.level_invalid"
