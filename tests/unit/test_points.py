from datetime import date

import pytest

from membership.errors import ConfigError, InvalidInput, PointsError
from membership.ledger import Account, EntryKind, derive_balances
from membership.points import (
    EarningBase,
    EarningRule,
    ExpiryKind,
    PointsAward,
    PointsExpiry,
    clawback_entries,
    earn_entries,
    expire_entries,
    lot_for,
    points_earned,
    redeem_entries,
)
from tests.support.points_world import (
    CARD,
    GOLD_DRINKS,
    YEAR_END,
    at,
    earned,
    lots_of,
)


def test_gold_member_buying_drinks_worked_example():
    # ¥123.45 in cash × 1.5 (gold) × 2 (drinks) = 370.35 → rounded down to 370 points
    award = points_earned([EarningBase(1, "drinks", 12_345)], GOLD_DRINKS, "gold", "S1")
    assert award == PointsAward(total=370, per_line=((1, 370),))


def test_unknown_level_and_category_earn_one_point_per_yuan():
    # ¥99.99 → 99.99 points → 99
    award = points_earned([EarningBase(1, "food", 9_999)], GOLD_DRINKS, "silver", "S1")
    assert award.total == 99


def test_part_paid_with_points_or_bonus_money_earns_nothing():
    # Line 1: ¥100.00 of which ¥30.00 paid with points and ¥20.00 with bonus money → ¥50.00 earns.
    # Line 2: ¥80.00 paid entirely with bonus money → nothing earns.
    bases = [EarningBase(1, "food", 10_000 - 3_000 - 2_000), EarningBase(2, "food", 0)]
    award = points_earned(bases, EarningRule(), "", "S1")
    assert award.total == 50
    assert award.per_line == ((1, 50), (2, 0))


def test_store_override_changes_the_rate():
    rule = EarningRule(store_fen_per_point={"SH01": 200})
    base = [EarningBase(1, "food", 12_345)]
    # ¥123.45 at ¥2 per point = 61.7 → 61; another store keeps ¥1 per point → 123
    assert points_earned(base, rule, "", "SH01").total == 61
    assert points_earned(base, rule, "", "BJ02").total == 123


def test_terminal_override_wins_over_store_override():
    rule = EarningRule(store_fen_per_point={"SH01": 200}, terminal_fen_per_point={"T9": 50})
    base = [EarningBase(1, "food", 12_345)]
    # ¥123.45 at ¥0.50 per point = 246.9 → 246
    assert points_earned(base, rule, "", "SH01", terminal_id="T9").total == 246
    assert points_earned(base, rule, "", "SH01", terminal_id="T1").total == 61


def test_points_are_rounded_once_for_the_sale_and_spread_exactly_over_lines():
    # Three lines of ¥1.50: 4.5 points → 4 in all (not 1 + 1 + 1); spread 2 + 1 + 1
    bases = [EarningBase(line, "food", 150) for line in (1, 2, 3)]
    award = points_earned(bases, EarningRule(), "", "S1")
    assert award.total == 4
    assert award.per_line == ((1, 2), (2, 1), (3, 1))
    assert award.for_line(3) == 1
    assert award.for_line(9) == 0


def test_per_line_follows_each_lines_value():
    # gold ×1.5: ¥10.00 drinks (×2) = 30, ¥10.00 food = 15 → 45 points
    bases = [EarningBase(1, "drinks", 1_000), EarningBase(2, "food", 1_000)]
    award = points_earned(bases, GOLD_DRINKS, "gold", "S1")
    assert award.per_line == ((1, 30), (2, 15))


def test_no_lines_earn_nothing():
    assert points_earned([], EarningRule(), "", "S1") == PointsAward(0, ())


def test_duplicate_line_numbers_are_rejected():
    bases = [EarningBase(1, "food", 100), EarningBase(1, "food", 200)]
    with pytest.raises(InvalidInput) as caught:
        points_earned(bases, EarningRule(), "", "S1")
    assert caught.value.key == "points.duplicate_line"


def test_negative_eligible_amount_is_rejected():
    with pytest.raises(InvalidInput) as caught:
        EarningBase(1, "food", -1)
    assert caught.value.key == "points.base_invalid"


@pytest.mark.parametrize(
    "rule_args",
    [
        {"fen_per_point": 0},
        {"store_fen_per_point": {"S1": -100}},
        {"terminal_fen_per_point": {"T1": 0}},
        {"category_multiplier_bp": {"drinks": -1}},
        {"level_multiplier_bp": {"gold": -15_000}},
    ],
)
def test_inconsistent_earning_rules_are_rejected(rule_args):
    with pytest.raises(ConfigError) as caught:
        EarningRule(**rule_args)
    assert caught.value.key == "config.points_rule_invalid"


@pytest.mark.parametrize("expiry_args", [{"years": -1}, {"days": 0}, {"years": 101}])
def test_inconsistent_expiry_is_rejected(expiry_args):
    with pytest.raises(ConfigError) as caught:
        PointsExpiry(**expiry_args)
    assert caught.value.key == "config.points_expiry_invalid"


def test_award_whose_lines_do_not_add_up_is_rejected():
    with pytest.raises(InvalidInput) as caught:
        PointsAward(total=10, per_line=((1, 4), (2, 5)))
    assert caught.value.key == "points.lines_mismatch"


# --- lots and expiry ---------------------------------------------------------------------------


def test_year_end_lot_of_points_earned_in_2025_lasts_through_2026():
    assert lot_for(date(2025, 3, 1), YEAR_END) == ("P2025", date(2026, 12, 31))
    balances = derive_balances(earned(100, "2025-03-01"), CARD)
    assert balances.usable_points(date(2026, 12, 31)) == 100
    assert balances.usable_points(date(2027, 1, 1)) == 0


def test_year_end_with_other_terms_gets_its_own_lot():
    assert lot_for(date(2025, 3, 1), PointsExpiry(years=0)) == ("P2025+0y", date(2025, 12, 31))
    assert lot_for(date(2025, 3, 1), PointsExpiry(years=2)) == ("P2025+2y", date(2027, 12, 31))


def test_rolling_lot_is_valid_for_its_days_counting_the_day_earned():
    rolling = PointsExpiry(kind=ExpiryKind.ROLLING_DAYS)
    assert lot_for(date(2026, 11, 23), rolling) == ("P2026-11-23", date(2027, 11, 22))
    thirty = PointsExpiry(kind=ExpiryKind.ROLLING_DAYS, days=30)
    assert lot_for(date(2026, 1, 1), thirty) == ("P2026-01-01+30d", date(2026, 1, 30))


def test_points_that_never_expire_share_one_lot():
    never = PointsExpiry(kind=ExpiryKind.NEVER)
    assert lot_for(date(2020, 1, 1), never) == ("P", None)
    entries = earned(10, "2020-01-01", expiry=never) + earned(5, "2030-06-01", expiry=never)
    assert lots_of(entries) == {"P": 15}


def test_earn_entries_one_entry_for_the_sale():
    (entry,) = earn_entries(CARD, "SALE1", 370, at("2025-03-01"), YEAR_END)
    assert (entry.account, entry.kind, entry.delta) == (Account.POINTS, EntryKind.EARN, 370)
    assert (entry.lot, entry.valid_until, entry.line_no) == ("P2025", date(2026, 12, 31), None)


def test_earn_entries_one_entry_per_line_with_points():
    entries = earn_entries(
        CARD, "SALE1", 4, at("2025-03-01"), YEAR_END, line_points=((1, 3), (2, 0), (3, 1))
    )
    assert [(entry.line_no, entry.delta) for entry in entries] == [(1, 3), (3, 1)]


def test_earn_entries_for_zero_points_is_empty():
    assert earn_entries(CARD, "SALE1", 0, at("2025-03-01"), YEAR_END) == []


def test_earn_entries_lines_must_add_up():
    with pytest.raises(InvalidInput) as caught:
        earn_entries(CARD, "S", 5, at("2025-03-01"), YEAR_END, line_points=((1, 3), (2, 1)))
    assert caught.value.key == "points.lines_mismatch"


def test_earn_entries_rejects_negative_points():
    with pytest.raises(InvalidInput) as caught:
        earn_entries(CARD, "S", -5, at("2025-03-01"), YEAR_END)
    assert caught.value.key == "points.amount_invalid"


def test_expire_entries_take_what_is_left_of_lots_past_their_last_day():
    entries = earned(100, "2023-05-01") + earned(50, "2024-02-01")
    entries += redeem_entries(CARD, "R1", derive_balances(entries, CARD), 120, at("2024-06-01"))
    # FIFO: 100 from P2023 and 20 from P2024 → P2023 is empty, P2024 keeps 30
    balances = derive_balances(entries, CARD)
    assert expire_entries(CARD, "X1", balances, date(2025, 12, 31), at("2026-01-01")) == []
    (expiry,) = expire_entries(CARD, "X1", balances, date(2026, 1, 1), at("2026-01-01"))
    assert (expiry.kind, expiry.lot, expiry.delta) == (EntryKind.EXPIRE, "P2024", -30)


def test_expire_entries_on_new_years_day():
    entries = earned(100, "2023-05-01") + earned(50, "2024-02-01")
    balances = derive_balances(entries, CARD)
    expired = expire_entries(CARD, "X1", balances, date(2025, 1, 1), at("2025-01-01", 0))
    assert [(entry.lot, entry.delta) for entry in expired] == [("P2023", -100)]


# --- redemption ------------------------------------------------------------------------------


def test_redemption_takes_the_lot_that_expires_first():
    entries = earned(100, "2024-03-01") + earned(200, "2025-03-01")
    balances = derive_balances(entries, CARD)
    taken = redeem_entries(CARD, "R1", balances, 150, at("2025-06-01"))
    assert [(entry.lot, entry.delta, entry.kind) for entry in taken] == [
        ("P2024", -100, EntryKind.REDEEM),
        ("P2025", -50, EntryKind.REDEEM),
    ]
    assert lots_of(entries + taken) == {"P2024": 0, "P2025": 150}


def test_redemption_ignores_expired_lots():
    entries = earned(100, "2023-03-01") + earned(20, "2025-03-01")
    balances = derive_balances(entries, CARD)
    with pytest.raises(PointsError) as caught:
        redeem_entries(CARD, "R1", balances, 50, at("2025-06-01"))
    assert caught.value.key == "points.insufficient"
    assert caught.value.params == {"needed": 50, "available": 20}


def test_redemption_of_other_kind_and_line():
    balances = derive_balances(earned(100, "2025-03-01"), CARD)
    (entry,) = redeem_entries(
        CARD, "SALE2", balances, 30, at("2025-04-01"), kind=EntryKind.SPEND, line_no=2
    )
    assert (entry.kind, entry.line_no, entry.delta) == (EntryKind.SPEND, 2, -30)


@pytest.mark.parametrize("points", [0, -10])
def test_redemption_needs_a_positive_number(points):
    balances = derive_balances(earned(100, "2025-03-01"), CARD)
    with pytest.raises(InvalidInput) as caught:
        redeem_entries(CARD, "R1", balances, points, at("2025-04-01"))
    assert caught.value.key == "points.amount_invalid"


# --- clawback on refund -----------------------------------------------------------------------


def test_clawback_of_unspent_points_takes_them_fifo():
    entries = earned(10, "2024-03-01") + earned(100, "2025-03-01", op_id="SALE1")
    taken = clawback_entries(
        CARD, "REF1", derive_balances(entries, CARD), 60, at("2025-04-01"), reverses_op="SALE1"
    )
    assert [(entry.lot, entry.delta) for entry in taken] == [("P2024", -10), ("P2025", -50)]
    assert {(entry.kind, entry.reverses_op) for entry in taken} == {(EntryKind.REFUND, "SALE1")}
