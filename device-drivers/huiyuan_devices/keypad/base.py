"""The member PIN keypad Protocol.

The UI asks for a PIN and passes two handlers: `on_progress(count)` with the number of digits
entered so far (the screen shows dots, never digits), and `on_done(result)` once. A `Pin` hides
its digits from repr/str/logs; the consumer calls `reveal()` once to check it and `wipe()` after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from huiyuan_devices.errors import DeviceError

DEFAULT_MAX_DIGITS = 6
DEFAULT_TIMEOUT_S = 30.0


class Pin:
    """Digits entered on the keypad. Never printed: repr and str show only the length."""

    __slots__ = ("_digits",)

    def __init__(self, digits: bytearray) -> None:
        self._digits = digits

    def __len__(self) -> int:
        return len(self._digits)

    def __repr__(self) -> str:
        return f"Pin(<{len(self._digits)} digits>)"

    __str__ = __repr__

    def reveal(self) -> str:
        return self._digits.decode("ascii")

    def wipe(self) -> None:
        for index in range(len(self._digits)):
            self._digits[index] = 0
        self._digits.clear()


class PinOutcome(StrEnum):
    ENTERED = "entered"
    CANCELLED = "cancelled"  # Esc / Clear on an empty entry, or cancel() from the UI
    TIMED_OUT = "timed_out"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class PinResult:
    outcome: PinOutcome
    pin: Pin | None = None  # only for ENTERED
    error: DeviceError | None = None  # for DISCONNECTED / TIMED_OUT


ProgressHandler = Callable[[int], None]
DoneHandler = Callable[[PinResult], None]


class PinPad(Protocol):
    name: str

    def request_pin(
        self,
        on_progress: ProgressHandler,
        on_done: DoneHandler,
        *,
        max_digits: int = DEFAULT_MAX_DIGITS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Start collecting a PIN (grabbing the device exclusively); returns at once."""

    def cancel(self) -> None:
        """Abandon the entry in progress: on_done(CANCELLED), digits wiped, grab released."""

    def close(self) -> None:
        """Release the device. Safe to call twice."""
