"""One PIN request at a time, with its time-out and handlers; shared by every PinPad so the
evdev keypad and the simulator only differ in where keys come from and what grabbing means.

Time-out: inactivity. The `timeout_s` clock restarts at every key the keypad recognises, so a
slow but active member is not cut off mid-PIN, and an abandoned keypad ends as TIMED_OUT
(DeviceTimeout reason `pin_timeout`) `timeout_s` after its last key.

Handlers run on a driver thread (the key reader, the time-out watchdog, or the caller of
cancel()/unplug), under the request's lock, so they are never called concurrently and on_progress
never comes after on_done. Keep them short (in Kivy: Clock.schedule_once). They may call
request_pin() or cancel() again. on_done is called exactly once; the device is already released
by then.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from huiyuan_devices.errors import DeviceError, DeviceTimeout
from huiyuan_devices.keypad.base import (
    DoneHandler,
    PinOutcome,
    PinResult,
    ProgressHandler,
)
from huiyuan_devices.keypad.entry import EntryStep, PinEntry

log = logging.getLogger(__name__)


class PinSession:
    """One PIN request: entry state, inactivity deadline, exactly-once on_done."""

    def __init__(
        self,
        device: str,
        *,
        max_digits: int,
        timeout_s: float,
        on_progress: ProgressHandler,
        on_done: DoneHandler,
        on_finished: Callable[[PinSession], None],
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self._device = device
        self._entry = PinEntry(max_digits)
        self._timeout_s = timeout_s
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_finished = on_finished
        self._lock = threading.RLock()  # re-entrant: handlers may call cancel()
        self._woken = threading.Condition(self._lock)
        self._finished = False
        self._deadline = time.monotonic() + timeout_s

    def __repr__(self) -> str:
        return f"PinSession({self._device}, {self._entry!r}, finished={self._finished})"

    @property
    def digits_count(self) -> int:
        return self._entry.count

    def start_watchdog(self) -> None:
        name = f"{self._device}-pin-timeout"
        threading.Thread(target=self._watch, name=name, daemon=True).start()

    def press(self, key: str) -> bool:
        """Feed one key; False when this request has already finished (the key is discarded)."""
        with self._lock:
            if self._finished:
                return False
            self._deadline = time.monotonic() + self._timeout_s
            step = self._entry.press(key)
            if step is EntryStep.CHANGED:
                log.debug("%s: PIN entry changed (n=%d)", self._device, self._entry.count)
                _call_handler(self._on_progress, self._entry.count, self._device)
            elif step is EntryStep.ENTERED:
                log.debug("%s: PIN entered (n=%d)", self._device, self._entry.count)
                self._finish(PinResult(PinOutcome.ENTERED, pin=self._entry.take_pin()))
            elif step is EntryStep.CANCELLED:
                self._finish(PinResult(PinOutcome.CANCELLED))
            return True

    def cancel(self) -> None:
        self._finish_unless_done(PinResult(PinOutcome.CANCELLED))

    def fail(self, error: DeviceError) -> None:
        """The keypad cannot be used (unplugged, missing, grabbed by another program)."""
        self._finish_unless_done(PinResult(PinOutcome.DISCONNECTED, error=error))

    def _finish_unless_done(self, result: PinResult) -> None:
        with self._lock:
            if not self._finished:
                self._finish(result)

    def _finish(self, result: PinResult) -> None:
        self._finished = True
        self._entry.wipe()
        self._woken.notify_all()
        log.info("%s: PIN request ended: %s", self._device, result.outcome.value)
        try:
            self._on_finished(self)
        finally:
            _call_handler(self._on_done, result, self._device)

    def _watch(self) -> None:
        with self._lock:
            while not self._finished:
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    error = DeviceTimeout(self._device, "pin_timeout", f"{self._timeout_s}s idle")
                    self._finish(PinResult(PinOutcome.TIMED_OUT, error=error))
                    return
                self._woken.wait(remaining)


def _call_handler(handler: Callable[..., None], argument: object, device: str) -> None:
    try:
        handler(argument)
    except Exception:
        # The UI's bug must not leave the keypad grabbed or the request half-finished.
        log.exception("%s: PIN handler failed", device)


class PinRequests:
    """The request a PinPad has open (at most one): starts it on a device acquired with
    `acquire` (open + grab; raises DeviceError), routes keys to it, releases with `release`.
    A new request cancels the one still open (CANCELLED) first."""

    def __init__(
        self, device: str, *, acquire: Callable[[], None], release: Callable[[], None]
    ) -> None:
        self._device = device
        self._acquire = acquire
        self._release = release
        self._lock = threading.Lock()
        self._current: PinSession | None = None
        self._keys_discarded = 0

    @property
    def requested(self) -> bool:
        return self._current is not None

    @property
    def digits_count(self) -> int:
        current = self._current
        return current.digits_count if current is not None else 0

    @property
    def keys_discarded(self) -> int:
        """Keys that arrived while no PIN was requested (dropped, never buffered)."""
        return self._keys_discarded

    def start(
        self,
        on_progress: ProgressHandler,
        on_done: DoneHandler,
        *,
        max_digits: int,
        timeout_s: float,
    ) -> None:
        session = PinSession(
            self._device, max_digits=max_digits, timeout_s=timeout_s,
            on_progress=on_progress, on_done=on_done, on_finished=self._finished,
        )
        self.cancel()
        log.info("%s: PIN requested (max_digits=%d, timeout_s=%s)",
                 self._device, max_digits, timeout_s)
        try:
            with self._lock:
                self._acquire()
                self._current = session
        except DeviceError as error:
            session.fail(error)
            return
        session.start_watchdog()

    def press(self, key: str) -> None:
        # Session calls happen outside self._lock: a session's lock is always taken first.
        current = self._current
        if current is not None and current.press(key):
            return
        with self._lock:
            self._keys_discarded += 1
        log.debug("%s: key discarded, no PIN requested", self._device)

    def cancel(self) -> None:
        current = self._current
        if current is not None:
            current.cancel()

    def fail(self, error: DeviceError) -> None:
        current = self._current
        if current is not None:
            current.fail(error)

    def _finished(self, session: PinSession) -> None:
        with self._lock:
            if self._current is not session:
                return
            self._current = None
            self._release()
