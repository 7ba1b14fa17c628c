import pytest
from hypothesis import given
from hypothesis import strategies as st

from membership.errors import MoneyError
from membership.money import (
    allocate,
    apply_rate,
    cumulative_share,
    format_fen,
    parse_amount,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12", 1200), ("12.3", 1230), ("12.30", 1230), ("¥12.30", 1230), ("￥ 0.05", 5),
     ("1,000", 100000), ("12.", 1200), (" 7.5元 ", 750), ("0", 0)],
)
def test_parse_amount_accepts_what_cashiers_type(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize(
    ("text", "key"),
    [("", "money.empty"), ("¥", "money.empty"), ("-5", "money.negative"),
     ("12.345", "money.too_many_decimals"), ("abc", "money.not_a_number"),
     ("1.2.3", "money.not_a_number"), ("1e3", "money.not_a_number"), (".5", "money.not_a_number"),
     ("100001", "money.too_large")],
)
def test_parse_amount_rejects_with_a_key(text, key):
    with pytest.raises(MoneyError) as caught:
        parse_amount(text)
    assert caught.value.key == key


def test_parse_amount_honours_a_configured_maximum():
    assert parse_amount("500", max_fen=50000) == 50000
    with pytest.raises(MoneyError, match=r"money\.too_large"):
        parse_amount("500.01", max_fen=50000)


@pytest.mark.parametrize(("fen", "text"), [(1230, "¥12.30"), (5, "¥0.05"), (0, "¥0.00"),
                                           (-1230, "-¥12.30"), (100000000, "¥1000000.00")])
def test_format_fen(fen, text):
    assert format_fen(fen) == text


def test_round_half_up_rounds_halves_away_from_zero():
    assert [round_half_up(n, 2) for n in (1, 3, 5, -1, -3)] == [1, 2, 3, -1, -2]
    assert round_half_up(4, 3) == 1 and round_half_up(5, 3) == 2


def test_apply_rate_worked_examples():
    # 3 × ¥19.99 at 8.8折: 5997 × 0.88 = 5277.36 → ¥52.77
    assert apply_rate(5997, 8800) == 5277
    # ¥0.25 at 9折 = 22.5 fen → 23 (half-up), never banker's rounding to 22
    assert apply_rate(25, 9000) == 23
    assert apply_rate(1000, 10000) == 1000
    with pytest.raises(MoneyError):
        apply_rate(100, -1)


def test_allocate_worked_example_and_ties():
    # ¥10.00 saving over lines of ¥30, ¥30, ¥30: 334 + 333 + 333, the first line takes the extra fen
    assert allocate(1000, [3000, 3000, 3000]) == [334, 333, 333]
    assert allocate(0, [1, 2]) == [0, 0]
    assert allocate(5, [0, 0]) == [3, 2]
    assert allocate(-7, [1, 1]) == [-4, -3]


def test_cumulative_share_refunds_a_line_unit_by_unit_exactly():
    # A line of 3 units that took ¥10.00: one unit at a time gives 333 + 334 + 333 = 1000
    parts = [cumulative_share(1000, done, 1, 3) for done in range(3)]
    assert parts == [333, 334, 333] and sum(parts) == 1000


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_sums_exactly_and_stays_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights) or len(weights)
    effective = weights if sum(weights) else [1] * len(weights)
    for part, weight in zip(parts, effective, strict=True):
        assert abs(part * weight_sum - total * weight) <= weight_sum


@given(st.integers(0, 10**7), st.integers(1, 50), st.data())
def test_cumulative_shares_in_any_steps_sum_to_the_total(total, whole, data):
    done, parts = 0, []
    while done < whole:
        step = data.draw(st.integers(1, whole - done))
        parts.append(cumulative_share(total, done, step, whole))
        done += step
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)


@given(st.integers(0, 10**8))
def test_format_then_parse_round_trips(fen):
    assert parse_amount(format_fen(fen), max_fen=10**8) == fen
