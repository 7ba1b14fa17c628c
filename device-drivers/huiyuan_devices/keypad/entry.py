"""The PIN entry state machine, shared by the evdev keypad and its simulator so both behave the
same. Pure: no threads, no clock, no device.

Keys (PadKey names, or a digit "0".."9"):
- digit: appended; ignored once `max_digits` are entered.
- backspace: deletes the last digit; ignored on an empty entry.
- clear / esc: clears the entry; on an empty entry they cancel (base.PinOutcome.CANCELLED), so
  pressing Esc twice always gets the member out.
- enter: finishes a non-empty entry. Enter on an empty entry is ignored rather than cancelling:
  a stray Enter should not abort the payment, and Esc is there to cancel.
- anything else: ignored.

The digits live in one bytearray allocated at full size up front, so appending never reallocates
and leaves copies of digits behind in freed memory; `take_pin` copies them into the Pin it hands
out and zeroes the buffer.
"""

from __future__ import annotations

from enum import Enum, StrEnum

from huiyuan_devices.keypad.base import Pin

DIGITS = frozenset("0123456789")


class PadKey(StrEnum):
    ENTER = "enter"
    BACKSPACE = "backspace"
    CLEAR = "clear"
    ESC = "esc"


PAD_KEYS = DIGITS | {key.value for key in PadKey}


class EntryStep(Enum):
    IGNORED = "ignored"
    CHANGED = "changed"  # the digit count changed: tell the screen
    ENTERED = "entered"  # take_pin() now
    CANCELLED = "cancelled"


class PinEntry:
    __slots__ = ("_buffer", "_count")

    def __init__(self, max_digits: int) -> None:
        if max_digits < 1:
            raise ValueError(f"max_digits must be at least 1, got {max_digits}")
        self._buffer = bytearray(max_digits)
        self._count = 0

    def __repr__(self) -> str:
        return f"PinEntry(<{self._count} digits>)"

    @property
    def count(self) -> int:
        return self._count

    def press(self, key: str) -> EntryStep:
        if key in DIGITS:
            return self._append(key)
        if key == PadKey.BACKSPACE and self._count:
            self._count -= 1
            self._buffer[self._count] = 0
            return EntryStep.CHANGED
        if key in (PadKey.CLEAR, PadKey.ESC):
            if not self._count:
                return EntryStep.CANCELLED
            self.wipe()
            return EntryStep.CHANGED
        if key == PadKey.ENTER and self._count:
            return EntryStep.ENTERED
        return EntryStep.IGNORED

    def _append(self, digit: str) -> EntryStep:
        if self._count >= len(self._buffer):
            return EntryStep.IGNORED
        self._buffer[self._count] = ord(digit)
        self._count += 1
        return EntryStep.CHANGED

    def take_pin(self) -> Pin:
        """The digits as a Pin (the caller reveals and wipes it); the entry is left empty."""
        digits = bytearray(self._count)
        digits[:] = memoryview(self._buffer)[: self._count]
        self.wipe()
        return Pin(digits)

    def wipe(self) -> None:
        for index in range(len(self._buffer)):
            self._buffer[index] = 0
        self._count = 0
