"""A simulated card reader, shipped as production code (config `kind = "simulated"`): for the
terminal's demo mode, for development without hardware, and for tests.

It behaves like the PC/SC reader as the terminal sees it: a card with a card number comes as
source MEMBER_APP, a UID-only card as CONTACTLESS, a card with neither as
ReaderFault(unknown_card); every card that was reported ends with CardRemoved; unplugging reports
CardRemoved (if a card was there) and ReaderFault(reader_unplugged), and cards are not seen until
replug(). Events are delivered on the reader's own thread, in order; with `synchronous=True` they
are delivered inside the call that caused them (present/remove/...), which tests may prefer.

PIN commands (base.CardPinReader) behave as on the PC/SC reader with our virtual member card: a
member card keeps a card_pin.CardPin (the same class the virtual card answers with), and each
command is the same APDU through the same interpretation, waiting for a card the same way.
"""

from __future__ import annotations

import logging
import queue
import threading

from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.base import (
    CardEvent,
    CardEventHandler,
    CardPresented,
    CardRemoved,
    CardSource,
    ReaderFault,
)
from huiyuan_devices.cardreader.card_pin import CardPin
from huiyuan_devices.cardreader.pin_commands import ApduBuilder, CardPinCommands
from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError

logger = logging.getLogger(__name__)

DEFAULT_SIMULATED_DEVICE_NAME = "card_reader"


class SimulatedCardReader(CardPinCommands):
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
        self._card_pin: CardPin | None = None  # the PIN of the member card on it
        self._card_changed = threading.Condition(self._lock)
        self._pull_at_pin_command = False
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

    def present(self, uid: str = "", card_no: str = "", source: CardSource | None = None, *,
                card_pin: CardPin | None = None) -> bool:
        """Put a card on the reader. `source` defaults to what the PC/SC reader would say
        (MEMBER_APP with a card number, CONTACTLESS without). A card with a card number carries
        our member application and its PIN: `card_pin`, kept across presentations when the
        caller keeps it, or a new one without a PIN. A card already there is removed first.
        Returns False (and reports nothing) while the reader is unplugged."""
        with self._lock:
            if not self._plugged_in:
                return False
            self.remove()
            if card_no:
                self._card_pin = card_pin if card_pin is not None else CardPin()
            if uid or card_no:
                source = source or (CardSource.MEMBER_APP if card_no else CardSource.CONTACTLESS)
                self._card = CardPresented(self.name, uid=uid.upper(), card_no=card_no,
                                           source=source)
            else:
                error = DeviceProtocolError(self.name, "unknown_card",
                                            "no member application and no UID")
                self._card = ReaderFault(self.name, error)
            self._send(self._card)
            self._card_changed.notify_all()
            return True

    def remove(self) -> None:
        """Take the card away (nothing happens when there is none)."""
        with self._lock:
            self._card_pin = None
            self._pull_at_pin_command = False
            if self._card is not None:
                self._card = None
                self._send(CardRemoved(self.name))

    def pull_card_at_next_pin_command(self) -> None:
        """The member pulls the card away as the next PIN command reaches it: the command
        raises card_removed (no try counted, as with the virtual card) and CardRemoved follows."""
        with self._lock:
            self._pull_at_pin_command = True

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
            self._card_changed.notify_all()

    def replug(self) -> None:
        """The reader is back; like the PC/SC reader this reports nothing until a card comes."""
        with self._lock:
            self._plugged_in = True

    # --- PIN commands (pin_commands.CardPinCommands) --------------------------------------

    def _exchange_pin_apdu(self, build_apdu: ApduBuilder, timeout_s: float,
                           card_no: str) -> tuple[int, int]:
        with self._card_changed:
            self._card_changed.wait_for(lambda: self._card is not None or not self._plugged_in,
                                        timeout_s)
            card_pin = self._selected_card_pin(card_no)
            if self._pull_at_pin_command:
                self._pull_at_pin_command = False
                self.remove()
                raise DeviceProtocolError(self.name, "card_removed",
                                          "the card left during a PIN command")
            apdu = build_apdu()
            try:
                status_word = card_pin.answer(apdu)
            finally:
                member_app.wipe_buffer(apdu)
            return status_word[0], status_word[1]

    def _selected_card_pin(self, card_no: str) -> CardPin:
        """What SELECT (and READ BINARY, with `card_no`) find on the card there now."""
        if not self._plugged_in:
            raise self._unplugged_fault().error
        card, card_pin = self._card, self._card_pin
        if card is None:
            raise DeviceProtocolError(self.name, "card_removed", "no card on the reader")
        if not isinstance(card, CardPresented) or card_pin is None:
            raise DeviceProtocolError(self.name, "unknown_card", "no member application")
        if card_no and card.card_no != card_no:
            raise DeviceProtocolError(self.name, "card_removed", "another card is on the reader")
        card_pin.deselect()  # SELECT ends the verified state, as on the card
        return card_pin

    # --- inspection -----------------------------------------------------------------------

    @property
    def events_sent(self) -> list[CardEvent]:
        """Every event handed to the handler so far, oldest first (a copy)."""
        with self._lock:
            return list(self._events_sent)

    @property
    def card_pin(self) -> CardPin | None:
        """The PIN state of the member card on the reader (None without one)."""
        return self._card_pin

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
