"""A simulated card reader, shipped as production code (config `kind = "simulated"`): for the
terminal's demo mode, for development without hardware, and for tests.

It behaves like the PC/SC reader as the terminal sees it: a card with a card number comes as
source MEMBER_APP, a UID-only card as CONTACTLESS, a card with neither as
ReaderFault(unknown_card); every card that was reported ends with CardRemoved; unplugging reports
CardRemoved (if a card was there) and ReaderFault(reader_unplugged), and cards are not seen until
replug(). Events are delivered on the reader's own thread, in order; with `synchronous=True` they
are delivered inside the call that caused them (present/remove/...), which tests may prefer.
"""

from __future__ import annotations

import logging
import queue
import threading

from huiyuan_devices.cardreader.base import (
    CardEvent,
    CardEventHandler,
    CardPresented,
    CardRemoved,
    CardSource,
    ReaderFault,
)
from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError

logger = logging.getLogger(__name__)

DEFAULT_SIMULATED_DEVICE_NAME = "card_reader"


class SimulatedCardReader:
    def __init__(self, name: str = DEFAULT_SIMULATED_DEVICE_NAME, *,
                 synchronous: bool = False) -> None:
        self.name = name
        self.synchronous = synchronous
        self._lock = threading.RLock()
        self._on_event: CardEventHandler | None = None
        self._queue: queue.Queue[CardEvent | None] = queue.Queue()  # None ends delivery
        self._thread: threading.Thread | None = None
        self._events_sent: list[CardEvent] = []
        self._card: CardPresented | ReaderFault | None = None  # what the card on it reads as
        self._plugged_in = True

    # --- the CardReader Protocol ----------------------------------------------------------

    def start(self, on_event: CardEventHandler) -> None:
        with self._lock:
            if self._on_event is not None:
                raise RuntimeError(f"card reader {self.name} is already started")
            self._on_event = on_event
            if not self.synchronous:
                self._queue = queue.Queue()  # nothing left over from before a stop()
                self._thread = threading.Thread(target=self._deliver_queued, args=(self._queue,),
                                                name=f"simulated-{self.name}", daemon=True)
                self._thread.start()
            # Like a real reader: report what is there when watching begins.
            if not self._plugged_in:
                self._send(self._unplugged_fault())
            elif self._card is not None:
                self._send(self._card)

    def stop(self) -> None:
        with self._lock:
            self._on_event = None
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(5.0)

    # --- what a person or a fault does ----------------------------------------------------

    def present(self, uid: str = "", card_no: str = "", source: CardSource | None = None) -> bool:
        """Put a card on the reader. `source` defaults to what the PC/SC reader would say
        (MEMBER_APP with a card number, CONTACTLESS without). A card already there is removed
        first. Returns False (and reports nothing) while the reader is unplugged."""
        with self._lock:
            if not self._plugged_in:
                return False
            self.remove()
            if uid or card_no:
                source = source or (CardSource.MEMBER_APP if card_no else CardSource.CONTACTLESS)
                self._card = CardPresented(self.name, uid=uid.upper(), card_no=card_no,
                                           source=source)
            else:
                error = DeviceProtocolError(self.name, "unknown_card",
                                            "no member application and no UID")
                self._card = ReaderFault(self.name, error)
            self._send(self._card)
            return True

    def remove(self) -> None:
        """Take the card away (nothing happens when there is none)."""
        with self._lock:
            if self._card is not None:
                self._card = None
                self._send(CardRemoved(self.name))

    def inject_fault(self, error: DeviceError) -> None:
        """Report a fault, e.g. DeviceProtocolError(name, "card_removed")."""
        self._send(ReaderFault(self.name, error))

    def unplug(self) -> None:
        with self._lock:
            if not self._plugged_in:
                return
            self.remove()
            self._plugged_in = False
            self._send(self._unplugged_fault())

    def replug(self) -> None:
        """The reader is back; like the PC/SC reader this reports nothing until a card comes."""
        with self._lock:
            self._plugged_in = True

    # --- inspection -----------------------------------------------------------------------

    @property
    def events_sent(self) -> list[CardEvent]:
        """Every event handed to the handler so far, oldest first (a copy)."""
        with self._lock:
            return list(self._events_sent)

    @property
    def card_present(self) -> bool:
        return self._card is not None

    @property
    def plugged_in(self) -> bool:
        return self._plugged_in

    # --- delivery -------------------------------------------------------------------------

    def _unplugged_fault(self) -> ReaderFault:
        return ReaderFault(self.name, DeviceNotFound(self.name, "reader_unplugged",
                                                     "simulated unplug"))

    def _send(self, event: CardEvent) -> None:
        with self._lock:
            if self._on_event is None:
                return  # not watching: a real reader would not report either
            if self.synchronous:
                self._call_handler(self._on_event, event)
            else:
                self._queue.put(event)

    def _deliver_queued(self, events: queue.Queue[CardEvent | None]) -> None:
        while True:
            event = events.get()
            with self._lock:
                handler = self._on_event
            if event is None or handler is None:
                return
            self._call_handler(handler, event)

    def _call_handler(self, handler: CardEventHandler, event: CardEvent) -> None:
        with self._lock:
            self._events_sent.append(event)
        try:
            handler(event)
        except Exception:
            logger.exception("card reader %s: event handler failed on %s", self.name,
                             type(event).__name__)
