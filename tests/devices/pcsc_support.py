"""What the card-reader tests share: a pcscd of their own with vsmartcard's virtual readers, an
event recorder, and one rig per reader kind so the contract tests run on both.

The private pcscd is production code (huiyuan_devices.cardreader.private_pcscd, which `make run`
uses too): its own mount namespace, its own socket, its vpcd readers on two free ports. Clients
find it through PCSCLITE_CSOCK_NAME, which libpcsclite reads once per process:
`route_pcsc_clients()` must run before the first PC/SC call (the conftest does it on import).
Without unshare, the tests use a pcscd already running (and cannot kill it) or start one the
ordinary way, with the system's vpcd ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from huiyuan_devices.cardreader.base import CardEvent
from huiyuan_devices.cardreader.card_pin import CardPin
from huiyuan_devices.cardreader.pcsc import PcscCardReader, list_readers
from huiyuan_devices.cardreader.pcsc_io import PcscContext, card_is_present
from huiyuan_devices.cardreader.private_pcscd import (
    VPCD_READER_00,
    VPCD_READER_01,
    PrivatePcscd,
    why_it_cannot_run,
)
from huiyuan_devices.cardreader.simulated import SimulatedCardReader
from huiyuan_devices.cardreader.virtual_card import VirtualMemberCard
from huiyuan_devices.errors import DeviceError
from huiyuan_devices.keypad.base import Pin
from smartcard import scard

from tests.support.waiting import wait_for

READER_00 = VPCD_READER_00
READER_01 = VPCD_READER_01
SYSTEM_VPCD_PORT = 35963
WAIT_S = 10.0  # bound for anything the stack does (pcscd polls card presence every ~400 ms)
RETRY_INTERVAL_S = 0.2  # readers under test look for a lost reader this often

_PRIVATE_FOLDER = Path(tempfile.gettempdir()) / f"hy-pcscd-{os.getpid()}"


def route_pcsc_clients() -> PrivatePcscd | None:
    """The tests' private pcscd (not started yet), this process's PC/SC clients pointed at it;
    None where a private pcscd cannot run."""
    if why_it_cannot_run():
        return None
    private = PrivatePcscd(_PRIVATE_FOLDER)
    private.route_clients()
    return private


class PcscDaemon:
    """pcscd for the tests: private (ours to start, stop and kill) or shared (already running)."""

    def __init__(self, private: PrivatePcscd | None) -> None:
        self.private = private
        self.folder = _PRIVATE_FOLDER
        self.ports = dict(private.ports) if private is not None else {
            READER_00: SYSTEM_VPCD_PORT, READER_01: SYSTEM_VPCD_PORT + 1}
        self.log_path = private.log_path if private is not None else self.folder / "pcscd.log"
        self.generation = 0  # counts start(): a card inserted before a restart is long gone
        self.shared = False  # a pcscd that was running already: never ours to stop or kill
        self._process: subprocess.Popen[bytes] | None = None  # pcscd started the ordinary way

    @property
    def running(self) -> bool:
        if self.private is not None:
            return self.private.running
        return self.shared or (self._process is not None and self._process.poll() is None)

    @property
    def can_be_killed(self) -> bool:
        return self.private is not None or self._process is not None

    def start(self) -> None:
        self.generation += 1
        if self.private is not None:
            self.private.start()
            return
        if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).stdout:
            self.shared = True
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(["pcscd", "--foreground", "--info"],
                                                 stdout=log, stderr=subprocess.STDOUT)
        self.wait_for_readers()

    def wait_for_readers(self) -> None:
        # pcscd lists the vpcd readers (and vpcd listens) a moment after it starts
        wait_for(lambda: {READER_00, READER_01} <= set(list_readers()), WAIT_S,
                 f"vpcd readers from pcscd (log: {self.log_path})")

    def stop(self, kill_signal: int = signal.SIGTERM) -> None:
        """End the pcscd we started (SIGKILL to simulate a crash). A shared one is left alone."""
        if self.private is not None:
            self.private.stop(kill_signal)
        else:
            process, self._process = self._process, None
            if process is None:
                return
            if process.poll() is None:
                process.send_signal(kill_signal)
                process.wait(WAIT_S)
        wait_for(lambda: list_readers() == [], WAIT_S, "pcscd gone")

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def removals_seen(self, reader: str) -> int | None:
        """How often pcscd's own presence poll has seen a card leave `reader` (its info log);
        None for a shared pcscd, whose log we do not have."""
        if not self.can_be_killed or not self.log_path.exists():
            return None
        return self.log_path.read_text(errors="replace").count(f"Card Removed From {reader}")

    def ensure_running(self) -> None:
        if not self.shared and not self.running:
            self.start()

    def remove_folder(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class EventRecorder:
    """The handler a reader reports to; keeps every event, in order."""

    def __init__(self) -> None:
        self._events: list[CardEvent] = []
        self._lock = threading.Lock()
        self.threads: set[str] = set()
        self.raise_on_next = False  # makes the next call fail, like a buggy terminal handler

    def __call__(self, event: CardEvent) -> None:
        with self._lock:
            self._events.append(event)
            self.threads.add(threading.current_thread().name)
            fail, self.raise_on_next = self.raise_on_next, False
        if fail:
            raise RuntimeError("handler bug (on purpose)")

    @property
    def events(self) -> list[CardEvent]:
        with self._lock:
            return list(self._events)

    def wait_count(self, count: int, what: str = "") -> list[CardEvent]:
        wait_for(lambda: len(self.events) >= count, WAIT_S,
                 what or f"{count} card event(s); have {self.events}")
        return self.events


class SimulatedRig:
    """The contract's operations on the simulated reader."""

    kind = "simulated"

    def __init__(self) -> None:
        self.reader: SimulatedCardReader = SimulatedCardReader("card_reader")
        self.recorder = EventRecorder()

    def start(self) -> None:
        self.reader.start(self.recorder)

    def present(self, card_no: str = "", uid: str = "", *, pin: str | None = None,
                drop_at: str | None = None) -> None:
        """A card as the PC/SC rig's would be: `pin` its PIN (None: none set yet); `drop_at`
        "verify" or "change_pin" pulls it away at the next PIN command."""
        self.reader.present(uid=uid, card_no=card_no, card_pin=CardPin(pin))
        if drop_at in ("verify", "change_pin"):
            self.reader.pull_card_at_next_pin_command()
        elif drop_at is not None:
            raise ValueError(f"the simulated rig pulls cards only at PIN commands, not {drop_at}")

    def remove(self) -> None:
        self.reader.remove()

    def unplug(self) -> None:
        self.reader.unplug()

    def replug(self) -> None:
        self.reader.replug()

    def close(self) -> None:
        self.reader.stop()


@dataclass(frozen=True)
class _InsertedCard:
    card: VirtualMemberCard
    reader: str
    generation: int  # the pcscd it was inserted into
    removals_before: int | None  # pcscd's removal count for the reader before it came


class PcscRig:
    """The contract's operations on the PC/SC reader: virtual cards on reader 00 00 of a real
    pcscd; unplugging kills pcscd, replugging starts it again."""

    kind = "pcsc"

    def __init__(self, daemon: PcscDaemon, reader: str = READER_00) -> None:
        self.daemon = daemon
        self.reader_name = reader
        self.reader = PcscCardReader(reader, name="card_reader", retry_interval_s=RETRY_INTERVAL_S)
        self.recorder = EventRecorder()
        self.cards: list[_InsertedCard] = []

    def start(self) -> None:
        self.reader.start(self.recorder)

    def present(self, card_no: str = "", uid: str = "", *, on_reader: str = "",
                drop_at: str | None = None, strict_le: bool = False,
                pin: str | None = None) -> VirtualMemberCard:
        """Insert a virtual card (in this rig's reader unless `on_reader` names another)."""
        reader = on_reader or self.reader_name
        card = VirtualMemberCard(card_no, uid=uid, port=self.daemon.ports[reader],
                                 drop_at=drop_at, strict_le=strict_le, pin=pin)
        card.start()
        self.cards.append(_InsertedCard(card, reader, self.daemon.generation,
                                        self.daemon.removals_seen(reader)))
        return card

    def remove(self) -> None:
        """Take every card away and wait until pcscd's presence poll has seen each go.

        Why: pcscd notices a vpcd card only by polling (~400 ms). A card connected before the poll
        that follows a failed transmit looks to pcscd like the old card, still there, and is never
        reported. Our reader already reports CardRemoved earlier, from pcscd's shared state."""
        for inserted in self.cards:
            inserted.card.stop()
            if inserted.generation != self.daemon.generation:
                continue  # pcscd restarted since: the card went with the old one
            if inserted.removals_before is None:  # a shared pcscd: its shared state will do
                wait_for(lambda reader=inserted.reader: not reader_has_card(reader), WAIT_S,
                         f"pcscd to see the card leave {inserted.reader}")
                continue
            wait_for(lambda inserted=inserted: (self.daemon.removals_seen(inserted.reader) or 0)
                     > (inserted.removals_before or 0), WAIT_S,
                     f"pcscd's poll to see the card leave {inserted.reader}")
        self.cards.clear()

    def unplug(self) -> None:
        self.daemon.kill()

    def replug(self) -> None:
        self.daemon.start()

    def close(self) -> None:
        self.reader.stop()
        self.remove()


def reader_has_card(reader: str) -> bool:
    """Whether pcscd currently sees a card in `reader` (False when pcscd or the reader is gone)."""
    try:
        context = PcscContext("test")
    except DeviceError:
        return False
    try:
        return card_is_present(context.wait_for_change(reader, scard.SCARD_STATE_UNAWARE, 0))
    except DeviceError:
        return False
    finally:
        context.release()


def pin_of(digits: str) -> Pin:
    """A Pin as the keypad hands it over. Tests keep the digits in module constants and call
    this outside `assert` lines, so a failure message shows no PIN."""
    return Pin(bytearray(digits, "ascii"))
