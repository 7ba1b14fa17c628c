"""EscposReceiptPrinter over a real serial line (socat pseudo-terminals), a local TCP listener and
a file: the same bytes as the simulator, and the status check before each job."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.printer import Usb
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError, DeviceTimeout
from huiyuan_devices.printer.base import PaperState, PrinterStatus, ReceiptPrinter
from huiyuan_devices.printer.escpos_printer import EscposReceiptPrinter
from huiyuan_devices.printer.escpos_transports import not_found_reason
from huiyuan_devices.printer.factory import create
from huiyuan_devices.printer.simulated import SimulatedPrinter

from tests.support import escpos_parser as ep
from tests.support.printer_documents import QR_PAYLOAD, expected_lines, sale_receipt
from tests.support.printer_ends import (
    READY,
    NetworkPrinterEnd,
    SerialPrinterEnd,
    free_port,
    without_status_queries,
)

ANSWERED = 3.0  # status_timeout where the far end answers: an answer ends the wait at once
SILENT_WAIT = 0.3  # status_timeout where it stays silent: each job waits this long
PAPER_OUT = {1: b"\x1a", 2: b"\x32", 4: b"\x72"}  # offline; stopped at paper end; paper end
COVER_OPEN = {1: b"\x1a", 2: b"\x16", 4: b"\x12"}  # offline; cover open; paper present
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


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_the_same_receipt_is_the_same_bytes_on_every_transport(
    paper_mm: int, serial_end: SerialPrinterEnd, network_end: NetworkPrinterEnd,
    printers: list[ReceiptPrinter], tmp_path: Path,
) -> None:
    expected = simulated_bytes(paper_mm)
    columns = 32 if paper_mm == 58 else 48
    spool = tmp_path / "lp0"
    spool.touch()  # the device node a printer-class printer has while plugged in

    serial_printer(serial_end, printers, paper_mm=paper_mm).print_document(sale_receipt(columns))
    network_printer(network_end.port, printers, paper_mm=paper_mm).print_document(
        sale_receipt(columns))
    file_printer = create({"kind": "file", "path": str(spool), "paper_mm": paper_mm})
    file_printer.print_document(sale_receipt(columns))
    file_printer.close()

    assert serial_end.wait_for_job(len(expected)) == expected
    [network_job] = network_end.wait_for_connections(1)
    assert without_status_queries(network_job) == expected
    assert spool.read_bytes() == expected
    elements = ep.parse(expected)
    assert ep.texts(elements) == expected_lines(columns)
    assert ep.of_type(elements, ep.QrCode)[0].payload == QR_PAYLOAD
    assert ep.Cut(partial=False) in elements


def test_the_status_is_asked_before_the_job(serial_end: SerialPrinterEnd,
                                            printers: list[ReceiptPrinter]) -> None:
    serial_printer(serial_end, printers).print_document(sale_receipt())
    expected = simulated_bytes()
    received = serial_end.wait_for_job(len(expected))
    queries = ep.of_type(ep.parse(serial_end.received[: -len(received)]), ep.StatusQuery)
    assert [query.kind for query in queries] == [1, 2, 4]


def test_a_missing_serial_device_is_an_offline_printer(tmp_path: Path,
                                                       printers: list[ReceiptPrinter]) -> None:
    printer = create({"kind": "serial", "device": str(tmp_path / "ttyUSB9")})
    printers.append(printer)
    with pytest.raises(DeviceNotFound) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.reason == "printer_offline"
    assert printer.status() == PrinterStatus(online=False)


def test_nothing_listening_is_an_offline_printer_until_it_comes_up(
    printers: list[ReceiptPrinter],
) -> None:
    port = free_port()
    printer = network_printer(port, printers)

    with pytest.raises(DeviceNotFound) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.reason == "printer_offline"
    assert raised.value.message_key == "device.printer_offline"

    with NetworkPrinterEnd(port) as end:
        printer.print_document(sale_receipt())
        [job] = end.wait_for_connections(1)
    assert without_status_queries(job) == simulated_bytes()


@pytest.mark.parametrize(("answers", "reason"), [(PAPER_OUT, "paper_out"),
                                                 (COVER_OPEN, "cover_open")])
def test_serial_printer_refuses_without_paper_or_with_the_cover_open(
    answers: dict[int, bytes], reason: str, serial_end: SerialPrinterEnd,
    printers: list[ReceiptPrinter],
) -> None:
    printer = serial_printer(serial_end, printers)
    serial_end.answers.update(answers)

    with pytest.raises(DeviceProtocolError) as raised:
        printer.print_document(sale_receipt())

    assert raised.value.reason == reason
    assert only_status_queries(serial_end.received)  # nothing printed into the void
    serial_end.answers.update({1: READY, 2: READY, 4: READY})
    printer.print_document(sale_receipt())
    expected = simulated_bytes()
    assert serial_end.wait_for_job(len(expected)) == expected


@pytest.mark.parametrize(("answers", "reason"), [(PAPER_OUT, "paper_out"),
                                                 (COVER_OPEN, "cover_open")])
def test_network_printer_refuses_without_paper_or_with_the_cover_open(
    answers: dict[int, bytes], reason: str, network_end: NetworkPrinterEnd,
    printers: list[ReceiptPrinter],
) -> None:
    printer = network_printer(network_end.port, printers)
    network_end.answers.update(answers)

    with pytest.raises(DeviceProtocolError) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.reason == reason
    assert printer.status().online is False

    network_end.answers.update({1: READY, 2: READY, 4: READY})
    printer.print_document(sale_receipt())
    jobs = network_end.wait_for_connections(3)
    assert only_status_queries(jobs[0])
    assert without_status_queries(jobs[2]) == simulated_bytes()


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


def test_a_file_printer_in_a_missing_folder_is_offline(tmp_path: Path) -> None:
    printer = create({"kind": "file", "path": str(tmp_path / "no" / "lp0")})
    with pytest.raises(DeviceNotFound) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.reason == "printer_offline"
    assert printer.status() == PrinterStatus(online=False)
    printer.close()


def test_closing_twice_is_safe(network_end: NetworkPrinterEnd) -> None:
    printer = network_printer(network_end.port, [])
    assert isinstance(printer, EscposReceiptPrinter)
    printer.print_document(sale_receipt())
    printer.close()
    printer.close()
    assert not printer.transport.is_open


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


def test_a_ready_printer_says_so(serial_end: SerialPrinterEnd,
                                 printers: list[ReceiptPrinter]) -> None:
    printer = serial_printer(serial_end, printers)
    assert printer.status() == PrinterStatus(online=True, paper=PaperState.OK, cover_open=False)


def test_a_file_printer_whose_device_is_gone_is_offline_and_creates_nothing(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    printer = create({"kind": "file", "path": str(node)})
    with pytest.raises(DeviceNotFound) as raised:
        printer.print_document(sale_receipt())
    assert raised.value.message_key == "device.printer_offline"
    assert not node.exists()
    printer.close()
