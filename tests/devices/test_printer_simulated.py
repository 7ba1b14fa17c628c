"""SimulatedPrinter: the real renderer's bytes, and a real printer's faults on demand."""

from __future__ import annotations

import pytest
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError
from huiyuan_devices.printer.base import PaperState, PrinterStatus
from huiyuan_devices.printer.escpos_render import RenderOptions, render_to_bytes
from huiyuan_devices.printer.simulated import SimulatedPrinter

from tests.support import escpos_parser as ep
from tests.support.printer_documents import expected_lines, sale_receipt


def test_it_keeps_the_bytes_a_real_printer_would_get_and_the_document() -> None:
    printer = SimulatedPrinter()
    receipt = sale_receipt()

    printer.print_document(receipt)

    assert printer.printed == [render_to_bytes(receipt, RenderOptions())]
    assert printer.documents == [receipt]
    assert ep.texts(ep.parse(printer.printed[0])) == expected_lines()
    assert printer.drawer_kicks == 1


def test_paper_running_out_mid_receipt_keeps_what_reached_the_paper() -> None:
    printer = SimulatedPrinter()
    printer.fail_after_bytes = 120

    with pytest.raises(DeviceProtocolError) as raised:
        printer.print_document(sale_receipt())

    assert raised.value.reason == "paper_out"
    assert raised.value.message_key == "device.paper_out"
    assert len(printer.printed) == 1 and len(printer.printed[0]) == 120
    partial = ep.parse(printer.printed[0])
    assert ep.texts(partial)[:2] == expected_lines()[:2]
    assert isinstance(partial[-1], ep.Truncated)
    assert ep.of_type(partial, ep.Cut) == []
    assert printer.documents == [] and printer.drawer_kicks == 0
    assert printer.status().paper is PaperState.OUT


def test_after_new_paper_the_next_receipt_prints_whole() -> None:
    printer = SimulatedPrinter()
    printer.fail_after_bytes = 50
    with pytest.raises(DeviceProtocolError):
        printer.print_document(sale_receipt())
    with pytest.raises(DeviceProtocolError, match="paper_out"):
        printer.print_document(sale_receipt())  # still out: refused, nothing more printed
    assert len(printer.printed) == 1

    printer.paper_out = False
    printer.print_document(sale_receipt())

    assert ep.texts(ep.parse(printer.printed[-1])) == expected_lines()
    assert len(printer.documents) == 1


def test_fail_after_bytes_counts_down_over_several_receipts() -> None:
    printer = SimulatedPrinter()
    length = len(render_to_bytes(sale_receipt(), RenderOptions()))
    printer.fail_after_bytes = length + 10

    printer.print_document(sale_receipt())
    with pytest.raises(DeviceProtocolError, match="paper_out"):
        printer.print_document(sale_receipt())

    assert [len(job) for job in printer.printed] == [length, 10]


def test_drawer_kicks_are_counted_and_need_the_printer_there() -> None:
    printer = SimulatedPrinter()
    printer.paper_out = True
    printer.kick_drawer()  # the drawer opens without paper
    assert printer.drawer_kicks == 1
    printer.offline = True
    with pytest.raises(DeviceNotFound):
        printer.kick_drawer()


def test_status_and_close() -> None:
    printer = SimulatedPrinter()
    assert printer.status() == PrinterStatus(online=True, paper=PaperState.OK, cover_open=False)
    printer.close()
    printer.close()
    assert printer.closed
