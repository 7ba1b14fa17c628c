"""The card reader Protocol and the events it reports.

A reader runs on its own thread once started and reports every event to the one callback the
terminal passes in. The terminal looks a card up by `card_no` when the card carries our member
application or was swiped/typed, and by `uid` (bound at enrolment) otherwise.

Readers whose cards carry our member application (PC/SC, simulated) are also `CardPinReader`s: the
card itself checks the member's PIN (DESIGN decision 9), so the PIN goes from the keypad to the
card and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from huiyuan_devices.errors import DeviceError
from huiyuan_devices.keypad.base import Pin


class CardSource(StrEnum):
    CONTACTLESS = "contactless"  # a UID only (GET DATA), no member application
    MEMBER_APP = "member_app"  # our application answered SELECT and READ BINARY
    WEDGE = "wedge"  # a keyboard-wedge reader typed it (magnetic stripe, RFID, ID reader)
    SIMULATED = "simulated"


@dataclass(frozen=True)
class CardPresented:
    reader: str
    uid: str = ""  # upper-case hex, e.g. "04A1B2C3D4E5F6"; "" when unknown
    card_no: str = ""  # our member card number; "" for a card without our application
    source: CardSource = CardSource.CONTACTLESS


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class ReaderFault:
    """The reader failed (unplugged, card pulled mid-read, unknown card); the reader keeps
    watching and reports the next card normally when it can."""

    reader: str
    error: DeviceError


CardEvent = CardPresented | CardRemoved | ReaderFault
CardEventHandler = Callable[[CardEvent], None]


class CardReader(Protocol):
    name: str

    def start(self, on_event: CardEventHandler) -> None:
        """Begin watching; events arrive on a driver thread until stop()."""

    def stop(self) -> None:
        """Stop watching and release the device. Safe to call twice."""


# --- PINs checked by the card ---------------------------------------------------------------

DEFAULT_PIN_TIMEOUT_S = 5.0  # how long a PIN command waits for the card to be (back) on the reader


class CardPinOutcome(StrEnum):
    ACCEPTED = "accepted"  # right PIN / PIN changed / first PIN set; the card's counter is full
    WRONG = "wrong"  # tries_left more tries before the card blocks its PIN
    BLOCKED = "blocked"  # too many wrong PINs (this one may have been the last): for good
    NOT_SET = "not_set"  # the card has no PIN yet (set_pin sets the first one)
    ALREADY_SET = "already_set"  # set_pin on a card that has a PIN: use change_pin
    REQUIRED = "required"  # pin_status only: a PIN is set, not verified; tries_left remain


@dataclass(frozen=True)
class CardPinResult:
    """What the card answered. `tries_left` counts for WRONG and REQUIRED; ACCEPTED carries the
    full try limit (the card resets its counter); it is 0 otherwise."""

    outcome: CardPinOutcome
    tries_left: int = 0


@runtime_checkable
class CardPinReader(CardReader, Protocol):
    """A reader that can have the card on it check, set and change the member's PIN.

    Each call acts on the card on the reader now (waiting up to `timeout_s` for one), on a thread
    of the caller's (it blocks for a few card round trips: not the UI thread), and may run while
    the reader watches for cards. With `card_no` the card must carry that card number, so a card
    swapped in during PIN entry is refused. Every Pin passed in is wiped before the call returns
    or raises: ask the member again for another try.

    Raises DeviceProtocolError: card_removed (no card in time, card pulled away, another card),
    unknown_card (no member application), protocol_error (an answer outside our application);
    DeviceNotFound(reader_unplugged); DeviceTimeout(timeout) when the reader stays busy. A Pin
    that is not 4 to 8 digits raises ValueError before the card is asked (and costs no try).
    """

    def pin_status(self, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                   card_no: str = "") -> CardPinResult:
        """REQUIRED with the tries left, NOT_SET or BLOCKED; counts no try."""

    def verify_pin(self, pin: Pin, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                   card_no: str = "") -> CardPinResult:
        """ACCEPTED, WRONG, BLOCKED or NOT_SET. A wrong PIN counts toward the card's lockout."""

    def set_pin(self, pin: Pin, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                card_no: str = "") -> CardPinResult:
        """The first PIN of a card without one: ACCEPTED or ALREADY_SET."""

    def change_pin(self, old: Pin, new: Pin, timeout_s: float = DEFAULT_PIN_TIMEOUT_S, *,
                   card_no: str = "") -> CardPinResult:
        """ACCEPTED, or as verify_pin for `old` (a wrong `old` counts a try)."""
