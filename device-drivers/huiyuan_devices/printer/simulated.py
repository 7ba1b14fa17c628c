"""A receipt printer without a printer: production code (`kind = "simulated"`) for the demo
store and tests. It renders through the same escpos_render as a real printer, so `printed`
holds the very bytes a real printer would get, and it fails the way a real one does.

Fault injection (plain attributes, set them any time): `offline` -> DeviceNotFound
`printer_offline`; `cover_open` -> DeviceProtocolError `cover_open`; `paper_out` ->
DeviceProtocolError `paper_out` (all three refuse before anything is printed); and
`fail_after_bytes`: the paper left on the roll, in bytes. A job longer than that prints only that
many bytes (kept in `printed`, as what reached the paper), sets `paper_out` and raises
`paper_out`; it stays out until a test (the cashier) clears `paper_out`.
"""

from __future__ import annotations

import threading

from escpos.capabilities import Profile

from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError
from huiyuan_devices.printer.base import PaperState, PrinterStatus
from huiyuan_devices.printer.document import PrintDocument
from huiyuan_devices.printer.escpos_render import RenderOptions, printer_profile, render_to_bytes


class SimulatedPrinter:
    def __init__(
        self,
        *,
        name: str = "simulated_printer",
        render_options: RenderOptions | None = None,
        profile: Profile | None = None,
    ) -> None:
        self.name = name
        self.render_options = render_options or RenderOptions()
        self.columns = self.render_options.columns
        self.encoding = self.render_options.encoding
        self.profile = profile or printer_profile(58)
        self.printed: list[bytes] = []  # what reached the paper, job by job (a cut-short job too)
        self.documents: list[PrintDocument] = []  # the documents printed whole
        self.drawer_kicks = 0  # kick_drawer() calls and documents with open_drawer
        self.offline = False
        self.cover_open = False
        self.paper_out = False
        self.fail_after_bytes: int | None = None
        self.closed = False
        self._lock = threading.Lock()

    def print_document(self, document: PrintDocument) -> None:
        data = render_to_bytes(document, self.render_options, self.profile)
        with self._lock:
            self._refuse_unless_ready()
            self.closed = False
            if self.fail_after_bytes is not None and len(data) > self.fail_after_bytes:
                self.printed.append(data[: self.fail_after_bytes])
                self.fail_after_bytes = None
                self.paper_out = True
                raise DeviceProtocolError(self.name, "paper_out", "ran out in the middle of a job")
            if self.fail_after_bytes is not None:
                self.fail_after_bytes -= len(data)
            self.printed.append(data)
            self.documents.append(document)
            if document.open_drawer:
                self.drawer_kicks += 1

    def kick_drawer(self) -> None:
        with self._lock:
            if self.offline:
                raise DeviceNotFound(self.name, "printer_offline")
            self.drawer_kicks += 1

    def status(self) -> PrinterStatus:
        with self._lock:
            return PrinterStatus(
                online=not (self.offline or self.cover_open or self.paper_out),
                paper=PaperState.OUT if self.paper_out else PaperState.OK,
                cover_open=self.cover_open,
            )

    def close(self) -> None:
        self.closed = True

    @property
    def printed_bytes(self) -> bytes:
        return b"".join(self.printed)

    def _refuse_unless_ready(self) -> None:
        # The same order as a real printer's status check: not there, cover, paper.
        if self.offline:
            raise DeviceNotFound(self.name, "printer_offline")
        if self.cover_open:
            raise DeviceProtocolError(self.name, "cover_open")
        if self.paper_out:
            raise DeviceProtocolError(self.name, "paper_out")
