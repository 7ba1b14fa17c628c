"""The demo store's members and their cards, for `make run` and the UI tests: one with a member
card carrying our application (card number on the chip), one with a UID-only RFID tag, one with
a lunar birthday this week, and a card nobody knows. The simulator panel taps these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoCard:
    label_key: str  # the simulator panel's button text
    card_no: str  # the member card's number (at HQ and on the receipt)
    uid: str
    on_chip: bool = True  # our member application carries card_no; False: a UID-only tag
    member_id: str = ""
    name: str = ""
    phone: str = ""
    birthday: str = ""  # membership.birthdays.parse_birthday text
    pin: str = ""  # the member's demo PIN, typed on the simulator panel's keypad
    card_type: str = "GOLD"

    @property
    def chip_card_no(self) -> str:
        """What the reader reads from the chip: the card number, or nothing on a UID tag."""
        return self.card_no if self.on_chip else ""


DEMO_CARDS = (
    DemoCard("sim.card_zhang", "8800000000000001", "04A1B2C3D4E501", True, "M0001", "张三",
             "13800138001", "lunar:1988-10-18", "1234"),
    DemoCard("sim.card_li", "8800000000000002", "04A1B2C3D4E502", False, "M0002", "李四",
             "13900139002", "1992-11-25", "2468"),
    DemoCard("sim.card_wang", "8800000000000003", "04A1B2C3D4E503", True, "M0003", "王五",
             "13700137003", "1985-03-15", "1357"),
    DemoCard("sim.card_unknown", "8899999999999999", "04FFFFFFFFFF99"),
)
