"""The print service on a real SQLite store and the simulated printer (huiyuan_devices): receipts
print on a worker thread, a printer error leaves the receipt in the reprint list (across a
restart), the drawer opens for cash."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from huiyuan_devices.printer.base import PrinterStatus, ReceiptPrinter
from huiyuan_devices.printer.document import PrintDocument, TextLine
from huiyuan_devices.printer.simulated import SimulatedPrinter

from terminal.receipts.layout import layout_receipt
from terminal.receipts.printing import PrintResult, ReceiptPrintService
from terminal.store import TerminalStore, UnknownOperation, open_store
from tests.integration import store_world as world
from tests.support import receipts_world

WAIT_S = 10.0  # a bound for the worker, never a measured time


class GatedPrinter:
    """A ReceiptPrinter in front of the simulated one: clearing `running` holds a print in the
    printer until it is set again (a busy or hung printer); `bug` is raised instead of a
    DeviceError, as a driver with a bug would."""

    def __init__(self, inner: SimulatedPrinter) -> None:
        self.inner = inner
        self.name = inner.name
        self.columns = inner.columns
        self.encoding = inner.encoding
        self.running = threading.Event()
        self.running.set()
        self.started = threading.Event()
        self.bug: Exception | None = None

    def print_document(self, document: PrintDocument) -> None:
        self.started.set()
        assert self.running.wait(WAIT_S), "the test never let the printer go on"
        if self.bug is not None:
            raise self.bug
        self.inner.print_document(document)

    def kick_drawer(self) -> None:
        self.inner.kick_drawer()

    def status(self) -> PrinterStatus:
        return self.inner.status()

    def close(self) -> None:
        self.inner.close()


class Results:
    """The callback: collects what the worker reports, from the worker's thread."""

    def __init__(self) -> None:
        self.reported: list[PrintResult] = []
        self.threads: set[str] = set()

    def __call__(self, result: PrintResult) -> None:
        self.threads.add(threading.current_thread().name)
        self.reported.append(result)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "terminal.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[TerminalStore]:
    with open_store(store_path) as opened:
        yield opened


@pytest.fixture
def printer() -> SimulatedPrinter:
    return SimulatedPrinter()


@pytest.fixture
def gated(printer: SimulatedPrinter) -> GatedPrinter:
    return GatedPrinter(printer)


@pytest.fixture
def service(gated: GatedPrinter, store: TerminalStore) -> Iterator[ReceiptPrintService]:
    started = ReceiptPrintService(gated, store, lang="zh_CN")
    yield started
    gated.running.set()
    started.close(WAIT_S)


def printed_text(document: PrintDocument) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, TextLine)]


def test_the_gate_is_a_receipt_printer():
    gated: ReceiptPrinter = GatedPrinter(SimulatedPrinter())  # for the type checker
    assert gated.status().online and gated.columns == 32


def test_a_printed_receipt_is_marked_printed_and_the_printer_opens_the_drawer(
    store, service, printer
):
    sale = world.guest_sale("T1-1")  # paid in cash
    store.commit_sale(sale)
    results = Results()
    service.submit(sale.receipt, results)
    assert service.wait_until_idle(WAIT_S)
    (result,) = results.reported
    assert result.ok and result.drawer_kicked and not result.reprint
    assert results.threads == {"receipt-printer"}  # reported from the worker, not the caller
    assert printer.documents == [layout_receipt(sale.receipt, 32, "zh_CN")]
    assert printer.drawer_kicks == 1  # by the printer itself, after the cut
    assert store.stored_receipt("T1-1").printed is True
    assert service.pending_reprints() == ()


def test_a_printer_error_keeps_the_receipt_for_reprint_even_after_a_restart(
    store_path, store, service, printer
):
    sale = world.guest_sale("T1-1")
    store.commit_sale(sale)
    printer.paper_out = True
    results = Results()
    service.submit(sale.receipt, results)
    assert service.wait_until_idle(WAIT_S)
    (result,) = results.reported
    assert not result.ok and result.error.message_key == "device.paper_out"
    assert result.message("zh_CN") == "小票未打印：打印机缺纸。小票已保存，可在“重打小票”中补打"
    assert result.drawer_kicked and printer.drawer_kicks == 1  # the change can be given now
    (owed,) = service.pending_reprints()
    assert (owed.receipt, owed.print_error) == (sale.receipt, "device.paper_out")
    service.close(WAIT_S)
    store.close()

    with open_store(store_path) as reopened:
        working = SimulatedPrinter()  # paper put in
        again = ReceiptPrintService(working, reopened, lang="zh_CN")
        try:
            (owed,) = again.pending_reprints()
            assert owed.receipt == sale.receipt
            again.reprint("T1-1", results)
            assert again.wait_until_idle(WAIT_S)
        finally:
            again.close(WAIT_S)
        assert results.reported[-1].ok and results.reported[-1].reprint
        (document,) = working.documents
        assert "重打小票" not in printed_text(document)  # the customer never had it
        assert not document.open_drawer and working.drawer_kicks == 0
        assert again.pending_reprints() == ()
        kept = reopened.stored_receipt("T1-1")
        assert (kept.printed, kept.reprint_count, kept.print_error) == (True, 0, None)


def test_paper_running_out_mid_receipt_leaves_it_owed_until_printed_whole(
    store, service, printer
):
    sale = world.guest_sale("T1-1")
    store.commit_sale(sale)
    printer.fail_after_bytes = 120  # the roll ends a few lines into the receipt
    service.submit(sale.receipt)
    assert service.wait_until_idle(WAIT_S)
    assert len(printer.printed) == 1 and printer.documents == []
    assert [owed.print_error for owed in service.pending_reprints()] == ["device.paper_out"]
    printer.paper_out = False  # the cashier puts a new roll in
    service.reprint("T1-1")
    assert service.wait_until_idle(WAIT_S)
    assert len(printer.documents) == 1 and service.pending_reprints() == ()


def test_submit_never_waits_for_the_printer(store, service, gated, printer):
    sales = [world.guest_sale(f"T1-{n}") for n in (1, 2)]
    for sale in sales:
        store.commit_sale(sale)
    gated.running.clear()  # the printer is busy (or hung) until the test lets it go
    results = Results()
    for sale in sales:
        service.submit(sale.receipt, results)  # returns while the printer holds the first
    assert gated.started.wait(WAIT_S)
    assert results.reported == [] and printer.documents == []
    assert service.pending_reprints() == ()  # queued receipts are not offered for reprint
    gated.running.set()
    assert service.wait_until_idle(WAIT_S)
    assert [result.op_id for result in results.reported] == ["T1-1", "T1-2"]
    assert all(result.ok for result in results.reported)


def test_a_reprint_of_a_printed_receipt_says_so_and_never_opens_the_drawer(
    store, service, printer
):
    sale = world.guest_sale("T1-1")
    store.commit_sale(sale)
    enrolment = world.enrolment("T1-2")  # the join fee in cash
    store.commit_counter(enrolment)
    for receipt in (sale.receipt, enrolment.receipt):
        service.submit(receipt)
    assert service.wait_until_idle(WAIT_S)
    kicks = printer.drawer_kicks
    service.reprint("T1-1")
    assert service.reprint_last() == "T1-2"
    assert service.wait_until_idle(WAIT_S)
    reprinted = printer.documents[-2:]
    assert all("重打小票" in printed_text(document) for document in reprinted)
    assert not any(document.open_drawer for document in reprinted)
    assert printer.drawer_kicks == kicks
    assert store.stored_receipt("T1-1").reprint_count == 1


def test_a_receipt_of_no_operation_is_kept_when_it_does_not_print(store_path, store, service,
                                                                   printer):
    shift = receipts_world.shift_report()
    printer.offline = True
    service.submit(shift)
    assert service.wait_until_idle(WAIT_S)
    assert printer.drawer_kicks == 0  # a shift report moves no cash
    service.close(WAIT_S)
    store.close()
    with open_store(store_path) as reopened:
        (owed,) = reopened.unprinted_receipts()
        assert (owed.receipt, owed.print_error) == (shift, "device.printer_offline")


def test_a_driver_bug_and_a_failing_callback_do_not_stop_the_worker(store, service, gated):
    sales = [world.guest_sale(f"T1-{n}") for n in (1, 2)]
    for sale in sales:
        store.commit_sale(sale)
    gated.bug = RuntimeError("usb stack fell over")
    results = Results()

    def broken_callback(result: PrintResult) -> None:
        results(result)
        raise ValueError("the screen is gone")

    service.submit(sales[0].receipt, broken_callback)
    assert service.wait_until_idle(WAIT_S)
    assert results.reported[0].error.message_key == "device.error"
    gated.bug = None
    service.submit(sales[1].receipt, results)
    assert service.wait_until_idle(WAIT_S)
    assert results.reported[1].ok
    assert [owed.receipt.op_id for owed in service.pending_reprints()] == ["T1-1"]


def test_a_drawer_that_will_not_open_either_is_reported(store, service, printer):
    sale = world.guest_sale("T1-1")
    store.commit_sale(sale)
    printer.offline = True  # neither prints nor opens the drawer
    results = Results()
    service.submit(sale.receipt, results)
    assert service.wait_until_idle(WAIT_S)
    assert not results.reported[0].ok and not results.reported[0].drawer_kicked


def test_reprinting_what_the_store_does_not_hold(service):
    with pytest.raises(UnknownOperation):
        service.reprint("T1-404")
    assert service.reprint_last() is None


def test_close_prints_what_is_queued_and_then_refuses_more(store, service, printer):
    sale = world.guest_sale("T1-1")
    store.commit_sale(sale)
    service.submit(sale.receipt)
    service.close(WAIT_S)
    assert len(printer.documents) == 1
    with pytest.raises(RuntimeError):
        service.submit(sale.receipt)
