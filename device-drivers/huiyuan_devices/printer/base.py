"""The receipt printer Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from huiyuan_devices.printer.document import PrintDocument


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"  # the transport cannot read status back (file, some USB)


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper: PaperState = PaperState.UNKNOWN
    cover_open: bool | None = None  # None: cannot be read on this transport


class ReceiptPrinter(Protocol):
    name: str
    columns: int
    encoding: str  # how text is sent: the layout measures widths by it (document.char_width)

    def print_document(self, document: PrintDocument) -> None:
        """Print it whole or raise a DeviceError (the caller keeps the receipt for reprint)."""

    def kick_drawer(self) -> None:
        """Open the cash drawer connected to the printer."""

    def status(self) -> PrinterStatus:
        """Read online/paper/cover state back where the transport allows."""

    def close(self) -> None:
        """Release the transport. Safe to call twice."""
