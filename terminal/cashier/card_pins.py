"""The card reader as the member-PIN desk's CardPinChecker: our member cards check their own PIN
(ISO 7816 VERIFY, retry counter on the card; DESIGN.md decision 9)."""

from __future__ import annotations

import logging

from huiyuan_devices.cardreader.base import CardPinOutcome, CardPinReader
from huiyuan_devices.errors import DeviceError
from huiyuan_devices.keypad.base import Pin

from terminal.cashier.ports import PinCheck, PinCheckOutcome

log = logging.getLogger("terminal.cashier")

_OUTCOMES = {
    CardPinOutcome.ACCEPTED: PinCheckOutcome.ACCEPTED,
    CardPinOutcome.WRONG: PinCheckOutcome.WRONG,
    CardPinOutcome.BLOCKED: PinCheckOutcome.LOCKED,
    CardPinOutcome.NOT_SET: PinCheckOutcome.NOT_SET,
}


class ReaderCardPins:
    def __init__(self, reader: CardPinReader, timeout_s: float = 5.0) -> None:
        self.reader = reader
        self.timeout_s = timeout_s

    def verify(self, card_no: str, pin: Pin) -> PinCheck | None:
        """None when the card could not be asked: removed, swapped, or no member application.
        The card number read in the same connection must be `card_no` (a swapped card is
        refused without using a try)."""
        try:
            result = self.reader.verify_pin(pin, self.timeout_s, card_no=card_no)
        except (DeviceError, ValueError) as error:
            log.info("card %s could not check its PIN: %s", card_no[-4:], type(error).__name__)
            return None
        finally:
            pin.wipe()
        outcome = _OUTCOMES.get(result.outcome)
        return None if outcome is None else PinCheck(outcome, result.tries_left)
