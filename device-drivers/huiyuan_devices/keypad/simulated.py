"""A PIN keypad on the screen (`make run`) or in tests: the same entry rules and time-out as the
evdev keypad (keypad/session.py), keys come from press() instead of a device.

Inspectable: `requested`, `grabbed`, `digits_count`, `keys_discarded`, `plugged`.
Fault injection: unplug() (mid-PIN: DISCONNECTED; later requests too until plug_in()).
"""

from __future__ import annotations

from huiyuan_devices.errors import DeviceNotFound
from huiyuan_devices.keypad.base import (
    DEFAULT_MAX_DIGITS,
    DEFAULT_TIMEOUT_S,
    DoneHandler,
    ProgressHandler,
)
from huiyuan_devices.keypad.entry import PAD_KEYS, PadKey
from huiyuan_devices.keypad.session import PinRequests


class SimulatedPinPad:
    def __init__(self, name: str = "simulated-pinpad") -> None:
        self.name = name
        self.plugged = True
        self.grabbed = False
        self.closed = False
        self._requests = PinRequests(name, acquire=self._acquire, release=self._release)

    def __repr__(self) -> str:
        return f"SimulatedPinPad({self.name!r}, requested={self.requested})"

    @property
    def requested(self) -> bool:
        return self._requests.requested

    @property
    def digits_count(self) -> int:
        return self._requests.digits_count

    @property
    def keys_discarded(self) -> int:
        return self._requests.keys_discarded

    def request_pin(
        self,
        on_progress: ProgressHandler,
        on_done: DoneHandler,
        *,
        max_digits: int = DEFAULT_MAX_DIGITS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.closed = False
        self._requests.start(on_progress, on_done, max_digits=max_digits, timeout_s=timeout_s)

    def cancel(self) -> None:
        self._requests.cancel()

    def close(self) -> None:
        self._requests.cancel()
        self.closed = True

    def press(self, key: str) -> None:
        """One key: "0".."9", "enter", "backspace", "clear", "esc". Without a request (or while
        unplugged) the key is discarded, as on the real keypad."""
        if key not in PAD_KEYS:
            # The key itself stays out of the message: it could be a PIN typed whole by mistake.
            raise ValueError("not a keypad key; use 0-9, enter, backspace, clear, esc")
        if not self.plugged:
            return
        self._requests.press(key)

    def type_pin(self, digits: str, *, enter: bool = True) -> None:
        for digit in digits:
            self.press(digit)
        if enter:
            self.press(PadKey.ENTER)

    def unplug(self) -> None:
        self.plugged = False
        self._requests.fail(self._unplugged_error())

    def plug_in(self) -> None:
        self.plugged = True

    def _unplugged_error(self) -> DeviceNotFound:
        return DeviceNotFound(self.name, "keypad_disconnected", "simulated unplug")

    def _acquire(self) -> None:
        if not self.plugged:
            raise self._unplugged_error()
        self.grabbed = True

    def _release(self) -> None:
        self.grabbed = False
