"""The reader's side of the PIN commands (base.CardPinReader), written once for every reader whose
cards carry our member application. A reader mixes in `CardPinCommands` and supplies only how one
APDU reaches the card on it (`_exchange_pin_apdu`): pcscd for the PC/SC reader, a card_pin.CardPin
for the simulator.

Secrecy: a Pin is revealed only inside the function that builds the APDU, which the reader calls
once the card has answered SELECT; the reader zeroes the APDU after sending it; every Pin passed in
is wiped when the call ends, however it ends. (Pin.reveal() gives a str, which Python cannot wipe;
it is dropped at once.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.base import DEFAULT_PIN_TIMEOUT_S, CardPinResult
from huiyuan_devices.cardreader.member_app import PinCommand
from huiyuan_devices.errors import DeviceProtocolError
from huiyuan_devices.keypad.base import Pin

logger = logging.getLogger(__name__)

ApduBuilder = Callable[[], bytearray]

PROTOCOL_ERROR = "protocol_error"


class CardPinCommands:
    """pin_status / verify_pin / set_pin / change_pin, as base.CardPinReader documents them."""

    name: str

    def pin_status(self, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                   card_no: str = "") -> CardPinResult:
        sw = self._exchange_pin_apdu(member_app.pin_status_apdu, timeout_s, card_no)
        return self._pin_result(PinCommand.STATUS, sw)

    def verify_pin(self, pin: Pin, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                   card_no: str = "") -> CardPinResult:
        with _wiped_after(pin):
            _check_length(pin)
            sw = self._exchange_pin_apdu(lambda: member_app.verify_apdu(pin.reveal()),
                                         timeout_s, card_no)
        return self._pin_result(PinCommand.VERIFY, sw)

    def set_pin(self, pin: Pin, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                card_no: str = "") -> CardPinResult:
        with _wiped_after(pin):
            _check_length(pin)
            sw = self._exchange_pin_apdu(lambda: member_app.first_pin_apdu(pin.reveal()),
                                         timeout_s, card_no)
        return self._pin_result(PinCommand.FIRST_PIN, sw)

    def change_pin(self, old: Pin, new: Pin, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                   card_no: str = "") -> CardPinResult:
        with _wiped_after(old, new):
            _check_length(old)
            _check_length(new)
            sw = self._exchange_pin_apdu(
                lambda: member_app.change_pin_apdu(old.reveal(), new.reveal()), timeout_s, card_no
            )
        return self._pin_result(PinCommand.CHANGE, sw)

    # --- what the reader supplies ---------------------------------------------------------

    def _exchange_pin_apdu(self, build_apdu: ApduBuilder, timeout_s: float,
                           card_no: str) -> tuple[int, int]:
        """Wait up to `timeout_s` for a card, select our application on it (checking `card_no`
        when given), send `build_apdu()`, zero that APDU, and return the status word (sw1, sw2).
        Raises the DeviceErrors listed in base.CardPinReader."""
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------------

    def _pin_result(self, command: PinCommand, sw: tuple[int, int]) -> CardPinResult:
        result = member_app.pin_result(command, *sw)
        # The command's name and the card's status word: all a technician needs, and no PIN.
        logger.debug("card reader %s: %s answered %02X%02X", self.name, command, *sw)
        if result is None:
            raise DeviceProtocolError(self.name, PROTOCOL_ERROR,
                                      f"{command} answered {sw[0]:02X}{sw[1]:02X}")
        return result


def _check_length(pin: Pin) -> None:
    # Checked before the card is asked: a PIN no card can have would cost the member a try.
    if not member_app.MIN_PIN_DIGITS <= len(pin) <= member_app.MAX_PIN_DIGITS:
        raise ValueError(f"a PIN has {member_app.MIN_PIN_DIGITS} to "
                         f"{member_app.MAX_PIN_DIGITS} digits")


@contextmanager
def _wiped_after(*pins: Pin) -> Iterator[None]:
    try:
        yield
    finally:
        for pin in pins:
            pin.wipe()
