"""One vpcd reader with a hand over it: puts virtual member cards (virtual_card.py) on the reader
one at a time and takes them away, for the demo's on-screen simulator panel (`make run`).

Why insert() waits until pcscd sees the card, and remove() until pcscd has counted it gone:
pcscd notices a vpcd card only by polling (~400 ms). After a transmit failed (a card taken away
mid-read or mid-PIN), pcscd's shared state already shows the reader empty, but its poll has not
yet seen the card go; a new card connected before that poll looks to pcscd like the old card,
still there, and the terminal would never be told. pcscd counts every insertion and removal its
poll sees (the high 16 bits of the reader state): remove() waits for that count to move past the
one the card was seen with. Both wait at most `wait_s` (then log). The calls block: run them off
the UI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from smartcard import scard

from huiyuan_devices.cardreader.card_pin import CardPin
from huiyuan_devices.cardreader.pcsc_io import PcscContext, card_event_count, card_is_present
from huiyuan_devices.cardreader.virtual_card import DEFAULT_HOST, VirtualMemberCard
from huiyuan_devices.errors import DeviceError

log = logging.getLogger(__name__)

DEFAULT_WAIT_S = 5.0


class VirtualCardSlot:
    """The vpcd reader `reader` (its PC/SC name) listening on `port`."""

    def __init__(self, reader: str, port: int, *, host: str = DEFAULT_HOST,
                 wait_s: float = DEFAULT_WAIT_S) -> None:
        self.reader = reader
        self.host, self.port = host, port
        self.wait_s = wait_s
        self.card: VirtualMemberCard | None = None
        self._seen_with_count: int | None = None  # pcscd's event count once it saw the card
        self._lock = threading.Lock()

    def insert(self, card_no: str, uid: str, card_pin: CardPin | None = None) -> None:
        """Take away the card on the reader, if any, then put this one on it. `card_no` ""
        is a UID-only tag; `card_pin` the chip's PIN state (kept by the caller across taps).
        Raises ConnectionError when vpcd is not listening (pcscd gone)."""
        with self._lock:
            self._take_away()
            card = VirtualMemberCard(card_no, uid=uid, host=self.host, port=self.port,
                                     card_pin=card_pin)
            card.start()
            self.card = card
            seen = self._wait_for_state(card_is_present, "see the card")
            self._seen_with_count = card_event_count(seen) if seen is not None else None

    def remove(self) -> None:
        """Take the card away and wait until pcscd has seen it go. Safe with no card there."""
        with self._lock:
            self._take_away()

    def close(self) -> None:
        """Take the card away without waiting for pcscd (the demo is ending)."""
        with self._lock:
            card, self.card = self.card, None
        if card is not None:
            card.stop()

    def _take_away(self) -> None:
        card, self.card = self.card, None
        if card is None:
            return
        card.stop()
        seen_with = self._seen_with_count
        if seen_with is not None:
            self._wait_for_state(lambda state: card_event_count(state) > seen_with,
                                 "count the card gone")

    def _wait_for_state(self, condition: Callable[[int], bool], what: str) -> int | None:
        """The reader's state once `condition` holds; None after wait_s (logged) or when pcscd
        or the reader is gone (a card cannot be there then)."""
        deadline = time.monotonic() + self.wait_s
        try:
            context = PcscContext("virtual_card_slot")
        except DeviceError:
            return None
        try:
            state = context.wait_for_change(self.reader, scard.SCARD_STATE_UNAWARE, 0)
            while not condition(state):
                remaining_ms = int((deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0:
                    log.warning("pcscd did not %s on %s within %.0f s", what, self.reader,
                                self.wait_s)
                    return None
                state = context.wait_for_change(self.reader, state, remaining_ms)
            return state
        except DeviceError:
            return None
        finally:
            context.release()
