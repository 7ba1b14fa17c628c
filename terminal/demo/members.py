"""The demo store's members and their cards, for `make run` and the UI tests: one with a member
card carrying our application (card number on the chip), one with a UID-only RFID tag, and a
card nobody knows. The simulator panel taps these.

Birthdays are set relative to the day the terminal is seeded, so the member panel's reminders
show whenever the demo starts: 张三's lunar birthday (农历) and 李四's solar birthday (公历)
fall within the birthday week, 王五's is months away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from membership.birthdays import Birthday, Calendar, birthday_falling_on
from membership.errors import BirthdayError


@dataclass(frozen=True)
class DemoCard:
    label_key: str  # the simulator panel's button text
    card_no: str  # the member card's number (at HQ and on the receipt)
    uid: str
    on_chip: bool = True  # our member application carries card_no; False: a UID-only tag
    member_id: str = ""
    name: str = ""
    phone: str = ""
    pin: str = ""  # the member's demo PIN, typed on the simulator panel's keypad
    card_type: str = "GOLD"
    birthday_in_days: int | None = None  # days after the seeding day; None: no birthday
    birthday_calendar: Calendar = Calendar.SOLAR
    birth_year: int | None = None

    @property
    def chip_card_no(self) -> str:
        """What the reader reads from the chip: the card number, or nothing on a UID tag."""
        return self.card_no if self.on_chip else ""

    def birthday_on(self, seeded_on: date) -> Birthday | None:
        """The member's birthday for a terminal seeded on `seeded_on`: the one that falls
        `birthday_in_days` later on the member's calendar (lunar dates by membership.birthdays'
        rules: a leap month kept as one, the lunardate range)."""
        if self.birthday_in_days is None:
            return None
        day = seeded_on + timedelta(days=self.birthday_in_days)
        try:
            return birthday_falling_on(day, self.birthday_calendar, self.birth_year)
        except BirthdayError:  # beyond the lunar calendar's tables: a member without one
            return None


DEMO_CARDS = (
    DemoCard("sim.card_zhang", "8800000000000001", "04A1B2C3D4E501", True, "M0001", "张三",
             "13800138001", "1234", birthday_in_days=3, birthday_calendar=Calendar.LUNAR,
             birth_year=1988),
    DemoCard("sim.card_li", "8800000000000002", "04A1B2C3D4E502", False, "M0002", "李四",
             "13900139002", "2468", birthday_in_days=5, birth_year=1992),
    DemoCard("sim.card_wang", "8800000000000003", "04A1B2C3D4E503", True, "M0003", "王五",
             "13700137003", "1357", birthday_in_days=120, birth_year=1985),
    DemoCard("sim.card_unknown", "8899999999999999", "04FFFFFFFFFF99"),
)
