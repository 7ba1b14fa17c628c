"""Setting (at enrolment) and changing a member's PIN where it is checked: on the card itself
for a card read through our member application (DESIGN decision 9: the PIN goes from the
keypad to the card and nowhere else), at HQ for every other card.

The member-PIN desk (member_pin.py) verifies on the card and sets and changes at HQ; this picks
the route for setting and changing — the card reader for a member-app card, the desk (HQ) for
every other card — and maps the card's answer onto the desk's refusals. Runs on the cashier
worker thread (the card commands block for a few round trips).
"""

from __future__ import annotations

from typing import Any

from huiyuan_devices.cardreader.base import (
    CardPinOutcome,
    CardPinReader,
    CardPinResult,
    CardSource,
)
from huiyuan_devices.keypad.base import Pin

from membership.errors import InvalidInput
from membership.pin_hash import PIN_MAX_DIGITS, PIN_MIN_DIGITS
from terminal.cashier.member_pin import MemberPinDesk, PinRefused

CARD_TIMEOUT_S = 5.0
_REFUSALS = {
    CardPinOutcome.BLOCKED: "pin.card_locked",
    CardPinOutcome.NOT_SET: "pin.not_set",
    CardPinOutcome.ALREADY_SET: "pin.already_set",
}


class MemberPinChanges:
    def __init__(self, reader: Any, desk: MemberPinDesk) -> None:
        self.reader, self.desk = reader, desk

    def kept_on_card(self, source: CardSource | None) -> bool:
        """Whether this card keeps its own PIN (and the reader can reach it)."""
        return source is CardSource.MEMBER_APP and isinstance(self.reader, CardPinReader)

    def set_pin(self, card_no: str, pin: Pin, source: CardSource | None) -> None:
        """The card's first PIN. HQ needs to be online; the card needs to be on the reader."""
        if not self.kept_on_card(source):
            self.desk.set_pin(card_no, pin)
            return
        try:
            result = self.reader.set_pin(pin, CARD_TIMEOUT_S, card_no=card_no)
        except ValueError:
            raise InvalidInput("pin.format", min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS) from None
        finally:
            pin.wipe()
        _accepted(result)

    def change_pin(self, card_no: str, old: Pin, new: Pin, source: CardSource | None) -> None:
        """A new PIN for the old one (a wrong old PIN counts toward the lockout)."""
        if not self.kept_on_card(source):
            self.desk.change_pin(card_no, old, new)
            return
        try:
            result = self.reader.change_pin(old, new, CARD_TIMEOUT_S, card_no=card_no)
        except ValueError:
            raise InvalidInput("pin.format", min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS) from None
        finally:
            old.wipe()
            new.wipe()
        _accepted(result)


def _accepted(result: CardPinResult) -> None:
    if result.outcome is CardPinOutcome.ACCEPTED:
        return
    if result.outcome is CardPinOutcome.WRONG:
        raise PinRefused("pin.wrong", tries_left=result.tries_left)
    raise PinRefused(_REFUSALS.get(result.outcome, "pin.refused"))
