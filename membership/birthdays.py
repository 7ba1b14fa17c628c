"""Member birthdays on the solar (公历) or lunar (农历) calendar, and when they next fall.

Rules (docs/domain.md, "Birthdays", with worked examples):
- a solar 29 February is kept on 28 February in common years;
- a lunar day 30 is kept on day 29 in a year whose month has only 29 days (小月);
- a leap-month (闰月) birthday is kept in the ordinary month of the same number in years
  without that leap month; in a year with both, an ordinary-month birthday stays in the
  ordinary month;
- lunar dates exist only for lunar years 1900-2099 (the range of lunardate's tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lunardate import LunarDate

from membership.errors import BirthdayError, InvalidInput


class Calendar(StrEnum):
    SOLAR = "solar"  # 公历 / 阳历
    LUNAR = "lunar"  # 农历 / 阴历


FIRST_LUNAR_YEAR = 1900
LAST_LUNAR_YEAR = 2099
# lunardate silently returns wrong lunar dates outside these solar days, so we guard them.
FIRST_LUNAR_SOLAR_DAY = date(1900, 1, 31)  # 1900 lunar 01-01
LAST_LUNAR_SOLAR_DAY = date(2100, 2, 8)  # 2099 lunar 12-30

_SOLAR_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # leap-year lengths
_LUNAR_DAYS_IN_MONTH = 30


@dataclass(frozen=True)
class Birthday:
    """A member's birthday. `year` is the birth year (optional; members often withhold it)."""

    calendar: Calendar
    month: int
    day: int
    leap_month: bool = False
    year: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.calendar, Calendar):
            raise BirthdayError("birthday.invalid_calendar", calendar=self.calendar)
        if not 1 <= self.month <= 12:
            raise BirthdayError("birthday.invalid_month", month=self.month)
        if self.leap_month and self.calendar is not Calendar.LUNAR:
            raise BirthdayError("birthday.leap_needs_lunar")
        if not 1 <= self.day <= _max_day(self.calendar, self.month):
            raise BirthdayError("birthday.invalid_day", month=self.month, day=self.day)
        if self.year is not None:
            _check_birth_year(self, self.year)


def _max_day(calendar: Calendar, month: int) -> int:
    if calendar is Calendar.SOLAR:
        return _SOLAR_DAYS_IN_MONTH[month - 1]
    return _LUNAR_DAYS_IN_MONTH


def _check_birth_year(birthday: Birthday, year: int) -> None:
    if birthday.calendar is Calendar.SOLAR:
        if not date.min.year <= year <= date.max.year:
            raise BirthdayError("birthday.invalid_year", year=year)
        if (birthday.month, birthday.day) == (2, 29) and _solar_day(year, 2, 29).day != 29:
            raise BirthdayError("birthday.invalid_day", month=2, day=29, year=year)
        return
    if not FIRST_LUNAR_YEAR <= year <= LAST_LUNAR_YEAR:
        raise BirthdayError("birthday.out_of_range", year=year)
    if birthday.leap_month and LunarDate.leap_month_for_year(year) != birthday.month:
        raise BirthdayError("birthday.no_such_leap_month", year=year, month=birthday.month)
    if birthday.day > _lunar_month_length(year, birthday.month, birthday.leap_month):
        raise BirthdayError("birthday.invalid_day", month=birthday.month, day=birthday.day,
                            year=year)


def next_birthday(birthday: Birthday, on_or_after: date) -> date:
    """The first solar day on or after `on_or_after` on which the birthday falls."""
    if birthday.calendar is Calendar.SOLAR:
        return _next_solar(birthday, on_or_after)
    return _next_lunar(birthday, on_or_after)


def birthday_in_window(birthday: Birthday, today: date, days: int) -> date | None:
    """The next birthday if it falls in [today, today + days), else None ("birthday this week")."""
    if days < 1:
        raise InvalidInput("birthday.window_invalid", days=days)
    upcoming = next_birthday(birthday, today)
    return upcoming if upcoming < today + timedelta(days=days) else None


def birthday_falling_on(day: date, calendar: Calendar, year: int | None = None) -> Birthday:
    """The birthday, on `calendar`, whose next occurrence on or after `day` is `day` itself: the
    solar month and day, or the lunar month (a leap month kept as one) and day. `year`, the
    birth year, is kept only where that year had the same day (a leap month, 30 days, a 29
    February); else the birthday has no year."""
    if calendar is Calendar.SOLAR:
        month, number, leap = day.month, day.day, False
    else:
        if not FIRST_LUNAR_SOLAR_DAY <= day <= LAST_LUNAR_SOLAR_DAY:
            raise BirthdayError("birthday.out_of_range", on_or_after=day.isoformat())
        lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
        month, number, leap = lunar.month, lunar.day, bool(lunar.is_leap_month)
    try:
        return Birthday(calendar, month, number, leap_month=leap, year=year)
    except BirthdayError:  # that birth year had no such day
        return Birthday(calendar, month, number, leap_month=leap)


def _next_solar(birthday: Birthday, on_or_after: date) -> date:
    this_year = _solar_day(on_or_after.year, birthday.month, birthday.day)
    if this_year >= on_or_after:
        return this_year
    if on_or_after.year >= date.max.year:
        raise BirthdayError("birthday.out_of_range", on_or_after=on_or_after.isoformat())
    return _solar_day(on_or_after.year + 1, birthday.month, birthday.day)


def _solar_day(year: int, month: int, day: int) -> date:
    if (month, day) == (2, 29) and not _is_solar_leap_year(year):
        return date(year, 2, 28)
    return date(year, month, day)


def _is_solar_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _next_lunar(birthday: Birthday, on_or_after: date) -> date:
    if not FIRST_LUNAR_SOLAR_DAY <= on_or_after <= LAST_LUNAR_SOLAR_DAY:
        raise BirthdayError("birthday.out_of_range", on_or_after=on_or_after.isoformat())
    # Every day of earlier lunar years precedes on_or_after, so only this lunar year and the
    # next can hold the answer.
    lunar_year = LunarDate.from_solar_date(
        on_or_after.year, on_or_after.month, on_or_after.day).year
    this_year = _lunar_birthday_in(birthday, lunar_year)
    if this_year >= on_or_after:
        return this_year
    if lunar_year + 1 > LAST_LUNAR_YEAR:
        raise BirthdayError("birthday.out_of_range", on_or_after=on_or_after.isoformat())
    return _lunar_birthday_in(birthday, lunar_year + 1)


def _lunar_birthday_in(birthday: Birthday, lunar_year: int) -> date:
    leap = birthday.leap_month and LunarDate.leap_month_for_year(lunar_year) == birthday.month
    day = min(birthday.day, _lunar_month_length(lunar_year, birthday.month, leap))
    return LunarDate(lunar_year, birthday.month, day, leap).to_solar_date()


def _lunar_month_length(lunar_year: int, month: int, leap: bool) -> int:
    """29 (小月) or 30 (大月): whether the day after day 29 is still in the same month."""
    day_after_29 = LunarDate(lunar_year, month, 29, leap).to_solar_date() + timedelta(days=1)
    after = LunarDate.from_solar_date(day_after_29.year, day_after_29.month, day_after_29.day)
    return 30 if after.day == 30 else 29


_BIRTHDAY_TEXT = re.compile(
    r"^(?:(?P<calendar>solar|lunar):)?"
    r"(?:(?P<year>\d{4})-)?"
    r"(?P<leap>leap)?(?P<month>\d{1,2})-(?P<day>\d{1,2})$"
)


def parse_birthday(text: str) -> Birthday:
    """Read "1990-05-12", "05-12", "lunar:08-15", "lunar:1987-leap06-15" or "lunar:leap04-10".

    No prefix means solar. Raises InvalidInput (birthday.empty, birthday.bad_format) for text
    that is not a birthday, BirthdayError for one that names an impossible day.
    """
    cleaned = text.strip().lower()
    if not cleaned:
        raise InvalidInput("birthday.empty")
    match = _BIRTHDAY_TEXT.match(cleaned)
    if match is None:
        raise InvalidInput("birthday.bad_format", text=text)
    year = match.group("year")
    return Birthday(
        calendar=Calendar(match.group("calendar") or Calendar.SOLAR),
        month=int(match.group("month")),
        day=int(match.group("day")),
        leap_month=match.group("leap") is not None,
        year=int(year) if year else None,
    )


def format_birthday(birthday: Birthday) -> str:
    """The inverse of parse_birthday: "lunar:leap04-10", "1990-05-12", "solar:05-12"."""
    prefix = "lunar:" if birthday.calendar is Calendar.LUNAR else ""
    year = f"{birthday.year:04d}-" if birthday.year is not None else ""
    if not prefix and not year:
        prefix = "solar:"
    leap = "leap" if birthday.leap_month else ""
    return f"{prefix}{year}{leap}{birthday.month:02d}-{birthday.day:02d}"
