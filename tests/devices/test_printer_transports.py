"""EscposReceiptPrinter over a real serial line (socat pseudo-terminals), a local TCP listener, a
file and USB: what is particular to each transport and to the status check before each job. What
every printer shares (the same bytes, paper out, cover open, offline) is the contract in
test_printer_contract.py."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.printer import Usb
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError, DeviceTimeout
from huiyuan_devices.printer.base import PaperState, PrinterStatus, ReceiptPrinter
from huiyuan_devices.printer.escpos_transports import not_found_reason
from huiyuan_devices.printer.factory import create
from huiyuan_devices.printer.simulated import SimulatedPrinter

from tests.devices.printer_support import ANSWERED, PAPER_OUT
from tests.support import escpos_parser as ep
from tests.support.printer_documents import sale_receipt
from tests.support.printer_ends import (
    READY,
    NetworkPrinterEnd,
    SerialPrinterEnd,
    without_status_queries,
)

SILENT_WAIT = 0.3  # status_timeout where it stays silent: each job waits this long
SILENT = {1: b"", 2: b"", 4: b""}


@pytest.fixture
def serial_end(tmp_path: Path) -> Iterator[SerialPrinterEnd]:
    with SerialPrinterEnd(tmp_path) as end:
        yield end


@pytest.fixture
def network_end() -> Iterator[NetworkPrinterEnd]:
    with NetworkPrinterEnd() as end:
        yield end


@pytest.fixture
def printers() -> Iterator[list[ReceiptPrinter]]:
    """Printers the test creates through `printers.append`; all closed afterwards."""
    created: list[ReceiptPrinter] = []
    yield created
    for printer in created:
        printer.close()


def serial_printer(end: SerialPrinterEnd, printers: list[ReceiptPrinter],
                   **config: object) -> ReceiptPrinter:
    printer = create({"kind": "serial", "device": end.printer_path, "baudrate": 115200,
                      "status_timeout": ANSWERED, **config})
    printers.append(printer)
    return printer


def network_printer(port: int, printers: list[ReceiptPrinter], **config: object) -> ReceiptPrinter:
    printer = create({"kind": "network", "host": "127.0.0.1", "port": port,
                      "status_timeout": ANSWERED, "timeout": 5.0, **config})
    printers.append(printer)
    return printer


def only_status_queries(received: bytes) -> bool:
    """The driver asked for the status and sent nothing else."""
    elements = ep.parse(received)
    return bool(elements) and all(isinstance(element, ep.StatusQuery) for element in elements)


def simulated_bytes(paper_mm: int = 58) -> bytes:
    simulator = create({"kind": "simulated", "paper_mm": paper_mm})
    assert isinstance(simulator, SimulatedPrinter)
    simulator.print_document(sale_receipt(simulator.columns))
    return simulator.printed[0]


def test_the_status_is_asked_before_the_job(serial_end: SerialPrinterEnd,
                                            printers: list[ReceiptPrinter]) -> None:
    serial_printer(serial_end, printers).print_document(sale_receipt())
    expected = simulated_bytes()
    received = serial_end.wait_for_job(len(expected))
    queries = ep.of_type(ep.parse(serial_end.received[: -len(received)]), ep.StatusQuery)
    assert [query.kind for query in queries] == [1, 2, 4]


@pytest.mark.parametrize("garbage", [b"\xff", b"A", b"\x12\x12\x00garbage"])
def test_garbage_on_the_serial_line_is_a_protocol_error(
    garbage: bytes, serial_end: SerialPrinterEnd, printers: list[ReceiptPrinter]
) -> None:
    printer = serial_printer(serial_end, printers)
    serial_end.answers[1] = garbage

    with pytest.raises(DeviceProtocolError) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.reason == "protocol_error"
    with pytest.raises(DeviceProtocolError):
        printer.status()
    assert only_status_queries(serial_end.received)

    serial_end.answers[1] = READY
    printer.print_document(sale_receipt())
    expected = simulated_bytes()
    assert serial_end.wait_for_job(len(expected)) == expected


def test_a_printer_that_never_answers_prints_anyway(serial_end: SerialPrinterEnd,
                                                    printers: list[ReceiptPrinter]) -> None:
    serial_end.answers.update(SILENT)
    printer = serial_printer(serial_end, printers, status_timeout=SILENT_WAIT)

    printer.print_document(sale_receipt())

    expected = simulated_bytes()
    assert serial_end.wait_for_job(len(expected)) == expected
    assert printer.status() == PrinterStatus(online=True, paper=PaperState.UNKNOWN)


def test_a_printer_that_stops_answering_is_offline(network_end: NetworkPrinterEnd,
                                                   printers: list[ReceiptPrinter]) -> None:
    printer = network_printer(network_end.port, printers, status_timeout=1.0)
    printer.print_document(sale_receipt())
    network_end.answers.update(SILENT)

    with pytest.raises(DeviceTimeout) as raised:
        printer.print_document(sale_receipt())

    assert raised.value.reason == "printer_offline"
    jobs = network_end.wait_for_connections(2)
    assert only_status_queries(jobs[1])


def test_status_check_can_be_turned_off(serial_end: SerialPrinterEnd,
                                        printers: list[ReceiptPrinter]) -> None:
    serial_end.answers.update(PAPER_OUT)
    printer = serial_printer(serial_end, printers, status_check=False)

    printer.print_document(sale_receipt())

    expected = simulated_bytes()
    assert serial_end.wait_for_job(len(expected)) == expected
    assert serial_end.received == expected  # not a single status query


def test_status_reports_paper_near_end_and_still_prints(network_end: NetworkPrinterEnd,
                                                        printers: list[ReceiptPrinter]) -> None:
    network_end.answers[4] = b"\x1e"
    printer = network_printer(network_end.port, printers)

    assert printer.status() == PrinterStatus(online=True, paper=PaperState.NEAR_END,
                                             cover_open=False)
    printer.print_document(sale_receipt())
    jobs = network_end.wait_for_connections(2)
    assert without_status_queries(jobs[1]) == simulated_bytes()


def test_the_drawer_opens_without_a_status_check(network_end: NetworkPrinterEnd,
                                                 printers: list[ReceiptPrinter]) -> None:
    network_end.answers.update(PAPER_OUT)
    network_printer(network_end.port, printers).kick_drawer()
    [job] = network_end.wait_for_connections(1)
    assert ep.parse(job) == [ep.DrawerKick(pin=2)]


def test_a_rendering_bug_sends_nothing(network_end: NetworkPrinterEnd,
                                       printers: list[ReceiptPrinter]) -> None:
    from huiyuan_devices.printer.document import Barcode, PrintDocument, Symbology

    broken = PrintDocument(blocks=(*sale_receipt().blocks, Barcode("12", Symbology.EAN13)))
    with pytest.raises(ValueError):
        network_printer(network_end.port, printers).print_document(broken)
    assert network_end.jobs == []


@pytest.mark.parametrize(
    ("error", "reason"),
    [(PermissionError(errno.EACCES, "Permission denied"), "printer_no_access"),
     (OSError(errno.EBUSY, "Device or resource busy"), "printer_busy"),
     (FileNotFoundError(errno.ENOENT, "No such file"), "printer_offline"),
     (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "printer_offline")],
)
def test_why_a_printer_cannot_be_opened(error: OSError, reason: str) -> None:
    try:
        try:
            raise error
        except OSError as inner:
            raise RuntimeError("wrapped as escpos does") from inner
    except RuntimeError as wrapped:
        assert not_found_reason(wrapped) == reason


def test_a_usb_printer_that_is_not_plugged_in_is_offline() -> None:
    # Real pyusb and libusb: this machine has no USB printer, so the device is not found.
    assert Usb.is_usable()
    printer = create({"kind": "usb", "vendor_id": "0x0416", "product_id": "0x5011"})
    with pytest.raises(DeviceNotFound) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.message_key == "device.printer_offline"
    with pytest.raises(DeviceNotFound):
        printer.print_document(sale_receipt())
    printer.close()


def test_offline_for_another_cause_is_a_printer_error(network_end: NetworkPrinterEnd,
                                                      printers: list[ReceiptPrinter]) -> None:
    network_end.answers.update({1: b"\x1a", 2: b"\x52", 4: b"\x12"})  # offline: error occurred
    with pytest.raises(DeviceProtocolError) as raised:
        network_printer(network_end.port, printers).print_document(sale_receipt())
    assert raised.value.message_key == "device.printer_error"


def test_a_file_printer_whose_device_is_gone_is_offline_and_creates_nothing(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    printer = create({"kind": "file", "path": str(node)})
    with pytest.raises(DeviceNotFound) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.message_key == "device.printer_offline"
    assert not node.exists()
    printer.close()
