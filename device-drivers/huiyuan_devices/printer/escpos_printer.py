"""A real ESC/POS receipt printer over serial, USB, network or a device file.

A job is rendered whole into a Dummy buffer first and only then written to the transport in
one go: a rendering bug (bad barcode data) raises before a byte is sent, so half a receipt never
comes out of the printer.

Status check before a job, where the transport can read back (`status_check`, default on for
serial and network, off for USB and file): real-time status DLE EOT 1 (printer), 2 (offline
cause: cover open, stopped at paper end, error) and 4 (roll paper sensor), each with a short
timeout (`status_timeout`, 0.5 s). Then:

- cover open -> DeviceProtocolError `cover_open`; paper out -> `paper_out`; offline for another
  cause (cutter jam, overheating) -> `printer_error`; nothing is printed into the void;
- an answer that is not a status byte (fixed bits: 1 and 4 set, 0 and 7 clear) or more than one
  byte -> DeviceProtocolError `protocol_error`;
- no answer at all: many printers (and many serial cables) never answer, so a printer that has
  not answered since the driver started prints anyway (logged once); one that did answer before
  and has gone silent is switched off or unplugged -> DeviceTimeout `printer_offline`.

Paper near its end is reported by `status()` but does not stop a job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from escpos.capabilities import Profile

from huiyuan_devices.errors import (
    DeviceError,
    DeviceNotFound,
    DeviceProtocolError,
    DeviceTimeout,
)
from huiyuan_devices.printer.base import PaperState, PrinterStatus
from huiyuan_devices.printer.document import PrintDocument
from huiyuan_devices.printer.escpos_render import (
    RenderOptions,
    drawer_kick_bytes,
    printer_profile,
    render_to_bytes,
)
from huiyuan_devices.printer.escpos_transports import OFFLINE, Transport

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_STATUS_TIMEOUT = 0.5
ASK_PRINTER = b"\x10\x04\x01"  # DLE EOT 1
ASK_OFFLINE_CAUSE = b"\x10\x04\x02"  # DLE EOT 2
ASK_PAPER = b"\x10\x04\x04"  # DLE EOT 4
STATUS_FIXED_MASK = 0x93  # bits 0, 1, 4 and 7 ...
STATUS_FIXED_BITS = 0x12  # ... are 0, 1, 1 and 0 in every status byte
PRINTER_OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
STOPPED_AT_PAPER_END_BIT = 0x20
PAPER_NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60


def is_status_byte(value: int) -> bool:
    return value & STATUS_FIXED_MASK == STATUS_FIXED_BITS


def decode_status(printer: int, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """PrinterStatus from the answers to DLE EOT 1, 2 and 4 (None: not answered)."""
    paper_state = PaperState.UNKNOWN
    if paper is not None:
        paper_state = PaperState.OK
        if paper & PAPER_NEAR_END_BITS:
            paper_state = PaperState.NEAR_END
        if paper & PAPER_END_BITS:
            paper_state = PaperState.OUT
    if offline_cause is not None and offline_cause & STOPPED_AT_PAPER_END_BIT:
        paper_state = PaperState.OUT
    cover_open = None if offline_cause is None else bool(offline_cause & COVER_OPEN_BIT)
    return PrinterStatus(online=not printer & PRINTER_OFFLINE_BIT, paper=paper_state,
                         cover_open=cover_open)


class EscposReceiptPrinter:
    """ReceiptPrinter over one transport (see escpos_transports). Opens on first use, closes on
    close(); a network printer gets one connection per job. Thread-safe: jobs, drawer kicks and
    status reads take turns."""

    def __init__(
        self,
        transport: Transport,
        *,
        name: str = "receipt_printer",
        render_options: RenderOptions | None = None,
        profile: Profile | None = None,
        status_check: bool | None = None,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT,
    ) -> None:
        if status_check and not transport.can_read_back:
            raise ValueError(f"{transport.description} cannot read a status back")
        if status_timeout <= 0:
            raise ValueError("status_timeout must be positive")
        self.name = name
        self.transport = transport
        self.render_options = render_options or RenderOptions()
        self.columns = self.render_options.columns
        self.encoding = self.render_options.encoding
        self.profile = profile or printer_profile(58)
        self.status_check = (
            transport.checks_status_by_default if status_check is None else status_check
        )
        self.status_timeout = status_timeout
        self._has_answered = False  # has this printer ever answered a status query?
        self._told_no_answer = False
        self._lock = threading.Lock()

    def print_document(self, document: PrintDocument) -> None:
        data = render_to_bytes(document, self.render_options, self.profile)
        with self._lock:
            self._job(lambda: self.transport.write(data), check_status=self.status_check)

    def kick_drawer(self) -> None:
        # No status check: the drawer opens with the paper out or the cover open.
        data = drawer_kick_bytes(self.render_options, self.profile)
        with self._lock:
            self._job(lambda: self.transport.write(data), check_status=False)

    def status(self) -> PrinterStatus:
        """Online/paper/cover as the printer reports them. A printer that cannot be reached (or
        has stopped answering) is `online=False`; garbage on the line raises
        DeviceProtocolError."""
        with self._lock:
            if not self.transport.can_read_back:
                return PrinterStatus(online=self.transport.is_present())
            try:
                answered = self._job(self._read_status, check_status=False)
            except (DeviceNotFound, DeviceTimeout):
                return PrinterStatus(online=False)
        if answered is None:
            return PrinterStatus(online=not self._has_answered)
        return answered

    def close(self) -> None:
        with self._lock:
            self.transport.close()

    def __enter__(self) -> EscposReceiptPrinter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _job(self, action: Callable[[], T], *, check_status: bool) -> T:
        """Open if needed, check the status, act; on a device error close the transport so
        the next job starts on a fresh connection."""
        try:
            if not self.transport.is_open:
                self.transport.open()
            if check_status:
                self._refuse_unless_ready()
            return action()
        except DeviceError:
            self.transport.close()
            raise
        finally:
            if self.transport.connection_per_job:
                self.transport.close()

    def _refuse_unless_ready(self) -> None:
        status = self._read_status()
        if status is None:
            if self._has_answered:
                raise DeviceTimeout(self.name, OFFLINE, "stopped answering status queries")
            if not self._told_no_answer:
                log.info("%s does not answer status queries: printing without a status check",
                         self.name)
                self._told_no_answer = True
            return
        if status.cover_open:
            raise DeviceProtocolError(self.name, "cover_open")
        if status.paper is PaperState.OUT:
            raise DeviceProtocolError(self.name, "paper_out")
        if not status.online:
            raise DeviceProtocolError(self.name, "printer_error", "offline, cause unknown")

    def _read_status(self) -> PrinterStatus | None:
        """None when the printer does not answer DLE EOT 1."""
        printer = self._ask(ASK_PRINTER)
        if printer is None:
            return None
        self._has_answered = True
        return decode_status(printer, self._ask(ASK_OFFLINE_CAUSE), self._ask(ASK_PAPER))

    def _ask(self, request: bytes) -> int | None:
        answer = self.transport.query(request, self.status_timeout)
        if not answer:
            return None
        if len(answer) != 1 or not is_status_byte(answer[0]):
            raise DeviceProtocolError(self.name, "protocol_error",
                                      f"status answer {answer[:16].hex(' ')} to {request.hex(' ')}")
        return answer[0]
