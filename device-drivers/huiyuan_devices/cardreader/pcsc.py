"""The PC/SC card reader (pcscd + pyscard): member cards with our application, and plain
contactless cards identified by their UID.

One watcher thread per reader waits on SCardGetStatusChange for the configured reader only and
reads each card that arrives (GET DATA UID, SELECT our application, READ BINARY). When pcscd or the
reader goes away it reports one ReaderFault(reader_unplugged), then looks again every
`retry_interval_s` without further events until the reader is back.

Why not pyscard's CardMonitor/CardObserver: CardMonitor is a process-wide singleton whose thread
ends for good (printing tracebacks) once pcscd stops (SCARD_E_NO_SERVICE / RPC transport error),
and never reports again after pcscd restarts; it also watches every reader. The loop below uses
the same PC/SC call CardMonitor does, and owns its context so it can start over.

PIN commands (pin_commands.py) come from the caller's thread and open a connection of their own
to the card; pcscd serialises the APDUs, and a lock keeps the watcher's read of a card and a PIN
command (SELECT then VERIFY) from interleaving, so neither resets the card under the other.
Never run pcscd with `--apdu` or `--debug` on a terminal: it would log the PIN APDUs.
"""

from __future__ import annotations

import logging
import threading
import time

from smartcard import scard

from huiyuan_devices.cardreader.base import (
    CardEvent,
    CardEventHandler,
    CardPresented,
    CardRemoved,
    CardSource,
    ReaderFault,
)
from huiyuan_devices.cardreader.pcsc_io import (
    CARD_REMOVED,
    PROTOCOL_ERROR,
    UNKNOWN_CARD,
    CardIdentity,
    PcscContext,
    card_event_count,
    card_is_present,
    choose_reader,
    exchange_member_apdu,
    list_readers,
    read_card_identity,
    reader_gone,
)
from huiyuan_devices.cardreader.pin_commands import ApduBuilder, CardPinCommands
from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError, DeviceTimeout

__all__ = ["DEFAULT_READER_DEVICE_NAME", "PcscCardReader", "list_readers"]

logger = logging.getLogger(__name__)

DEFAULT_READER_DEVICE_NAME = "card_reader"
_STOP_JOIN_TIMEOUT_S = 5.0
_CARD_BUSY_WAIT_S = 5.0  # a PIN command waits this long for the watcher to finish reading a card


class PcscCardReader(CardPinCommands):
    """A PC/SC reader chosen by name: the `reader_index`-th reader (0 = first, in pcscd's order)
    whose name contains `reader` ("" = any), e.g. reader="ACR122" or "Virtual PCD 00 01".

    `name` is the device name in events and errors. Events arrive on the watcher thread. The PIN
    commands (base.CardPinReader) work whether or not the reader was started.
    """

    def __init__(self, reader: str = "", reader_index: int = 0, *,
                 name: str = DEFAULT_READER_DEVICE_NAME, retry_interval_s: float = 1.0) -> None:
        self.name = name
        self.reader_name_contains = reader
        self.reader_index = reader_index
        self.retry_interval_s = retry_interval_s
        self.watched_reader = ""  # the PC/SC name being watched; "" while none is
        self._on_event: CardEventHandler | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._context_lock = threading.Lock()
        self._context: PcscContext | None = None
        self._outage_reported = False
        self._card_lock = threading.Lock()  # one conversation with the card at a time

    # --- the CardReader Protocol ----------------------------------------------------------

    def start(self, on_event: CardEventHandler) -> None:
        if self._thread is not None:
            raise RuntimeError(f"card reader {self.name} is already started")
        self._on_event = on_event
        self._stopping.clear()
        self._outage_reported = False
        self._thread = threading.Thread(target=self._run, name=f"pcsc-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._context_lock:
            if self._context is not None:
                self._context.cancel()  # wake the watcher from SCardGetStatusChange now
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(_STOP_JOIN_TIMEOUT_S)
        self._on_event = None

    # --- synchronous read, for the technician's diagnostic --------------------------------

    def read_card(self, timeout_s: float = 10.0) -> CardPresented:
        """Wait up to `timeout_s` for a card in the configured reader and read it. Independent
        of start(); raises DeviceNotFound, DeviceTimeout or DeviceProtocolError."""
        reader = self._wait_for_card(time.monotonic() + timeout_s)
        if reader is None:
            raise DeviceTimeout(self.name, "timeout", "no card on the reader")
        with self._card_lock:
            return self._presented(read_card_identity(self.name, reader))

    # --- PIN commands (pin_commands.CardPinCommands) --------------------------------------

    def _exchange_pin_apdu(self, build_apdu: ApduBuilder, timeout_s: float,
                           card_no: str) -> tuple[int, int]:
        reader = self._wait_for_card(time.monotonic() + timeout_s)
        if reader is None:
            raise DeviceProtocolError(self.name, CARD_REMOVED, "no card on the reader")
        if not self._card_lock.acquire(timeout=_CARD_BUSY_WAIT_S):
            raise DeviceTimeout(self.name, "timeout", "the reader stayed busy with a card")
        try:
            return exchange_member_apdu(self.name, reader, build_apdu, card_no)
        finally:
            self._card_lock.release()

    def _wait_for_card(self, deadline: float) -> str | None:
        """The PC/SC name of the configured reader once a card is in it, or None at the
        deadline. Raises DeviceNotFound (no reader, no pcscd) or unknown_card (a mute card)."""
        context = PcscContext(self.name)
        try:
            reader = self._choose_reader(context)
            state = context.wait_for_change(reader, scard.SCARD_STATE_UNAWARE, 0)
            while not card_is_present(state):
                remaining_ms = int((deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0:
                    return None
                state = context.wait_for_change(reader, state, remaining_ms)
            self._refuse_mute_card(state)
            return reader
        finally:
            context.release()

    # --- the watcher thread ---------------------------------------------------------------

    def _run(self) -> None:
        # Nothing may escape this thread: every failure becomes at most one ReaderFault per
        # outage, and the loop looks again after retry_interval_s.
        while not self._stopping.is_set():
            try:
                self._watch_until_gone()
            except DeviceNotFound as error:
                self._report_outage(error)
            except Exception as error:
                logger.exception("card reader %s: unexpected failure, starting over", self.name)
                self._report_outage(DeviceProtocolError(self.name, PROTOCOL_ERROR, repr(error)))
            self._stopping.wait(self.retry_interval_s)

    def _report_outage(self, error: DeviceError) -> None:
        if self._stopping.is_set() or self._outage_reported:
            logger.debug("card reader %s still unavailable: %s", self.name, error)
            return
        logger.warning("card reader %s unavailable, retrying quietly: %s", self.name, error)
        self._outage_reported = True
        self._deliver(ReaderFault(self.name, error))

    def _watch_until_gone(self) -> None:
        context = PcscContext(self.name)
        with self._context_lock:
            self._context = context
        try:
            reader = self._choose_reader(context)
            if self._outage_reported:
                logger.info("card reader %s is back: %s", self.name, reader)
            self._outage_reported = False
            self.watched_reader = reader
            self._watch_reader(context, reader)
        finally:
            self.watched_reader = ""
            with self._context_lock:
                self._context = None
            context.release()

    def _watch_reader(self, context: PcscContext, reader: str) -> None:
        """Report cards until stop() or until the reader goes away (DeviceNotFound)."""
        known_state = scard.SCARD_STATE_UNAWARE
        card_reported = False  # a CardPresented or a fault was reported for the card now there
        timeout_ms = max(1, int(self.retry_interval_s * 1000))
        try:
            while not self._stopping.is_set():
                state = context.wait_for_change(reader, known_state, timeout_ms)
                card_left = card_reported and (
                    not card_is_present(state)
                    or card_event_count(state) != card_event_count(known_state)
                )
                known_state = state
                if card_left:
                    card_reported = False
                    self._deliver(CardRemoved(self.name))
                if card_is_present(state) and not card_reported:
                    self._deliver(self._read_card_event(reader, state))
                    card_reported = True
        finally:
            # The reader vanished with a card on it: the card is gone for the terminal too.
            if card_reported and not self._stopping.is_set():
                self._deliver(CardRemoved(self.name))

    def _read_card_event(self, reader: str, state: int) -> CardEvent:
        try:
            self._refuse_mute_card(state)
            with self._card_lock:
                return self._presented(read_card_identity(self.name, reader))
        except DeviceNotFound:
            raise  # the reader went away mid-read: _run reports it once
        except DeviceError as error:
            return ReaderFault(self.name, error)

    # --- helpers --------------------------------------------------------------------------

    def _choose_reader(self, context: PcscContext) -> str:
        names = context.reader_names()
        reader = choose_reader(names, self.reader_name_contains, self.reader_index)
        if reader is None:
            raise reader_gone(self.name, f"no reader #{self.reader_index} containing "
                                         f"{self.reader_name_contains!r}; present: {names}")
        return reader

    def _refuse_mute_card(self, state: int) -> None:
        if state & scard.SCARD_STATE_MUTE:
            raise DeviceProtocolError(self.name, UNKNOWN_CARD, "the card does not answer")

    def _presented(self, identity: CardIdentity) -> CardPresented:
        source = CardSource.MEMBER_APP if identity.card_no else CardSource.CONTACTLESS
        return CardPresented(self.name, uid=identity.uid, card_no=identity.card_no,
                             source=source)

    def _deliver(self, event: CardEvent) -> None:
        handler = self._on_event
        if handler is None:
            return
        try:
            handler(event)
        except Exception:
            # The terminal's handler failing must not stop the reader.
            logger.exception("card reader %s: event handler failed on %s", self.name,
                             type(event).__name__)
