"""The card reader Protocol and the events it reports.

A reader runs on its own thread once started and reports every event to the one callback the
terminal passes in. The terminal looks a card up by `card_no` when the card carries our member
application or was swiped/typed, and by `uid` (bound at enrolment) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from huiyuan_devices.errors import DeviceError


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
