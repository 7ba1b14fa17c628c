"""The terminal's print service: receipts printed on a worker thread, never lost.

The cashier's screen never waits on the printer: `submit` only queues the receipt, and the
worker reports each outcome to a callback on the worker thread (the UI reaches this service
only through the cashier's services, and hands outcomes to its own thread through
terminal.ui.bridge). Every receipt the store holds is owed to its customer until the printer
has printed it, so a printer error leaves it in the reprint list (`pending_reprints`) with the
reason, and printing it later clears it. The terminal going down mid-print loses nothing either:
the receipt was stored with its operation and is still unprinted when the terminal comes back.

The cash drawer: a cash receipt's document asks the printer to kick the drawer after printing.
When printing fails the service still kicks it, because the cashier must be able to give the
change now; the receipt follows by reprint. A reprint never opens the drawer: reprinting must
not be a way to open the till without a sale.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from queue import SimpleQueue
from typing import Protocol

from huiyuan_devices.errors import DeviceError
from huiyuan_devices.printer.base import ReceiptPrinter
from huiyuan_devices.printer.document import PrintDocument

from membership.receipts import Receipt
from terminal.i18n import DEFAULT_LANGUAGE, translate
from terminal.receipts.layout import layout_receipt
from terminal.store.errors import StoreError, UnknownOperation
from terminal.store.records import StoredReceipt

log = logging.getLogger("terminal.receipts.printing")


class ReceiptQueue(Protocol):
    """What the service needs of the terminal's store (TerminalStore has all of it)."""

    def keep_receipt(self, receipt: Receipt) -> bool: ...
    def stored_receipt(self, op_id: str) -> StoredReceipt | None: ...
    def mark_printed(self, op_id: str) -> int: ...
    def record_print_failure(self, op_id: str, message_key: str) -> None: ...
    def unprinted_receipts(self) -> tuple[StoredReceipt, ...]: ...
    def last_receipt_op_id(self) -> str | None: ...


@dataclass(frozen=True)
class PrintResult:
    op_id: str
    error: DeviceError | None = None  # None: the receipt is on paper
    drawer_kicked: bool = False  # the drawer was told to open (printed or not)
    reprint: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """What the cashier reads when it failed: the device's reason and that it is kept."""
        if self.error is None:
            return translate("ui.success", lang)
        reason = translate(self.error.message_key, lang)
        return translate("printing.failed", lang, reason=reason)


ResultCallback = Callable[[PrintResult], None]


@dataclass(frozen=True)
class _Job:
    receipt: Receipt
    on_result: ResultCallback | None
    reprint: bool = False  # asked for again from the reprint list or 重打上一张
    copy: bool = False  # the customer has had it on paper before: printed as 重打小票


class ReceiptPrintService:
    """`printer` stays its owner's to close. `columns` defaults to the printer's."""

    def __init__(
        self,
        printer: ReceiptPrinter,
        receipts: ReceiptQueue,
        columns: int | None = None,
        lang: str = DEFAULT_LANGUAGE,
        *,
        barcode: bool = False,
    ) -> None:
        self.printer = printer
        self.receipts = receipts
        self.columns = columns or printer.columns
        self.lang = lang
        self.barcode = barcode
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self._state = threading.Condition()
        self._queued: Counter[str] = Counter()  # op_id -> its jobs not printed yet
        self._unfinished = 0  # jobs not printed or not reported yet
        self._closed = False
        self._last_state = "unknown"
        self._worker = threading.Thread(target=self._work, name="receipt-printer", daemon=True)
        self._worker.start()

    # --- the cashier's side: nothing here waits on the printer ------------------------------

    def submit(self, receipt: Receipt, on_result: ResultCallback | None = None) -> None:
        """Queue a new receipt for printing; returns at once."""
        self._enqueue(_Job(receipt, on_result))

    def pending_reprints(self) -> tuple[StoredReceipt, ...]:
        """Receipts owed to customers, oldest first, leaving out those queued right now."""
        with self._state:
            queued = set(self._queued)
        return tuple(stored for stored in self.receipts.unprinted_receipts()
                     if stored.receipt.op_id not in queued)

    def reprint(self, op_id: str, on_result: ResultCallback | None = None) -> None:
        """Print a stored receipt again (UnknownOperation if there is none). One the customer
        already had says 重打小票 on paper; one that never printed is simply printed."""
        stored = self.receipts.stored_receipt(op_id)
        if stored is None:
            raise UnknownOperation(op_id=op_id)
        self._enqueue(_Job(stored.receipt, on_result, reprint=True, copy=stored.printed))

    def reprint_last(self, on_result: ResultCallback | None = None) -> str | None:
        """Reprint the newest receipt; its op_id, or None when the store holds none."""
        op_id = self.receipts.last_receipt_op_id()
        if op_id is not None:
            self.reprint(op_id, on_result)
        return op_id

    def printer_state(self) -> str:
        """What the last print found, for the shadow HQ sees: "ok", the short name of the
        error ("paper_out", "offline", ...) or "unknown" before the first print. Never asks
        the printer: the print worker owns the transport."""
        return self._last_state

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """For shutdown and tests: True once every queued job has finished and reported."""
        with self._state:
            return self._state.wait_for(lambda: not self._unfinished, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Print what is queued, then stop the worker. Later submits are refused."""
        with self._state:
            if self._closed:
                return
            self._closed = True
        self._jobs.put(None)
        self._worker.join(timeout)

    def _enqueue(self, job: _Job) -> None:
        with self._state:
            if self._closed:
                raise RuntimeError("the print service is closed")
            self._queued[job.receipt.op_id] += 1
            self._unfinished += 1
        self._jobs.put(job)

    # --- the worker --------------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            op_id = job.receipt.op_id
            try:
                result = self._print(job)
            except Exception as error:  # a bug here must not stop the worker or hide the receipt
                log.exception("printing %s failed", op_id)
                result = PrintResult(op_id, self._device_error(error), reprint=job.reprint)
            self._report(job, result)

    def _print(self, job: _Job) -> PrintResult:
        receipt = job.receipt
        if not job.reprint:
            # A receipt of no operation (a shift report) must be stored before it can be lost.
            self._store_safely(self.receipts.keep_receipt, receipt)
        document = layout_receipt(receipt, self.columns, self.lang, barcode=self.barcode,
                                  reprint=job.copy, encoding=self.printer.encoding)
        if job.reprint:
            document = replace(document, open_drawer=False)
        try:
            self.printer.print_document(document)
        except Exception as error:  # a driver's bug counts as a device failure too
            return self._failed(job, document, self._device_error(error))
        self._store_safely(self.receipts.mark_printed, receipt.op_id)
        self._last_state = "ok"
        return PrintResult(receipt.op_id, drawer_kicked=document.open_drawer,
                           reprint=job.reprint)

    def _failed(self, job: _Job, document: PrintDocument, error: DeviceError) -> PrintResult:
        op_id = job.receipt.op_id
        log.warning("receipt %s not printed: %s", op_id, error)
        self._last_state = (error.message_key.rsplit(".", 1)[-1] or "error")[:20]
        self._store_safely(self.receipts.record_print_failure, op_id, error.message_key)
        kicked = False
        if document.open_drawer:
            try:
                self.printer.kick_drawer()
                kicked = True
            except DeviceError as drawer_error:
                log.warning("drawer not opened after %s: %s", op_id, drawer_error)
        return PrintResult(op_id, error, drawer_kicked=kicked, reprint=job.reprint)

    def _device_error(self, error: Exception) -> DeviceError:
        if isinstance(error, DeviceError):
            return error
        return DeviceError(getattr(self.printer, "name", "printer"), "", detail=repr(error))

    def _store_safely(self, write: Callable[..., object], *args: object) -> None:
        # The paper matters more than the bookkeeping: a store error is logged, not raised. At
        # worst a printed receipt stays listed as owed and is printed twice.
        try:
            write(*args)
        except StoreError:
            log.exception("store: %s%r failed", getattr(write, "__name__", write), args)

    def _report(self, job: _Job, result: PrintResult) -> None:
        # Out of the queued set first: a callback that shows the reprint list must see it.
        with self._state:
            self._queued[job.receipt.op_id] -= 1
            self._queued += Counter()  # drops the op_ids with no job left
        try:
            if job.on_result is not None:
                job.on_result(result)
        except Exception:
            log.exception("print result callback failed for %s", result.op_id)
        finally:
            with self._state:
                self._unfinished -= 1
                self._state.notify_all()
