"""Reading key presses from a Linux input device (evdev), shared by the PIN keypad and the
keyboard-wedge card reader.

Both devices are USB keyboards to the kernel. We open the one we were configured with, grab it
exclusively while it matters (so its keys never reach the cashier's screen), and read its events on
a thread of our own. The thread waits in poll() on the device and on a stop pipe, so stopping it
never depends on someone pressing a key. An unplugged device shows as ENODEV/EBADF from read(), or
as end of input; both become DeviceNotFound.

Nothing here logs key codes or characters: on the keypad they are PIN digits.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import evdev
from evdev import ecodes
from evdev.events import InputEvent

from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError
from huiyuan_devices.keypad.entry import PadKey

log = logging.getLogger(__name__)

KEY_DOWN = 1  # evdev key values: 0 up, 1 down, 2 auto-repeat
_POLL_GONE = select.POLLERR | select.POLLHUP | select.POLLNVAL

# A translator turns one EV_KEY event (code, value) into a key name or character, or None.
KeyTranslator = Callable[[int, int], str | None]
# Receives what the translator returned and the event's kernel timestamp in seconds.
KeyHandler = Callable[[str, float], None]

_DIGIT_KEYS = {getattr(ecodes, f"KEY_{digit}"): str(digit) for digit in range(10)}
_KEYPAD_DIGIT_KEYS = {getattr(ecodes, f"KEY_KP{digit}"): str(digit) for digit in range(10)}
_ENTER_KEYS = (ecodes.KEY_ENTER, ecodes.KEY_KPENTER)

PIN_PAD_KEYS: dict[int, str] = {
    **_DIGIT_KEYS,
    **_KEYPAD_DIGIT_KEYS,
    ecodes.KEY_ENTER: PadKey.ENTER,
    ecodes.KEY_KPENTER: PadKey.ENTER,
    ecodes.KEY_BACKSPACE: PadKey.BACKSPACE,
    ecodes.KEY_ESC: PadKey.ESC,
    # USB PIN pads put their "clear/correct" key on Delete or on Num Lock, depending on the make.
    ecodes.KEY_DELETE: PadKey.CLEAR,
    ecodes.KEY_NUMLOCK: PadKey.CLEAR,
}

_SHIFTED_DIGITS = ")!@#$%^&*("  # US layout: Shift+0 .. Shift+9; magnetic stripes use % and ^
_WEDGE_PUNCTUATION = {
    ecodes.KEY_SEMICOLON: (";", ":"),  # ';' starts track 2
    ecodes.KEY_SLASH: ("/", "?"),  # '?' ends every track
    ecodes.KEY_EQUAL: ("=", "+"),  # '=' separates the card number on track 2; '+' starts track 3
    ecodes.KEY_MINUS: ("-", "_"),
    ecodes.KEY_DOT: (".", ">"),
    ecodes.KEY_COMMA: (",", "<"),
    ecodes.KEY_SPACE: (" ", " "),
}
WEDGE_CHARACTERS: dict[int, tuple[str, str]] = {
    **{getattr(ecodes, f"KEY_{letter}"): (letter.lower(), letter) for letter in
       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{code: (digit, _SHIFTED_DIGITS[int(digit)]) for code, digit in _DIGIT_KEYS.items()},
    **{code: (digit, digit) for code, digit in _KEYPAD_DIGIT_KEYS.items()},
    **_WEDGE_PUNCTUATION,
}
_SHIFT_KEYS = (ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT)
WEDGE_END_OF_LINE = "\n"


def pin_pad_key(code: int, value: int) -> str | None:
    """Key-down of a PIN pad key -> its PadKey name or digit; repeats and releases -> None (a held
    digit must not enter itself twice)."""
    if value != KEY_DOWN:
        return None
    return PIN_PAD_KEYS.get(code)


class WedgeKeyTranslator:
    """Characters a keyboard-wedge reader types, with Shift for upper case and sentinels.
    Stateful (Shift is held across events), so one instance per device."""

    def __init__(self) -> None:
        self._shift_down = False

    def __call__(self, code: int, value: int) -> str | None:
        if code in _SHIFT_KEYS:
            self._shift_down = value != 0
            return None
        if value != KEY_DOWN:
            return None
        if code in _ENTER_KEYS:
            return WEDGE_END_OF_LINE
        pair = WEDGE_CHARACTERS.get(code)
        if pair is None:
            return None
        return pair[1] if self._shift_down else pair[0]

    def reset(self) -> None:
        self._shift_down = False


class GrabbableInput(Protocol):
    """What we need of an input device: evdev.InputDevice, or in tests any evdev EventIO
    subclass over a pipe that defines grab/ungrab."""

    fd: int

    def read(self) -> Iterator[InputEvent]: ...

    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class InputFaults:
    """Turns OS errors of one input device into our errors, with that device's reasons."""

    device: str
    unplugged_reason: str  # e.g. keypad_disconnected, reader_unplugged
    busy_reason: str  # grab refused: another program holds the device
    no_access_reason: str  # the terminal user may not open the device node (udev rule missing)

    def unplugged(self, detail: str) -> DeviceNotFound:
        return DeviceNotFound(self.device, self.unplugged_reason, detail)

    def from_open_error(self, error: OSError) -> DeviceError:
        if isinstance(error, PermissionError):
            return DeviceNotFound(self.device, self.no_access_reason, _describe(error))
        return self.unplugged(_describe(error))

    def from_grab_error(self, error: OSError) -> DeviceError:
        if error.errno in (errno.ENODEV, errno.EBADF, errno.ENOENT):
            return self.unplugged(_describe(error))
        return DeviceProtocolError(self.device, self.busy_reason, _describe(error))


def _describe(error: OSError) -> str:
    name = errno.errorcode.get(error.errno or 0, "")
    return f"{name} {error.strerror or error}".strip()


def open_input_device(
    *, path: str = "", name_contains: str = "", input_dir: str = "/dev/input"
) -> evdev.InputDevice:
    """Open the device at `path`, else the first (by path) whose name contains `name_contains`
    (case-insensitive). Raises OSError (FileNotFoundError when nothing matches)."""
    if path:
        return evdev.InputDevice(path)
    if not name_contains:
        raise ValueError("an input device needs `device` (a path) or `name` (part of its name)")
    wanted = name_contains.casefold()
    for candidate in sorted(evdev.list_devices(input_dir, writable=False)):
        try:
            device = evdev.InputDevice(candidate)
        except OSError:
            continue  # not ours to read; the configured one is reported as missing below
        if wanted in device.name.casefold():
            return device
        device.close()
    raise FileNotFoundError(
        errno.ENOENT, f"no input device in {input_dir} whose name contains {name_contains!r}"
    )


def input_device_opener(config: Mapping[str, Any]) -> Callable[[], evdev.InputDevice]:
    """The opener for a config table with `device` (path) or `name` (substring of the name)."""
    path = str(config.get("device", "") or "")
    name_contains = str(config.get("name", "") or "")
    if not path and not name_contains:
        raise ValueError("an evdev device needs `device` (a path) or `name` (part of its name)")
    input_dir = str(config.get("input_dir", "/dev/input"))

    def open_configured() -> evdev.InputDevice:
        return open_input_device(path=path, name_contains=name_contains, input_dir=input_dir)

    return open_configured


def grab_exclusively(device: GrabbableInput, faults: InputFaults) -> None:
    try:
        device.grab()
    except OSError as error:
        raise faults.from_grab_error(error) from error


def release_grab(device: GrabbableInput) -> None:
    try:
        device.ungrab()
    except OSError as error:
        # Already gone (unplugged) or never grabbed: nothing is held any more either way.
        log.debug("ungrab failed: %s", _describe(error))


def close_quietly(device: GrabbableInput) -> None:
    try:
        device.close()
    except OSError as error:
        log.debug("closing input device failed: %s", _describe(error))


class StopSignal:
    """A flag another thread can wait on, and a pipe that makes poll() return when it is set."""

    def __init__(self) -> None:
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._event = threading.Event()
        self._lock = threading.Lock()  # set() must never write to a closed (or reused) fd
        self._closed = False

    def fileno(self) -> int:
        return self._read_fd

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            first_time = not self._event.is_set()
            self._event.set()
            if first_time and not self._closed:
                os.write(self._write_fd, b"x")

    def wait(self, timeout_s: float) -> bool:
        """True when set (before or during the wait)."""
        return self._event.wait(timeout_s)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            os.close(self._read_fd)
            os.close(self._write_fd)


class KeyEventPump:
    """Reads one device until `stop` is set (returns None) or the device goes away (returns the
    DeviceNotFound). Runs on the caller's thread; calls `on_key` for every translated key-down."""

    def __init__(
        self,
        device: GrabbableInput,
        *,
        translate: KeyTranslator,
        on_key: KeyHandler,
        faults: InputFaults,
        stop: StopSignal,
    ) -> None:
        self._device = device
        self._translate = translate
        self._on_key = on_key
        self._faults = faults
        self._stop = stop

    def run(self) -> DeviceNotFound | None:
        device_fd = self._device.fd
        try:
            os.set_blocking(device_fd, False)  # evdev opens non-blocking; a test pipe is not
        except OSError as error:
            return self._faults.unplugged(_describe(error))
        poller = select.poll()
        poller.register(device_fd, select.POLLIN | select.POLLPRI)
        poller.register(self._stop.fileno(), select.POLLIN)
        while not self._stop.is_set():
            ready = poller.poll()  # no time-out: the stop pipe wakes us
            if self._stop.is_set():
                break
            for fd, flags in ready:
                if fd != device_fd:
                    continue
                unplugged = self._read_batch(flags)
                if unplugged is not None:
                    return unplugged
        return None

    def _read_batch(self, poll_flags: int) -> DeviceNotFound | None:
        try:
            events = list(self._device.read())
        except BlockingIOError:
            if poll_flags & _POLL_GONE:
                # Hung up with nothing to read: waiting on would spin on the same answer.
                return self._faults.unplugged("hung up")
            return None  # woken, but nothing to read after all
        except OSError as error:
            return self._faults.unplugged(_describe(error))
        if not events:
            # Readable with nothing to read is end of input: a device whose other end went away.
            return self._faults.unplugged("end of input")
        for event in events:
            self._dispatch(event)
        return None

    def _dispatch(self, event: InputEvent) -> None:
        if event.type != ecodes.EV_KEY:
            return  # SYN, MSC scan codes, LEDs, a mouse's REL: nothing a key press needs
        key = self._translate(event.code, event.value)
        if key is None:
            return
        try:
            self._on_key(key, event.timestamp())
        except Exception:
            # A handler bug must not stop the device; the key itself is not logged (PIN digit).
            log.exception("%s: key handler failed", self._faults.device)


class KeyReaderThread:
    """A KeyEventPump on its own daemon thread. `on_unplugged` runs on that thread when the
    device goes away, after which the thread ends."""

    def __init__(
        self,
        device: GrabbableInput,
        *,
        translate: KeyTranslator,
        on_key: KeyHandler,
        on_unplugged: Callable[[DeviceNotFound], None],
        faults: InputFaults,
        join_timeout_s: float = 2.0,
    ) -> None:
        self._stop = StopSignal()
        self._pump = KeyEventPump(
            device, translate=translate, on_key=on_key, faults=faults, stop=self._stop
        )
        self._on_unplugged = on_unplugged
        self._join_timeout_s = join_timeout_s
        self._thread = threading.Thread(
            target=self._run, name=f"{faults.device}-keys", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            unplugged = self._pump.run()
            if unplugged is not None:
                self._on_unplugged(unplugged)
        finally:
            self._stop.close()

    def stop(self) -> None:
        """Stop reading; returns once the thread has ended (or at once on the thread itself)."""
        self._stop.set()
        if self._thread.ident is None:
            self._stop.close()  # never started: nobody else will close the pipe
            return
        if self._thread is threading.current_thread() or not self._thread.is_alive():
            return
        self._thread.join(self._join_timeout_s)
        if self._thread.is_alive():
            log.warning("%s: key reader did not stop in time", self._thread.name)
