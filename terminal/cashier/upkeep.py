"""The terminal's own upkeep, as the UI asks for it: how the upload to HQ is going (the status
bar, the settings screen) and a "send now", the printer (its status, a test page, the receipts
owed to customers), and the language chosen on the settings screen.

The UI reaches the store, the sync and the printer only through the cashier services; these are
the services that are about the terminal rather than a member. Everything here that reads the
disk or a device runs on the cashier worker (the UI's `run`), except `use_language`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from huiyuan_devices.diag import test_document
from huiyuan_devices.printer.base import PrinterStatus
from huiyuan_devices.printer.document import PrintDocument

from terminal.cashier.context import CashierContext
from terminal.cashier.store_ports import StoredReceipt, UpkeepStore
from terminal.store.access import UI_LANGUAGE


class SyncLink(Protocol):
    """What upkeep needs of the sync with HQ (terminal.sync.client.SyncClient has it)."""

    online: threading.Event

    def notify(self) -> None:
        """Wake the relay now instead of at its next poll."""


@dataclass(frozen=True)
class SyncState:
    configured: bool  # False: a stand-alone terminal without HQ
    online: bool
    outbox_depth: int
    ack_watermark: int  # every event up to this seq is stored at HQ
    versions: dict[str, dict[str, Any]]  # applied configuration documents


class UpkeepDesk:
    def __init__(self, ctx: CashierContext, sync: SyncLink | None = None) -> None:
        self.ctx, self.sync = ctx, sync
        self.store: UpkeepStore = ctx.store

    # --- the upload to HQ ---------------------------------------------------------------------

    def online(self) -> bool:
        return self.sync is not None and self.sync.online.is_set()

    def outbox_depth(self) -> int:
        """Events not yet acknowledged by HQ (reads the store)."""
        return self.store.outbox_depth()

    def quarantined_count(self) -> int:
        """This terminal's events HQ stored but quarantined: applied to nothing (reads the
        store; terminal.store.hq_quarantine)."""
        return self.store.quarantined_count()

    def sync_state(self) -> SyncState:
        store = self.store
        return SyncState(self.sync is not None, self.online(), store.outbox_depth(),
                         store.ack_watermark(), store.applied_versions())

    def send_now(self) -> bool:
        """Wake the relay; False on a terminal without HQ."""
        if self.sync is None:
            return False
        self.sync.notify()
        return True

    # --- the printer --------------------------------------------------------------------------

    def pending_reprints(self) -> tuple[StoredReceipt, ...]:
        """Receipts owed to customers (a printer error kept them), oldest first."""
        return self.ctx.printing.pending_reprints()

    def printer_status(self) -> PrinterStatus | None:
        """What the printer says of itself; None when it cannot answer."""
        try:
            return self.ctx.printing.printer.status()
        except Exception:  # a printer that cannot answer is what the settings page reports
            return None

    def print_test_page(self) -> None:
        printer = self.ctx.printing.printer
        # The printer's own lock keeps the page whole between two receipts.
        document = test_document()
        printer.print_document(PrintDocument(document.blocks, columns=printer.columns,
                                             encoding=printer.encoding, title=document.title))

    # --- the language -------------------------------------------------------------------------

    def use_language(self, language: str) -> None:
        """At once, for the receipts and the cashier's messages (no I/O: the UI thread may)."""
        self.ctx.printing.lang = self.ctx.language = language

    def keep_language(self, language: str) -> None:
        """Kept in the store: the next start (a power cut, an update) speaks it too."""
        self.store.remember_setting(UI_LANGUAGE, language)
