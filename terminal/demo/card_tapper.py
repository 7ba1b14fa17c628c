"""The hands that tap the demo's cards: what the simulator panel's card buttons do.

On the simulated reader they present a card to the simulator. On a PC/SC reader watching a
vsmartcard virtual reader (`make run`, `[demo] virtual_card_port`) they put the demo member's
virtual member card on that reader, and the app reads it through pyscard → pcscd → vpcd → card,
the stack a physical reader uses. Either way each demo chip keeps its own PIN state, so wrong
PINs typed at one tap still count at the next, as on a real card.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from huiyuan_devices.cardreader.base import CardReader
from huiyuan_devices.cardreader.card_pin import CardPin
from huiyuan_devices.cardreader.simulated import SimulatedCardReader

from terminal.config import TerminalConfig
from terminal.demo.members import DEMO_CARDS, DemoCard

if TYPE_CHECKING:
    from huiyuan_devices.cardreader.virtual_slot import VirtualCardSlot

log = logging.getLogger("terminal.demo.card_tapper")


class CardTapper(Protocol):
    chips: dict[str, CardPin]  # each demo chip's PIN state, by UID

    def tap(self, card: DemoCard) -> None:
        """Take away the card on the reader, if any, and put `card` there. Returns at once."""
        ...

    def take_away(self) -> None: ...

    def close(self) -> None: ...


def demo_chips() -> dict[str, CardPin]:
    """One chip per demo card carrying our application, by UID, with its demo PIN."""
    return {card.uid: CardPin(card.pin or None) for card in DEMO_CARDS if card.on_chip}


class SimulatedReaderHands:
    def __init__(self, reader: SimulatedCardReader) -> None:
        self.reader = reader
        self.chips = demo_chips()

    def tap(self, card: DemoCard) -> None:
        self.reader.remove()
        self.reader.present(uid=card.uid, card_no=card.chip_card_no,
                            card_pin=self.chips.get(card.uid))

    def take_away(self) -> None:
        self.reader.remove()

    def close(self) -> None:
        """Nothing to release: the simulated reader stops with the runtime."""


class VirtualCardTapper:
    """Demo cards as virtual member cards in one vpcd reader. The slot blocks on pcscd (it
    waits until a card taken away is seen gone), so its calls run in order on one worker
    thread: the UI thread never waits for pcscd."""

    def __init__(self, slot: VirtualCardSlot) -> None:
        self.slot = slot
        self.chips = demo_chips()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="virtual-cards")

    def tap(self, card: DemoCard) -> None:
        self._submit(self.slot.insert, card.chip_card_no, card.uid, self.chips.get(card.uid))

    def take_away(self) -> None:
        self._submit(self.slot.remove)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self.slot.close()

    def _submit(self, action: Callable[..., None], *arguments: Any) -> None:
        self._worker.submit(action, *arguments).add_done_callback(_log_failure)


def _log_failure(done: Future[None]) -> None:
    error = done.exception() if not done.cancelled() else None
    if error is not None:
        # The demo's hand slipped (pcscd gone): the reader itself reports what it sees.
        log.warning("virtual card not moved: %s", error)


def card_hands_for(config: TerminalConfig, reader: CardReader) -> CardTapper | None:
    """The simulator panel's hands for this reader, None when the panel has no cards to tap."""
    if isinstance(reader, SimulatedCardReader):
        return SimulatedReaderHands(reader)
    port = config.demo.virtual_card_port
    if not port:
        return None
    # Imported here: pyscard is needed only when the demo's cards go through pcscd.
    from huiyuan_devices.cardreader.virtual_slot import VirtualCardSlot

    reader_name = str(config.device("card_reader").get("reader", ""))
    return VirtualCardTapper(VirtualCardSlot(reader_name, port))
