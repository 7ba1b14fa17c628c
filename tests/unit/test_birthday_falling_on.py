"""The birthday that falls on a given day (membership.birthdays.birthday_falling_on), and the
demo members' birthdays made from it relative to the day a terminal is seeded."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from membership.birthdays import (
    FIRST_LUNAR_SOLAR_DAY,
    LAST_LUNAR_SOLAR_DAY,
    Birthday,
    Calendar,
    birthday_falling_on,
    birthday_in_window,
    next_birthday,
)
from membership.errors import BirthdayError
from membership.member_panel import BIRTHDAY_WINDOW_DAYS
from terminal.demo.members import DEMO_CARDS

ZHANG, LI, WANG, UNKNOWN = DEMO_CARDS
# The lunar range less the last week: a birthday a few days on must still be in the tables.
LUNAR_DAYS = st.dates(FIRST_LUNAR_SOLAR_DAY, LAST_LUNAR_SOLAR_DAY - timedelta(days=7))


@pytest.mark.parametrize(("day", "calendar", "year", "expected"), [
    # 中秋 2026 is 25 September.
    (date(2026, 9, 25), Calendar.LUNAR, 1988, Birthday(Calendar.LUNAR, 8, 15, year=1988)),
    # 2025 has a leap sixth month (闰六月): 30 July 2025 is 闰六月初六; 1988 had no leap sixth
    # month, so the birth year is dropped rather than name a day that never was.
    (date(2025, 7, 30), Calendar.LUNAR, 1988, Birthday(Calendar.LUNAR, 6, 6, leap_month=True)),
    (date(2025, 7, 30), Calendar.LUNAR, 2025,
     Birthday(Calendar.LUNAR, 6, 6, leap_month=True, year=2025)),
    # 除夕 2026 (16 February 2026) is 腊月廿九 — that 12th month has 29 days.
    (date(2026, 2, 16), Calendar.LUNAR, None, Birthday(Calendar.LUNAR, 12, 29)),
    (date(2028, 2, 29), Calendar.SOLAR, 1990, Birthday(Calendar.SOLAR, 2, 29)),
    (date(2028, 2, 29), Calendar.SOLAR, 1992, Birthday(Calendar.SOLAR, 2, 29, year=1992)),
    (date(2026, 12, 9), Calendar.SOLAR, None, Birthday(Calendar.SOLAR, 12, 9)),
])
def test_worked_examples(day, calendar, year, expected):
    assert birthday_falling_on(day, calendar, year) == expected
    assert next_birthday(expected, day) == day


def test_a_lunar_birthday_beyond_the_tables_is_refused():
    with pytest.raises(BirthdayError):
        birthday_falling_on(LAST_LUNAR_SOLAR_DAY + timedelta(days=1), Calendar.LUNAR)
    with pytest.raises(BirthdayError):
        birthday_falling_on(FIRST_LUNAR_SOLAR_DAY - timedelta(days=1), Calendar.LUNAR)


@given(day=LUNAR_DAYS, calendar=st.sampled_from(Calendar),
       year=st.none() | st.integers(1900, 2010), ahead=st.integers(0, 6))
def test_the_birthday_falls_on_the_day_and_is_in_the_week_before_it(day, calendar, year, ahead):
    birthday = birthday_falling_on(day, calendar, year)
    assert next_birthday(birthday, day) == day
    seen_from = day - timedelta(days=ahead)
    if seen_from >= FIRST_LUNAR_SOLAR_DAY:
        assert birthday_in_window(birthday, seen_from, BIRTHDAY_WINDOW_DAYS) == day


@given(seeded_on=LUNAR_DAYS)
def test_the_demo_has_a_lunar_and_a_solar_birthday_this_week_whatever_the_day(seeded_on):
    for card, calendar in ((ZHANG, Calendar.LUNAR), (LI, Calendar.SOLAR)):
        birthday = card.birthday_on(seeded_on)
        assert birthday is not None and birthday.calendar is calendar
        assert birthday_in_window(birthday, seeded_on, BIRTHDAY_WINDOW_DAYS) == (
            seeded_on + timedelta(days=card.birthday_in_days))
    assert birthday_in_window(WANG.birthday_on(seeded_on), seeded_on,
                              BIRTHDAY_WINDOW_DAYS) is None
    assert UNKNOWN.birthday_on(seeded_on) is None


def test_the_demo_seeded_past_the_lunar_tables_has_no_lunar_birthday():
    assert ZHANG.birthday_on(LAST_LUNAR_SOLAR_DAY) is None
    assert LI.birthday_on(LAST_LUNAR_SOLAR_DAY) is not None
