"""The ReceiptPrinter contract, run on the simulator and on EscposReceiptPrinter over the real
transports (python-escpos's Dummy, Serial on a socat pseudo-terminal pair, Network on a local
listener, a device file): a Chinese sale receipt comes out as the same bytes and decodes to the
same lines; paper out and an open cover refuse the job with our error where the printer can
report them; a printer that is not there, or goes away, gives our error; and the same printer
object prints again once the fault is gone. Transport-specific behaviour stays in
test_printer_transports.py, the simulator's fault injection in test_printer_simulated.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huiyuan_devices.errors import DeviceError, DeviceProtocolError
from huiyuan_devices.printer.base import PaperState, PrinterStatus
from huiyuan_devices.printer.document import COLUMNS_BY_PAPER_MM
from huiyuan_devices.printer.factory import create
from huiyuan_devices.printer.simulated import SimulatedPrinter

from tests.devices.printer_support import (
    ALL_KINDS,
    HANGS_UP_KINDS,
    STATUS_KINDS,
    UNPLUGGABLE_KINDS,
    PrinterRig,
    make_rig,
)
from tests.support import escpos_parser as ep
from tests.support.printer_documents import QR_PAYLOAD, expected_lines, sale_receipt
from tests.support.printer_ends import without_status_queries


def rig_fixture(kinds: tuple[str, ...]) -> Any:
    """A fixture giving a rig (58 mm paper) of each of `kinds`, in turn."""

    @pytest.fixture(params=kinds)
    def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrinterRig]:
        made = make_rig(request.param, 58, tmp_path)
        yield made
        made.close()

    return rig


any_rig = rig_fixture(ALL_KINDS)
status_rig = rig_fixture(STATUS_KINDS)
unpluggable_rig = rig_fixture(UNPLUGGABLE_KINDS)
hanging_up_rig = rig_fixture(HANGS_UP_KINDS)


@pytest.fixture(params=[(kind, paper_mm) for kind in ALL_KINDS for paper_mm in (58, 80)],
                ids=lambda param: f"{param[0]}-{param[1]}mm")
def rig_and_paper(request: pytest.FixtureRequest,
                  tmp_path: Path) -> Iterator[tuple[PrinterRig, int]]:
    kind, paper_mm = request.param
    made = make_rig(kind, paper_mm, tmp_path)
    yield made, paper_mm
    made.close()


def simulated_bytes(paper_mm: int = 58) -> bytes:
    """The bytes our renderer makes of the sale receipt: what every printer must receive."""
    simulator = create({"kind": "simulated", "paper_mm": paper_mm})
    assert isinstance(simulator, SimulatedPrinter)
    simulator.print_document(sale_receipt(COLUMNS_BY_PAPER_MM[paper_mm]))
    return simulator.printed[0]


def print_sale(rig: PrinterRig, paper_mm: int = 58) -> None:
    rig.printer.print_document(sale_receipt(COLUMNS_BY_PAPER_MM[paper_mm]))


def assert_sale_printed(rig: PrinterRig, paper_mm: int = 58) -> None:
    expected = simulated_bytes(paper_mm)
    assert rig.wait_for_job(len(expected)) == expected


def assert_nothing_printed(rig: PrinterRig) -> None:
    """At most status queries reached the far end: nothing went onto the paper."""
    assert without_status_queries(rig.received_since_last_job()) == b""


def test_a_chinese_sale_receipt_prints_the_same_bytes_and_decodes_to_its_lines(
    rig_and_paper: tuple[PrinterRig, int],
) -> None:
    rig, paper_mm = rig_and_paper
    columns = COLUMNS_BY_PAPER_MM[paper_mm]
    print_sale(rig, paper_mm)

    job = rig.wait_for_job(len(simulated_bytes(paper_mm)))

    assert job == simulated_bytes(paper_mm)
    elements = ep.parse(job)
    assert ep.texts(elements) == expected_lines(columns)
    assert ep.of_type(elements, ep.QrCode)[0].payload == QR_PAYLOAD
    assert ep.Cut(partial=False) in elements
    assert ep.of_type(elements, ep.DrawerKick)


@pytest.mark.parametrize("fault", ["paper_out", "cover_open"])
def test_paper_out_or_an_open_cover_refuses_the_job_and_it_prints_once_fixed(
    fault: str, status_rig: PrinterRig,
) -> None:
    status_rig.answer(fault)

    with pytest.raises(DeviceProtocolError) as raised:
        print_sale(status_rig)

    assert raised.value.reason == fault
    assert raised.value.message_key == f"device.{fault}"
    assert_nothing_printed(status_rig)  # nothing printed into the void
    status = status_rig.printer.status()
    assert status.online is False
    assert (status.paper is PaperState.OUT) == (fault == "paper_out")
    assert status.cover_open is (fault == "cover_open")
    status_rig.answer("ready")
    print_sale(status_rig)
    assert_sale_printed(status_rig)


def test_a_printer_that_is_not_there_is_offline_and_prints_once_plugged_in(
    unpluggable_rig: PrinterRig,
) -> None:
    unpluggable_rig.unplug()

    with pytest.raises(DeviceError) as raised:
        print_sale(unpluggable_rig)

    assert raised.value.message_key == "device.printer_offline"
    assert unpluggable_rig.printer.status().online is False
    unpluggable_rig.plug_in()
    print_sale(unpluggable_rig)
    assert_sale_printed(unpluggable_rig)


def test_a_printer_gone_between_jobs_is_offline_until_it_is_back(
    hanging_up_rig: PrinterRig,
) -> None:
    print_sale(hanging_up_rig)
    assert_sale_printed(hanging_up_rig)
    hanging_up_rig.unplug()

    for _ in range(2):  # and again: the driver is not left broken by the first failure
        with pytest.raises(DeviceError) as raised:
            print_sale(hanging_up_rig)
        assert raised.value.message_key == "device.printer_offline"

    hanging_up_rig.plug_in()
    print_sale(hanging_up_rig)
    assert_sale_printed(hanging_up_rig)


def test_a_ready_printer_says_so_as_far_as_it_can_tell_and_closes_twice(
    any_rig: PrinterRig,
) -> None:
    can_tell = any_rig.kind in STATUS_KINDS
    assert any_rig.printer.status() == (
        PrinterStatus(online=True, paper=PaperState.OK, cover_open=False) if can_tell
        else PrinterStatus(online=True))  # paper and cover unknown: nothing to read them
    print_sale(any_rig)
    assert_sale_printed(any_rig)
    any_rig.printer.close()
    any_rig.printer.close()
