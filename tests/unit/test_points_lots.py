from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.errors import ConfigError, InvalidInput, PointsError
from membership.ledger import derive_balances
from membership.points import (
    EarningBase,
    EarningRule,
    Gift,
    clawback_entries,
    earn_entries,
    expire_entries,
    points_earned,
    redeem_entries,
    redeem_gift,
    redeemable_points,
)
from tests.support.points_world import (
    CARD,
    YEAR_END,
    at,
    earned,
    lots_of,
)


def test_clawback_of_spent_points_leaves_a_debt_in_the_newest_lot():
    # SALE1 earned 100; the member spent 80 of them; the refund takes all 100 back → owes 80
    entries = earned(100, "2025-03-01", op_id="SALE1")
    entries += redeem_entries(CARD, "R1", derive_balances(entries, CARD), 80, at("2025-03-02"))
    taken = clawback_entries(
        CARD, "REF1", derive_balances(entries, CARD), 100, at("2025-04-01"), reverses_op="SALE1"
    )
    assert [(entry.lot, entry.delta) for entry in taken] == [("P2025", -100)]
    balances = derive_balances(entries + taken, CARD)
    assert balances.points == -80
    assert redeemable_points(balances, date(2025, 4, 1)) == 0


def test_clawback_spanning_lots_and_debt():
    # 10 in P2024 and 20 in P2025 usable; 100 to take back → 10 + 20 usable, 70 owed in P2025
    entries = earned(10, "2024-03-01") + earned(20, "2025-03-01")
    taken = clawback_entries(
        CARD, "REF1", derive_balances(entries, CARD), 100, at("2025-04-01"), reverses_op="SALE1"
    )
    assert [(entry.lot, entry.delta) for entry in taken] == [("P2024", -10), ("P2025", -90)]
    assert lots_of(entries + taken) == {"P2024": 0, "P2025": -70}


def test_next_earnings_settle_a_points_debt_first():
    entries = earned(100, "2025-03-01", op_id="SALE1")
    entries += clawback_entries(
        CARD, "REF1", derive_balances(entries, CARD), 130, at("2025-04-01"), reverses_op="SALE1"
    )
    assert lots_of(entries) == {"P2025": -30}
    balances = derive_balances(entries, CARD)
    new = earn_entries(CARD, "SALE2", 50, at("2026-02-01"), YEAR_END, balances=balances)
    # 30 settle the debt in P2025, the other 20 go into P2026
    assert [(entry.lot, entry.delta) for entry in new] == [("P2025", 30), ("P2026", 20)]
    assert lots_of(entries + new) == {"P2025": 0, "P2026": 20}


def test_earnings_into_the_indebted_lot_itself_simply_fill_it():
    entries = earned(10, "2025-03-01", op_id="SALE1")
    entries += clawback_entries(
        CARD, "REF1", derive_balances(entries, CARD), 40, at("2025-04-01"), reverses_op="SALE1"
    )
    balances = derive_balances(entries, CARD)
    new = earn_entries(
        CARD, "SALE2", 50, at("2025-05-01"), YEAR_END, ((1, 20), (2, 30)), balances=balances
    )
    assert [(entry.line_no, entry.lot, entry.delta) for entry in new] == [
        (1, "P2025", 20),
        (2, "P2025", 30),
    ]
    assert lots_of(entries + new) == {"P2025": 20}


def test_a_debt_blocks_redemption_of_points_earned_past_it():
    # Debt of 30 in P2024; 50 earned later without settling it: only 20 may be redeemed
    entries = earned(10, "2024-03-01", op_id="SALE1")
    entries += clawback_entries(
        CARD, "REF1", derive_balances(entries, CARD), 40, at("2024-04-01"), reverses_op="SALE1"
    )
    entries += earned(50, "2025-03-01")
    balances = derive_balances(entries, CARD)
    assert redeemable_points(balances, date(2025, 3, 2)) == 20
    with pytest.raises(PointsError) as caught:
        redeem_entries(CARD, "R1", balances, 30, at("2025-03-02"))
    assert caught.value.key == "points.insufficient"
    assert expire_entries(CARD, "X", balances, date(2026, 1, 1), at("2026-01-01")) == []


def test_clawback_errors():
    balances = derive_balances(earned(10, "2025-03-01"), CARD)
    with pytest.raises(InvalidInput) as caught:
        clawback_entries(CARD, "REF1", balances, 0, at("2025-04-01"), reverses_op="SALE1")
    assert caught.value.key == "points.amount_invalid"
    with pytest.raises(InvalidInput) as caught:
        clawback_entries(CARD, "REF1", balances, 5, at("2025-04-01"), reverses_op="")
    assert caught.value.key == "points.reverses_op_missing"
    with pytest.raises(PointsError) as caught:
        clawback_entries(CARD, "REF1", derive_balances([]), 5, at("2025-04-01"), "SALE1")
    assert caught.value.key == "points.no_lot"


# --- gifts -----------------------------------------------------------------------------------

MUG = Gift(code="MUG", name="保温杯", points_cost=500, stock=3)


def test_gift_redemption_worked_example():
    balances = derive_balances(earned(1_200, "2025-03-01"), CARD)
    # 2 mugs × 500 points = 1000 points
    redemption = redeem_gift(CARD, "G1", balances, MUG, 2, at("2025-04-01"))
    assert (redemption.qty, redemption.points) == (2, 1_000)
    assert [(entry.delta, entry.note) for entry in redemption.entries] == [(-1_000, "gift:MUG")]


def test_gift_out_of_stock():
    balances = derive_balances(earned(5_000, "2025-03-01"), CARD)
    with pytest.raises(PointsError) as caught:
        redeem_gift(CARD, "G1", balances, MUG, 4, at("2025-04-01"))
    assert caught.value.key == "gift.out_of_stock"
    with pytest.raises(PointsError) as caught:
        redeem_gift(CARD, "G1", balances, MUG, 1, at("2025-04-01"), stock_left=0)
    assert caught.value.key == "gift.out_of_stock"


def test_store_stock_count_wins_over_the_catalogue_stock():
    balances = derive_balances(earned(5_000, "2025-03-01"), CARD)
    redemption = redeem_gift(CARD, "G1", balances, MUG, 5, at("2025-04-01"), stock_left=8)
    assert redemption.points == 2_500
    unlimited = Gift(code="PEN", name="签字笔", points_cost=100)
    assert redeem_gift(CARD, "G2", balances, unlimited, 20, at("2025-04-01")).points == 2_000


def test_gift_needs_enough_points_and_a_positive_quantity():
    balances = derive_balances(earned(400, "2025-03-01"), CARD)
    with pytest.raises(PointsError) as caught:
        redeem_gift(CARD, "G1", balances, MUG, 1, at("2025-04-01"))
    assert caught.value.key == "points.insufficient"
    with pytest.raises(InvalidInput) as caught:
        redeem_gift(CARD, "G1", balances, MUG, 0, at("2025-04-01"))
    assert caught.value.key == "input.invalid"


@pytest.mark.parametrize(
    "gift_args",
    [
        {"code": "", "points_cost": 10},
        {"code": "X", "points_cost": 0},
        {"code": "X", "points_cost": 10, "stock": -1},
    ],
)
def test_inconsistent_gifts_are_rejected(gift_args):
    with pytest.raises(ConfigError) as caught:
        Gift(name="礼品", **gift_args)
    assert caught.value.key == "config.gift_invalid"


# --- properties ------------------------------------------------------------------------------

line_amounts = st.lists(
    st.tuples(st.sampled_from(["food", "drinks", "spa"]), st.integers(0, 2_000_000)),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(
    line_amounts,
    st.integers(1, 1_000),
    st.integers(0, 30_000),
    st.integers(0, 30_000),
)
def test_points_per_line_sum_to_a_total_that_never_exceeds_the_exact_value(
    lines, fen_per_point, drinks_bp, level_bp
):
    rule = EarningRule(
        fen_per_point=fen_per_point,
        category_multiplier_bp={"drinks": drinks_bp, "spa": 5_000},
        level_multiplier_bp={"gold": level_bp},
    )
    bases = [EarningBase(index, category, fen) for index, (category, fen) in enumerate(lines)]
    award = points_earned(bases, rule, "gold", "S1")
    multiplier = {"food": 10_000, "drinks": drinks_bp, "spa": 5_000}
    exact = [
        Fraction(base.eligible_fen * multiplier[base.category] * level_bp, fen_per_point * 10**8)
        for base in bases
    ]
    assert sum(points for _, points in award.per_line) == award.total
    assert award.total == int(sum(exact, Fraction(0)))
    for (line_no, points), value in zip(award.per_line, exact, strict=True):
        assert line_no == bases[line_no].line_no
        assert 0 <= points <= int(value) + 1
