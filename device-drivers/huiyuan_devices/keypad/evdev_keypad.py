"""The member PIN keypad: a USB numeric keypad read through evdev.

The device is opened at the first request_pin (or open()) and read on a thread from then on.
Keys read while no PIN is requested are dropped there, so they can never end up in the next PIN.
The keypad is grabbed exclusively only while a PIN is being collected, so its digits never reach
the cashier's screen, and released as soon as the request ends.

If the keypad is missing, unplugged, or held by another program, the request ends as DISCONNECTED
with the DeviceError saying which; an unplugged keypad is opened again at the next request.
Entry rules and the (inactivity) time-out are in keypad/entry.py and keypad/session.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from huiyuan_devices.errors import DeviceNotFound
from huiyuan_devices.evdev_input import (
    GrabbableInput,
    InputFaults,
    KeyReaderThread,
    close_quietly,
    grab_exclusively,
    pin_pad_key,
    release_grab,
)
from huiyuan_devices.keypad.base import (
    DEFAULT_MAX_DIGITS,
    DEFAULT_TIMEOUT_S,
    DoneHandler,
    ProgressHandler,
)
from huiyuan_devices.keypad.session import PinRequests

log = logging.getLogger(__name__)


def keypad_faults(name: str) -> InputFaults:
    return InputFaults(
        name,
        unplugged_reason="keypad_disconnected",
        busy_reason="keypad_busy",
        no_access_reason="keypad_no_access",
    )


class EvdevPinPad:
    """`open_device` returns an opened input device (see evdev_input.input_device_opener) and
    raises OSError when it cannot."""

    def __init__(self, name: str = "pinpad", *, open_device: Callable[[], GrabbableInput]) -> None:
        self.name = name
        self._open_device = open_device
        self._faults = keypad_faults(name)
        self._lock = threading.Lock()  # guards the device, its reader and the grab
        self._device: GrabbableInput | None = None
        self._reader: KeyReaderThread | None = None
        self._grabbed = False
        self._requests = PinRequests(name, acquire=self._acquire, release=self._release)

    def __repr__(self) -> str:
        return f"EvdevPinPad({self.name!r}, open={self._device is not None})"

    @property
    def requested(self) -> bool:
        return self._requests.requested

    @property
    def grabbed(self) -> bool:
        return self._grabbed

    @property
    def digits_count(self) -> int:
        return self._requests.digits_count

    @property
    def keys_discarded(self) -> int:
        return self._requests.keys_discarded

    @property
    def reading(self) -> bool:
        """The reader thread is running (the device is open and has not gone away)."""
        reader = self._reader
        return reader is not None and reader.alive

    def open(self) -> None:
        """Open the keypad and start reading now; optional (request_pin opens it when needed).
        Raises DeviceNotFound when it is missing or may not be opened."""
        with self._lock:
            self._open_locked()

    def request_pin(
        self,
        on_progress: ProgressHandler,
        on_done: DoneHandler,
        *,
        max_digits: int = DEFAULT_MAX_DIGITS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._requests.start(on_progress, on_done, max_digits=max_digits, timeout_s=timeout_s)

    def cancel(self) -> None:
        self._requests.cancel()

    def close(self) -> None:
        self._requests.cancel()
        with self._lock:
            reader, device = self._reader, self._device
            self._reader = self._device = None
            self._grabbed = False
        # Outside the lock: the reader's own callbacks take it while we wait for the thread.
        if reader is not None:
            reader.stop()
        if device is not None:
            release_grab(device)
            close_quietly(device)

    def _open_locked(self) -> GrabbableInput:
        if self._device is not None:
            return self._device
        try:
            device = self._open_device()
        except OSError as error:
            raise self._faults.from_open_error(error) from error
        reader = KeyReaderThread(
            device, translate=pin_pad_key, on_key=self._on_key,
            on_unplugged=self._on_unplugged, faults=self._faults,
        )
        self._device, self._reader = device, reader
        reader.start()
        log.info("%s: keypad opened", self.name)
        return device

    def _acquire(self) -> None:
        with self._lock:
            device = self._open_locked()
            if not self._grabbed:
                grab_exclusively(device, self._faults)
                self._grabbed = True

    def _release(self) -> None:
        with self._lock:
            if self._grabbed and self._device is not None:
                release_grab(self._device)
            self._grabbed = False

    def _on_key(self, key: str, _at_s: float) -> None:
        self._requests.press(key)

    def _on_unplugged(self, error: DeviceNotFound) -> None:
        log.warning("%s: keypad gone (%s)", self.name, error.detail)
        with self._lock:
            device = self._device
            self._reader = self._device = None
            self._grabbed = False
        if device is not None:
            close_quietly(device)
        self._requests.fail(error)
