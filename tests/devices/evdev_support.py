"""Keyboards for tests without /dev/input or uinput (see /work/shared/TESTING-HARDWARE.md).

`PipeInputDevice` is an evdev EventIO whose fd is the read end of a pipe, so evdev's own C reader
decodes what `EventWriter` writes in the kernel's event layout. Closing the write end (unplug())
is what an unplugged keyboard looks like to a reader: end of input.
"""

from __future__ import annotations

import errno
import os
import struct
import threading
from collections.abc import Iterable

from evdev import ecodes
from evdev.eventio import EventIO

KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
_EVENT_LAYOUT = "llHHi"  # struct input_event on 64-bit Linux: timeval, type, code, value

PIN_KEY_CODES = {
    **{str(digit): getattr(ecodes, f"KEY_{digit}") for digit in range(10)},
    "enter": ecodes.KEY_ENTER,
    "backspace": ecodes.KEY_BACKSPACE,
    "clear": ecodes.KEY_DELETE,
    "esc": ecodes.KEY_ESC,
}
_PLAIN_CHARS = {
    **{str(digit): getattr(ecodes, f"KEY_{digit}") for digit in range(10)},
    **{letter: getattr(ecodes, f"KEY_{letter.upper()}") for letter in "abcdefghijklmnopqrstuvwxyz"},
    ";": ecodes.KEY_SEMICOLON, "/": ecodes.KEY_SLASH, "=": ecodes.KEY_EQUAL,
    "-": ecodes.KEY_MINUS, " ": ecodes.KEY_SPACE, "\n": ecodes.KEY_ENTER,
}
_SHIFTED_CHARS = {
    **{letter.upper(): code for letter, code in _PLAIN_CHARS.items() if letter.isalpha()},
    "?": ecodes.KEY_SLASH, "%": ecodes.KEY_5, "^": ecodes.KEY_6,
}


class PipeInputDevice(EventIO):
    """An input device over a pipe; grab/ungrab only record (a pipe has no EVIOCGRAB)."""

    def __init__(self, name: str = "test keyboard") -> None:
        self.fd, self.write_fd = os.pipe()
        self.name = name
        self.path = f"pipe:{self.fd}"
        self.grabbed = False
        self.grab_calls = 0
        self.ungrab_calls = 0
        self.grab_error: OSError | None = None  # set to make the next grab() fail
        self.closed = False
        self.unplugged = False
        self._lock = threading.Lock()

    def grab(self) -> None:
        if self.grab_error is not None:
            raise self.grab_error
        self.grab_calls += 1
        self.grabbed = True

    def ungrab(self) -> None:
        self.ungrab_calls += 1
        self.grabbed = False

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                os.close(self.fd)

    def unplug(self) -> None:
        """Close the write end: the reader sees end of input."""
        with self._lock:
            if not self.unplugged:
                self.unplugged = True
                os.close(self.write_fd)

    def discard(self) -> None:
        """Test clean-up: release both ends."""
        self.unplug()
        self.close()


class EventWriter:
    """Writes kernel-layout events with a fake clock (`pause()` moves it, nothing sleeps)."""

    def __init__(self, device: PipeInputDevice, start_s: float = 1_700_000_000.0) -> None:
        self._device = device
        self.now_s = start_s

    def event(self, event_type: int, code: int, value: int) -> None:
        self.events([(event_type, code, value)])

    def events(self, events: Iterable[tuple[int, int, int]]) -> None:
        """One write (atomic for a pipe under 4 KiB) of the events, each followed by SYN."""
        data = b"".join(
            self._pack(event_type, code, value) + self._pack(ecodes.EV_SYN, ecodes.SYN_REPORT, 0)
            for event_type, code, value in events
        )
        os.write(self._device.write_fd, data)

    def tap(self, code: int) -> None:
        self.events([(ecodes.EV_KEY, code, KEY_DOWN), (ecodes.EV_KEY, code, KEY_UP)])

    def pin_keys(self, keys: Iterable[str]) -> None:
        """PIN pad keys by name: "0".."9", "enter", "backspace", "clear", "esc"."""
        for key in keys:
            self.tap(PIN_KEY_CODES[key])

    def type_text(self, text: str) -> None:
        """What a wedge reader types: US layout, Shift held for upper case and ? % ^.

        All of it in one write, as a real reader's burst arrives: a reader that stops
        after the first line must not make the rest of the burst fail with EPIPE."""
        self.events(event for char in text for event in _key_strokes(char))

    def pause(self, seconds: float) -> None:
        self.now_s += seconds

    def _pack(self, event_type: int, code: int, value: int) -> bytes:
        self.now_s += 0.004  # a wedge types about one character every few milliseconds
        seconds = int(self.now_s)
        micros = round((self.now_s - seconds) * 1_000_000) % 1_000_000
        return struct.pack(_EVENT_LAYOUT, seconds, micros, event_type, code, value)


class DeviceSupply:
    """An `open_device` for drivers: hands out fresh PipeInputDevices (a re-plugged keyboard);
    `missing = True` makes opening fail as a missing device node does."""

    def __init__(self) -> None:
        self.opened: list[PipeInputDevice] = []
        self.open_calls = 0
        self.missing = False
        self.open_error: OSError | None = None
        self.grab_error: OSError | None = None  # given to every device opened from now on

    def __call__(self) -> PipeInputDevice:
        self.open_calls += 1
        if self.open_error is not None:
            raise self.open_error
        if self.missing:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        device = PipeInputDevice()
        device.grab_error = self.grab_error
        self.opened.append(device)
        return device

    @property
    def current(self) -> PipeInputDevice:
        return self.opened[-1]

    def writer(self) -> EventWriter:
        return EventWriter(self.current)

    def discard_all(self) -> None:
        for device in self.opened:
            device.discard()


def _key_strokes(char: str) -> list[tuple[int, int, int]]:
    if char in _PLAIN_CHARS:
        code = _PLAIN_CHARS[char]
        return [(ecodes.EV_KEY, code, KEY_DOWN), (ecodes.EV_KEY, code, KEY_UP)]
    shift, code = ecodes.KEY_LEFTSHIFT, _SHIFTED_CHARS[char]
    return [
        (ecodes.EV_KEY, shift, KEY_DOWN),
        (ecodes.EV_KEY, code, KEY_DOWN),
        (ecodes.EV_KEY, code, KEY_UP),
        (ecodes.EV_KEY, shift, KEY_UP),
    ]
