"""One rig per way a receipt reaches paper, so the printer contract runs the same cases on each:
the simulator, and EscposReceiptPrinter over python-escpos's Dummy (in memory), a serial line
(a socat pseudo-terminal pair), a network port (a local listener) and a device file.

A rig gives the printer under test, its jobs as the far end received them, and hands on the
far end: the status the printer answers (where the transport can read one back),
and the cable (unplug, plug in again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from escpos.capabilities import Profile
from escpos.printer import Dummy
from huiyuan_devices.printer.base import ReceiptPrinter
from huiyuan_devices.printer.document import COLUMNS_BY_PAPER_MM
from huiyuan_devices.printer.escpos_printer import EscposReceiptPrinter
from huiyuan_devices.printer.escpos_render import RenderOptions, printer_profile
from huiyuan_devices.printer.factory import create
from huiyuan_devices.printer.simulated import SimulatedPrinter

from tests.support.printer_ends import (
    READY,
    WAIT_SECONDS,
    NetworkPrinterEnd,
    SerialPrinterEnd,
    without_status_queries,
)
from tests.support.waiting import wait_for

ANSWERED = 3.0  # status_timeout where the far end answers: an answer ends the wait at once
PAPER_OUT = {1: b"\x1a", 2: b"\x32", 4: b"\x72"}  # offline; stopped at paper end; paper end
COVER_OPEN = {1: b"\x1a", 2: b"\x16", 4: b"\x12"}  # offline; cover open; paper present
ALL_READY = {1: READY, 2: READY, 4: READY}
FAULT_ANSWERS = {"paper_out": PAPER_OUT, "cover_open": COVER_OPEN}

ALL_KINDS = ("simulated", "dummy", "serial", "network", "file")
STATUS_KINDS = ("simulated", "serial", "network")  # the printer can tell paper and cover
UNPLUGGABLE_KINDS = ("simulated", "serial", "network", "file")  # the printer can be absent
# ... and can vanish under a printer that has printed (the file driver keeps its file open, and a
# plain file standing in for /dev/usb/lp0 cannot hang up on it as the kernel's node does)
HANGS_UP_KINDS = ("simulated", "serial", "network")


class PrinterRig(Protocol):
    kind: str
    printer: ReceiptPrinter

    def wait_for_job(self, length: int) -> bytes:
        """The next job the far end received, status queries left out, once `length` bytes of
        it are there."""
        ...

    def received_since_last_job(self) -> bytes:
        """Every byte the far end got after the last job (status queries included)."""
        ...

    def answer(self, fault: str) -> None:
        """Report `fault` ("paper_out", "cover_open") from now on, or "ready"."""
        ...

    def unplug(self) -> None: ...

    def plug_in(self) -> None: ...

    def close(self) -> None: ...


class DummyTransport:
    """Our Transport over python-escpos's own in-memory printer: the bytes exactly as escpos
    hands them to a device. It cannot read a status back, and is always there."""

    description = "escpos Dummy"
    can_read_back = False
    checks_status_by_default = False
    connection_per_job = False

    def __init__(self, profile: Profile) -> None:
        self.dummy = Dummy(profile=profile)
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        self._open = True

    def write(self, data: bytes) -> None:
        self.dummy._raw(data)

    def query(self, request: bytes, timeout: float) -> bytes:
        return b""

    def is_present(self) -> bool:
        return True

    def close(self) -> None:
        self._open = False


class _CannotTellStatus:
    """For the far ends that cannot answer a status (the contract's fixtures never ask them)."""

    kind = ""

    def answer(self, fault: str) -> None:
        raise NotImplementedError(f"a {self.kind} printer cannot answer a status")


class SimulatedRig:
    kind = "simulated"

    def __init__(self, paper_mm: int) -> None:
        simulator = create({"kind": "simulated", "paper_mm": paper_mm})
        assert isinstance(simulator, SimulatedPrinter)
        self.simulator = simulator
        self.printer: ReceiptPrinter = simulator
        self._consumed = 0

    def wait_for_job(self, length: int) -> bytes:
        job = self.simulator.printed[self._consumed]
        self._consumed += 1
        return job

    def received_since_last_job(self) -> bytes:
        return b"".join(self.simulator.printed[self._consumed:])

    def answer(self, fault: str) -> None:
        self.simulator.paper_out = fault == "paper_out"
        self.simulator.cover_open = fault == "cover_open"

    def unplug(self) -> None:
        self.simulator.offline = True

    def plug_in(self) -> None:
        self.simulator.offline = False

    def close(self) -> None:
        self.printer.close()


class DummyRig(_CannotTellStatus):
    """In memory: no status to answer and no cable to pull."""

    kind = "dummy"

    def __init__(self, paper_mm: int) -> None:
        profile = printer_profile(paper_mm)
        self.transport = DummyTransport(profile)
        self.printer: ReceiptPrinter = EscposReceiptPrinter(
            self.transport, render_options=RenderOptions(columns=COLUMNS_BY_PAPER_MM[paper_mm]),
            profile=profile)

    def wait_for_job(self, length: int) -> bytes:
        job = self.transport.dummy.output
        self.transport.dummy.clear()
        return job

    def received_since_last_job(self) -> bytes:
        return self.transport.dummy.output

    def unplug(self) -> None:
        raise NotImplementedError("escpos Dummy has no cable")

    def plug_in(self) -> None:
        raise NotImplementedError("escpos Dummy has no cable")

    def close(self) -> None:
        self.printer.close()


class _CabledRig:
    """A rig whose far end can be unplugged: the status answers it gives, kept across a
    re-plug."""

    cable = ""
    answers: dict[int, bytes]
    end: Any
    printer: ReceiptPrinter

    def _plugged(self) -> Any:
        assert self.end is not None, f"the {self.cable} cable is unplugged"
        return self.end

    def answer(self, fault: str) -> None:
        self.answers.update(FAULT_ANSWERS.get(fault, ALL_READY))
        self._plugged().answers.update(self.answers)

    def unplug(self) -> None:
        end, self.end = self._plugged(), None
        end.close()

    def close(self) -> None:
        self.printer.close()
        if self.end is not None:
            self.end.close()


class SerialRig(_CabledRig):
    """`unplug` ends socat: the pseudo-terminal the driver has open hangs up, as when a USB
    serial adapter is pulled, and its path disappears; `plug_in` brings a new one up there."""

    kind = cable = "serial"

    def __init__(self, paper_mm: int, folder: Path) -> None:
        self.folder = folder
        self.answers = dict(ALL_READY)
        self.end: SerialPrinterEnd | None = None
        self.plug_in()
        self.printer: ReceiptPrinter = create({
            "kind": "serial", "device": self._plugged().printer_path, "baudrate": 115200,
            "status_timeout": ANSWERED, "paper_mm": paper_mm})

    def wait_for_job(self, length: int) -> bytes:
        end = self._plugged()
        job = end.wait_for_job(length)
        end.clear()
        return job

    def received_since_last_job(self) -> bytes:
        return self._plugged().received

    def plug_in(self) -> None:
        self.end = SerialPrinterEnd(self.folder)
        self.end.answers.update(self.answers)


class NetworkRig(_CabledRig):
    """One connection per job, as a 9100 port takes them. `unplug` closes the listener: nothing
    answers on the port until `plug_in` listens there again."""

    kind = cable = "network"

    def __init__(self, paper_mm: int) -> None:
        self.answers = dict(ALL_READY)
        self.end: NetworkPrinterEnd | None = NetworkPrinterEnd()
        self.port = self.end.port
        self._consumed = 0  # connections of this end looked at already
        self.printer: ReceiptPrinter = create({
            "kind": "network", "host": "127.0.0.1", "port": self.port,
            "status_timeout": ANSWERED, "timeout": 5.0, "paper_mm": paper_mm})

    def wait_for_job(self, length: int) -> bytes:
        end = self._plugged()
        wait_for(lambda: any(len(without_status_queries(job)) >= length
                             for job in end.jobs[self._consumed:]), WAIT_SECONDS,
                 f"a job of {length} bytes on port {self.port}")
        jobs = end.jobs[self._consumed:]
        index = next(i for i, job in enumerate(jobs) if len(without_status_queries(job)) >= length)
        self._consumed += index + 1
        return without_status_queries(jobs[index])

    def received_since_last_job(self) -> bytes:
        end = self._plugged()
        # The driver closes a refused job's connection: wait until the end has recorded it.
        end.wait_for_connections(self._consumed + 1)
        received = b"".join(end.jobs[self._consumed:])
        self._consumed = len(end.jobs)
        return received

    def plug_in(self) -> None:
        self.end = NetworkPrinterEnd(self.port)
        self.end.answers.update(self.answers)
        self._consumed = 0


class FileRig(_CannotTellStatus):
    """A printer-class device node (/dev/usb/lp0), stood in by a file. `unplug` removes the
    node, as the kernel does when the printer goes."""

    kind = "file"

    def __init__(self, paper_mm: int, folder: Path) -> None:
        self.node = folder / "lp0"
        self.node.touch()
        self._read = 0
        self.printer: ReceiptPrinter = create({"kind": "file", "path": str(self.node),
                                               "paper_mm": paper_mm})

    def wait_for_job(self, length: int) -> bytes:
        job = self.node.read_bytes()[self._read:]
        self._read += len(job)
        return job

    def received_since_last_job(self) -> bytes:
        return self.node.read_bytes()[self._read:] if self.node.exists() else b""

    def unplug(self) -> None:
        self.node.unlink()

    def plug_in(self) -> None:
        self.node.touch()
        self._read = 0

    def close(self) -> None:
        self.printer.close()


def make_rig(kind: str, paper_mm: int, folder: Path) -> PrinterRig:
    if kind == "simulated":
        return SimulatedRig(paper_mm)
    if kind == "dummy":
        return DummyRig(paper_mm)
    if kind == "serial":
        return SerialRig(paper_mm, folder)
    if kind == "network":
        return NetworkRig(paper_mm)
    return FileRig(paper_mm, folder)
