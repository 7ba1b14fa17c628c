"""Keyboard-wedge card readers (magnetic stripe, RFID, ID readers that type what they read and
press Enter), read through evdev.

The reader is grabbed exclusively for as long as it is started, so a card number never lands in
whatever field the cashier's screen has focus on. Each line typed becomes CardPresented (source
WEDGE). An unplugged reader is reported once as ReaderFault(reader_unplugged); the reader is then
opened again every `reopen_interval_s` until it is back, and reports cards normally from then on.

    [card_reader]
    kind = "wedge"
    device = "/dev/input/member-wedge"   # or: name = "part of the device name"
    wedge_value = "card_no"              # or "uid" (RFID readers typing the card's UID)
    uid_decimal_byte_order = ""          # "msb" / "lsb": the UID is typed as a decimal number
    char_timeout_s = 0.5                 # a pause this long inside a line drops the partial line
    max_length = 64                      # longer lines are ReaderFault(unknown_card)
    reopen_interval_s = 2.0
    label = "wedge"                      # our name for it in events, errors and logs
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from huiyuan_devices.cardreader.base import (
    CardEvent,
    CardEventHandler,
    CardPresented,
    CardSource,
    ReaderFault,
)
from huiyuan_devices.cardreader.wedge_text import (
    TypedLine,
    UnreadableCard,
    WedgeLineAssembler,
    card_text,
    uid_from_typed,
)
from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError
from huiyuan_devices.evdev_input import (
    GrabbableInput,
    InputFaults,
    KeyEventPump,
    StopSignal,
    WedgeKeyTranslator,
    close_quietly,
    grab_exclusively,
    input_device_opener,
    release_grab,
)

log = logging.getLogger(__name__)

WEDGE_VALUES = ("card_no", "uid")
UID_BYTE_ORDERS = ("", "msb", "lsb")


class WedgeCardReader:
    """`open_device` returns an opened input device and raises OSError when it cannot."""

    def __init__(
        self,
        name: str = "wedge",
        *,
        open_device: Callable[[], GrabbableInput],
        wedge_value: str = "card_no",
        uid_decimal_byte_order: str = "",
        char_timeout_s: float = 0.5,
        max_length: int = 64,
        reopen_interval_s: float = 2.0,
    ) -> None:
        if wedge_value not in WEDGE_VALUES:
            raise ValueError(f"wedge_value must be one of {WEDGE_VALUES}, got {wedge_value!r}")
        if uid_decimal_byte_order not in UID_BYTE_ORDERS:
            raise ValueError(f"uid_decimal_byte_order must be one of {UID_BYTE_ORDERS}")
        self.name = name
        self._open_device = open_device
        self._wedge_value = wedge_value
        self._uid_byte_order = uid_decimal_byte_order
        self._char_timeout_s = char_timeout_s
        self._max_length = max_length
        self._reopen_interval_s = reopen_interval_s
        self._faults = InputFaults(
            name, unplugged_reason="reader_unplugged", busy_reason="reader_busy",
            no_access_reason="reader_no_access",
        )
        self._on_event: CardEventHandler | None = None
        self._stop: StopSignal | None = None
        self._thread: threading.Thread | None = None
        self._grabbed_device: GrabbableInput | None = None

    def __repr__(self) -> str:
        return f"WedgeCardReader({self.name!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def grabbed(self) -> bool:
        return self._grabbed_device is not None

    def start(self, on_event: CardEventHandler) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already started")
        self._on_event = on_event
        self._stop = StopSignal()
        self._thread = threading.Thread(
            target=self._watch, args=(self._stop,), name=f"{self.name}-wedge", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; returns once the thread has released the device (at once when called
        from an event handler, on the thread itself). Safe to call twice."""
        thread, stop = self._thread, self._stop
        self._thread = self._stop = None
        if thread is None or stop is None:
            return
        stop.set()
        if thread is not threading.current_thread():
            thread.join(2.0)
            if thread.is_alive():
                log.warning("%s: wedge reader did not stop in time", self.name)

    def _watch(self, stop: StopSignal) -> None:
        try:
            self._watch_until_stopped(stop)
        finally:
            stop.close()  # here, not in stop(): only this thread knows when poll() is done

    def _watch_until_stopped(self, stop: StopSignal) -> None:
        outage_reported = False
        while not stop.is_set():
            try:
                device = self._open_and_grab()
            except DeviceError as error:
                if not outage_reported:
                    self._emit(ReaderFault(self.name, error))
                    outage_reported = True
                stop.wait(self._reopen_interval_s)
                continue
            if outage_reported:
                log.info("%s: wedge reader is back", self.name)
            outage_reported = False
            unplugged = self._read_until_gone(device, stop)
            if unplugged is not None:
                self._emit(ReaderFault(self.name, unplugged))
                outage_reported = True
                stop.wait(self._reopen_interval_s)

    def _open_and_grab(self) -> GrabbableInput:
        try:
            device = self._open_device()
        except OSError as error:
            raise self._faults.from_open_error(error) from error
        try:
            grab_exclusively(device, self._faults)
        except DeviceError:
            close_quietly(device)
            raise
        self._grabbed_device = device
        return device

    def _read_until_gone(self, device: GrabbableInput, stop: StopSignal) -> DeviceNotFound | None:
        assembler = WedgeLineAssembler(
            char_timeout_s=self._char_timeout_s, max_length=self._max_length
        )

        def on_char(char: str, at_s: float) -> None:
            line = assembler.feed(char, at_s)
            if line is not None:
                self._emit(self._event_for(line))

        pump = KeyEventPump(
            device, translate=WedgeKeyTranslator(), on_key=on_char, faults=self._faults, stop=stop
        )
        try:
            return pump.run()
        finally:
            self._grabbed_device = None
            release_grab(device)
            close_quietly(device)

    def _event_for(self, line: TypedLine) -> CardEvent:
        if line.too_long:
            detail = f"more than {self._max_length} characters before Enter"
            return ReaderFault(self.name, DeviceProtocolError(self.name, "unknown_card", detail))
        try:
            text = card_text(line.text)
            if self._wedge_value == "uid":
                uid = uid_from_typed(text, self._uid_byte_order)
                log.debug("%s: UID typed (length=%d)", self.name, len(uid))
                return CardPresented(self.name, uid=uid, source=CardSource.WEDGE)
        except UnreadableCard as problem:
            error = DeviceProtocolError(self.name, "unknown_card", str(problem))
            return ReaderFault(self.name, error)
        log.debug("%s: card number typed (length=%d)", self.name, len(text))
        return CardPresented(self.name, card_no=text, source=CardSource.WEDGE)

    def _emit(self, event: CardEvent) -> None:
        handler = self._on_event
        if handler is None:
            return
        try:
            handler(event)
        except Exception:
            log.exception("%s: card event handler failed", self.name)


def create_wedge_reader(config: Mapping[str, Any]) -> WedgeCardReader:
    """A WedgeCardReader from a config table (keys in this module's docstring)."""
    return WedgeCardReader(
        str(config.get("label", "wedge")),
        open_device=input_device_opener(config),
        wedge_value=str(config.get("wedge_value", "card_no")),
        uid_decimal_byte_order=str(config.get("uid_decimal_byte_order", "")),
        char_timeout_s=float(config.get("char_timeout_s", 0.5)),
        max_length=int(config.get("max_length", 64)),
        reopen_interval_s=float(config.get("reopen_interval_s", 2.0)),
    )
