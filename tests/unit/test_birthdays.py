"""Birthdays on the solar and lunar calendars.

Every expected date below was checked twice: against lunardate, and against a date published
independently of the library (festival days 春节, 端午, 中秋, 腊八, 除夕 and the 2020 and 2025 leap
months as printed in Chinese almanacs 万年历 and the State Council's holiday notices).
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunardate import LunarDate

from membership.birthdays import (
    Birthday,
    Calendar,
    birthday_in_window,
    format_birthday,
    next_birthday,
    parse_birthday,
)
from membership.errors import BirthdayError, InvalidInput


def lunar(month, day, leap=False, year=None):
    return Birthday(Calendar.LUNAR, month, day, leap_month=leap, year=year)


def solar(month, day, year=None):
    return Birthday(Calendar.SOLAR, month, day, year=year)


# --- worked examples: festivals as lunar birthdays ---------------------------------------------

@pytest.mark.parametrize(
    ("birthday", "on_or_after", "expected"),
    [
        # Mid-Autumn 中秋 (08-15): 2026-09-25 (holiday calendar 2026), 2025-10-06, 2020-10-01
        # (the year it fell on National Day).
        (lunar(8, 15), date(2026, 1, 1), date(2026, 9, 25)),
        (lunar(8, 15), date(2025, 10, 6), date(2025, 10, 6)),
        (lunar(8, 15), date(2020, 9, 1), date(2020, 10, 1)),
        # Spring Festival 春节 (01-01): 2027-02-06, 2026-02-17.
        (lunar(1, 1), date(2026, 2, 18), date(2027, 2, 6)),
        (lunar(1, 1), date(2026, 1, 1), date(2026, 2, 17)),
        # Dragon Boat 端午 (05-05): 2025-05-31, 2026-06-19.
        (lunar(5, 5), date(2025, 5, 1), date(2025, 5, 31)),
        (lunar(5, 5), date(2025, 6, 1), date(2026, 6, 19)),
    ],
)
def test_lunar_birthday_falls_on_the_festival_day(birthday, on_or_after, expected):
    assert next_birthday(birthday, on_or_after) == expected


def test_the_day_itself_counts_as_on_or_after():
    assert next_birthday(lunar(8, 15), date(2026, 9, 25)) == date(2026, 9, 25)
    assert next_birthday(lunar(8, 15), date(2026, 9, 26)) > date(2026, 9, 26)


# --- leap months (闰月) --------------------------------------------------------------------------

def test_leap_month_birthday_in_a_year_with_that_leap_month():
    # 2025 had a leap 6th month (闰六月) from 2025-07-25; the ordinary 6th month began 2025-06-25.
    assert next_birthday(lunar(6, 1, leap=True), date(2025, 6, 1)) == date(2025, 7, 25)
    assert next_birthday(lunar(6, 1), date(2025, 6, 1)) == date(2025, 6, 25)


def test_leap_month_birthday_kept_in_ordinary_month_without_that_leap_month():
    # 2026 has no leap month: a 闰五月初五 birthday is kept on 五月初五 = Dragon Boat 2026-06-19.
    assert next_birthday(lunar(5, 5, leap=True), date(2026, 1, 1)) == date(2026, 6, 19)


def test_leap_month_birthday_skips_the_ordinary_month_in_a_leap_year():
    # 2020 had a leap 4th month from 2020-05-23: a 闰四月初一 birthday falls then, not on the
    # ordinary 四月初一 (2020-04-23).
    assert next_birthday(lunar(4, 1, leap=True), date(2020, 4, 1)) == date(2020, 5, 23)


# --- day 30 in a 29-day month (小月) ------------------------------------------------------------

def test_day_30_falls_back_to_day_29():
    # 2025-2029 have no 年三十: 除夕 of lunar 2025 is 腊月二十九 = 2026-02-16, the day before the
    # 2026 Spring Festival (2026-02-17).
    assert next_birthday(lunar(12, 30), date(2026, 1, 1)) == date(2026, 2, 16)


def test_day_30_kept_in_a_30_day_month():
    # Lunar 2023 still had a 年三十: 除夕 2024-02-09, the day before Spring Festival 2024-02-10.
    assert next_birthday(lunar(12, 30), date(2024, 1, 1)) == date(2024, 2, 9)


# --- year-end wrap ------------------------------------------------------------------------------

def test_lunar_birthday_late_in_the_lunar_year_falls_in_the_next_solar_year():
    # Laba 腊八 (12-08) of lunar 2025 is 2026-01-26.
    assert next_birthday(lunar(12, 8), date(2025, 12, 1)) == date(2026, 1, 26)


def test_lunar_birthday_just_missed_comes_a_leap_year_later():
    # Laba 2025 was 2025-01-07; the next is 2026-01-26, 384 days later (lunar 2025 had 13 months).
    after_laba = date(2025, 1, 8)
    assert next_birthday(lunar(12, 8), after_laba) == date(2026, 1, 26)
    assert (date(2026, 1, 26) - date(2025, 1, 7)).days == 384


def test_lunar_birthday_in_january_of_the_previous_lunar_year():
    # 2026-01-01 is still lunar 2025 (Spring Festival is 2026-02-17): 腊月二十 of lunar 2025 is
    # 2026-02-07, ten days before 2026-02-17 (12th month of 29 days: 29 - 20 + 1 = 10).
    assert next_birthday(lunar(12, 20), date(2026, 1, 1)) == date(2026, 2, 7)


def test_solar_birthday_wraps_to_next_year():
    assert next_birthday(solar(1, 5), date(2025, 12, 30)) == date(2026, 1, 5)
    assert next_birthday(solar(12, 31), date(2025, 12, 31)) == date(2025, 12, 31)


# --- solar 29 February --------------------------------------------------------------------------

def test_29_february_on_28_february_in_common_years():
    born = solar(2, 29, year=2000)
    assert next_birthday(born, date(2026, 1, 1)) == date(2026, 2, 28)
    assert next_birthday(born, date(2026, 3, 1)) == date(2027, 2, 28)
    assert next_birthday(born, date(2028, 1, 1)) == date(2028, 2, 29)
    assert next_birthday(born, date(2100, 1, 1)) == date(2100, 2, 28)  # 2100 is not a leap year


# --- range --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("birthday", "on_or_after"),
    [
        (lunar(1, 1), date(1899, 12, 31)),
        (lunar(1, 1), date(1900, 1, 30)),  # the day before lunar 1900-01-01
        (lunar(1, 1), date(2099, 12, 1)),  # lunar 2100 is beyond the tables
        (lunar(1, 1), date(2100, 3, 1)),
        (solar(1, 1), date(9999, 12, 31)),
    ],
)
def test_dates_outside_the_calendar_range(birthday, on_or_after):
    with pytest.raises(BirthdayError) as raised:
        next_birthday(birthday, on_or_after)
    assert raised.value.key == "birthday.out_of_range"


def test_edges_of_the_lunar_range_are_inside():
    assert next_birthday(lunar(1, 1), date(1900, 1, 31)) == date(1900, 1, 31)
    # 腊月三十 of lunar 2099 is 2100-02-08, the last day lunardate knows.
    assert next_birthday(lunar(12, 30), date(2100, 2, 8)) == date(2100, 2, 8)


# --- window ("birthday this week") ---------------------------------------------------------------

def test_birthday_in_window():
    mid_autumn = lunar(8, 15)
    assert birthday_in_window(mid_autumn, date(2026, 9, 19), 7) == date(2026, 9, 25)
    assert birthday_in_window(mid_autumn, date(2026, 9, 18), 7) is None  # 9-18 + 7 = 9-25 excluded
    assert birthday_in_window(mid_autumn, date(2026, 9, 25), 1) == date(2026, 9, 25)


@pytest.mark.parametrize("days", [0, -7])
def test_window_must_be_positive(days):
    with pytest.raises(InvalidInput) as raised:
        birthday_in_window(lunar(8, 15), date(2026, 9, 19), days)
    assert raised.value.key == "birthday.window_invalid"


# --- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda: solar(0, 1), "birthday.invalid_month"),
        (lambda: lunar(13, 1), "birthday.invalid_month"),
        (lambda: solar(4, 31), "birthday.invalid_day"),
        (lambda: solar(2, 30), "birthday.invalid_day"),
        (lambda: solar(2, 29, year=1990), "birthday.invalid_day"),
        (lambda: lunar(1, 31), "birthday.invalid_day"),
        (lambda: lunar(1, 0), "birthday.invalid_day"),
        (lambda: Birthday(Calendar.SOLAR, 4, 10, leap_month=True), "birthday.leap_needs_lunar"),
        (lambda: Birthday("solar", 4, 10), "birthday.invalid_calendar"),
        (lambda: lunar(4, 10, leap=True, year=2025), "birthday.no_such_leap_month"),
        (lambda: lunar(12, 30, year=2025), "birthday.invalid_day"),  # no 年三十 in lunar 2025
        (lambda: lunar(1, 1, year=1899), "birthday.out_of_range"),
        (lambda: solar(1, 1, year=0), "birthday.invalid_year"),
    ],
)
def test_invalid_birthdays(make, key):
    with pytest.raises(BirthdayError) as raised:
        make()
    assert raised.value.key == key


def test_valid_birth_years():
    assert lunar(6, 15, leap=True, year=2025).year == 2025
    assert solar(2, 29, year=2000).day == 29
    assert lunar(12, 30, year=2023).day == 30


# --- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-05-12", solar(5, 12, year=1990)),
        ("05-12", solar(5, 12)),
        ("solar:5-12", solar(5, 12)),
        ("lunar:08-15", lunar(8, 15)),
        ("  LUNAR:leap04-10 ", lunar(4, 10, leap=True)),
        ("lunar:2025-leap06-01", lunar(6, 1, leap=True, year=2025)),
    ],
)
def test_parse_birthday(text, expected):
    assert parse_birthday(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "birthday.empty"),
        ("   ", "birthday.empty"),
        ("1990/05/12", "birthday.bad_format"),
        ("lunar:", "birthday.bad_format"),
        ("moon:08-15", "birthday.bad_format"),
        ("八月十五", "birthday.bad_format"),
        ("12345-01-01", "birthday.bad_format"),
    ],
)
def test_parse_rejects_text_that_is_not_a_birthday(text, key):
    with pytest.raises(InvalidInput) as raised:
        parse_birthday(text)
    assert raised.value.key == key


@pytest.mark.parametrize(
    ("text", "key"),
    [("leap04-10", "birthday.leap_needs_lunar"), ("1990-13-01", "birthday.invalid_month"),
     ("1990-02-29", "birthday.invalid_day")],
)
def test_parse_rejects_impossible_days(text, key):
    with pytest.raises(BirthdayError) as raised:
        parse_birthday(text)
    assert raised.value.key == key


# --- properties ---------------------------------------------------------------------------------

def _solar_day_exists(month_day):
    month, day = month_day
    return day <= (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


LUNAR_BIRTHDAYS = st.builds(lunar, st.integers(1, 12), st.integers(1, 30), st.booleans())
BIRTHDAYS = st.one_of(
    st.tuples(st.integers(1, 12), st.integers(1, 31)).filter(_solar_day_exists).map(
        lambda month_day: solar(*month_day)),
    LUNAR_BIRTHDAYS,
)
# Up to the last day of lunar 2098, so that the next lunar year (2099) is still in the tables.
DAYS_IN_RANGE = st.dates(min_value=date(1900, 1, 31), max_value=date(2099, 1, 20))


@settings(max_examples=200, deadline=None)
@given(birthday=BIRTHDAYS, day=DAYS_IN_RANGE)
def test_next_birthday_is_within_a_year_and_a_bit(birthday, day):
    upcoming = next_birthday(birthday, day)
    assert day <= upcoming < day + timedelta(days=400)


@settings(max_examples=200, deadline=None)
@given(birthday=BIRTHDAYS, day=DAYS_IN_RANGE, later_by=st.integers(0, 400))
def test_no_birthday_is_skipped(birthday, day, later_by):
    # If the birthday after `day` is still ahead of a later day, it is that day's next one too.
    upcoming = next_birthday(birthday, day)
    later = min(day + timedelta(days=later_by), date(2099, 1, 20))
    if upcoming >= later:
        assert next_birthday(birthday, later) == upcoming
    else:
        assert next_birthday(birthday, later) > upcoming


@settings(max_examples=200, deadline=None)
@given(birthday=LUNAR_BIRTHDAYS, day=DAYS_IN_RANGE)
def test_lunar_birthday_lands_on_its_lunar_day(birthday, day):
    upcoming = next_birthday(birthday, day)
    landed = LunarDate.from_solar_date(upcoming.year, upcoming.month, upcoming.day)
    assert landed.month == birthday.month
    assert landed.is_leap_month == (
        birthday.leap_month and LunarDate.leap_month_for_year(landed.year) == birthday.month)
    if birthday.day == 30 and landed.day == 29:
        next_day = upcoming + timedelta(days=1)
        assert LunarDate.from_solar_date(next_day.year, next_day.month, next_day.day).day == 1
    else:
        assert landed.day == birthday.day


@settings(max_examples=200, deadline=None)
@given(birthday=BIRTHDAYS)
def test_format_and_parse_round_trip(birthday):
    assert parse_birthday(format_birthday(birthday)) == birthday
