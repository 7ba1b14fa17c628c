"""printer.factory.create: a printer from the terminal's [printer] table, or a clear ValueError."""

from __future__ import annotations

from typing import Any

import pytest
from huiyuan_devices.printer.escpos_printer import EscposReceiptPrinter
from huiyuan_devices.printer.escpos_transports import (
    FileTransport,
    NetworkTransport,
    SerialTransport,
    UsbTransport,
)
from huiyuan_devices.printer.factory import create
from huiyuan_devices.printer.simulated import SimulatedPrinter


@pytest.mark.parametrize(("paper_mm", "columns", "pixels"), [(58, 32, 384), (80, 48, 576)])
def test_paper_width_gives_columns_and_image_width(paper_mm: int, columns: int,
                                                   pixels: int) -> None:
    printer = create({"kind": "simulated", "paper_mm": paper_mm})
    assert isinstance(printer, SimulatedPrinter)
    assert printer.columns == columns
    assert printer.profile.profile_data["media"]["width"]["pixels"] == pixels


@pytest.mark.parametrize(
    ("config", "transport", "status_check"),
    [
        ({"kind": "serial", "device": "/dev/ttyS0"}, SerialTransport, True),
        ({"kind": "network", "host": "192.168.1.50"}, NetworkTransport, True),
        ({"kind": "usb", "vendor_id": "0x0416", "product_id": 0x5011}, UsbTransport, False),
        ({"kind": "usb", "vendor_id": 1046, "product_id": "5011", "status_check": True},
         UsbTransport, True),
        ({"kind": "file", "path": "/dev/usb/lp0"}, FileTransport, False),
    ],
)
def test_each_kind_gets_its_transport_and_status_check_default(
    config: dict[str, Any], transport: type, status_check: bool
) -> None:
    printer = create(config)
    assert isinstance(printer, EscposReceiptPrinter)
    assert isinstance(printer.transport, transport)
    assert printer.status_check is status_check
    assert not printer.transport.is_open  # opened on first use only
    printer.close()


def test_settings_reach_the_transport() -> None:
    printer = create({"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200,
                      "timeout": 2, "flow_control": "none", "name": "前台打印机",
                      "status_timeout": 0.2, "columns": 42, "profile": "TM-T88V"})
    assert isinstance(printer, EscposReceiptPrinter)
    assert isinstance(printer.transport, SerialTransport)
    assert printer.transport.settings.baudrate == 19200
    assert printer.transport.settings.flow_control == "none"
    assert (printer.name, printer.columns, printer.status_timeout) == ("前台打印机", 42, 0.2)
    assert printer.profile.profile_data["media"]["width"]["pixels"] == 512  # TM-T88V's own
    usb = create({"kind": "usb", "vendor_id": "0x0416", "product_id": "0x5011", "in_ep": "0x81"})
    assert isinstance(usb, EscposReceiptPrinter) and isinstance(usb.transport, UsbTransport)
    assert (usb.transport.settings.vendor_id, usb.transport.settings.in_ep) == (0x0416, 0x81)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "kind"),
        ({"kind": "bluetooth"}, "kind"),
        ({"kind": "serial"}, "device"),
        ({"kind": "serial", "device": "/dev/ttyS0", "baud_rate": 9600}, "baud_rate"),
        ({"kind": "serial", "device": "/dev/ttyS0", "baudrate": 9601}, "baudrate"),
        ({"kind": "serial", "device": "/dev/ttyS0", "flow_control": "rts"}, "flow_control"),
        ({"kind": "network", "host": "p", "port": 70000}, "port"),
        ({"kind": "network", "host": "p", "timeout": 0}, "timeout"),
        ({"kind": "network", "host": "p", "status_check": "yes"}, "status_check"),
        ({"kind": "network", "host": "p", "status_timeout": True}, "status_timeout"),
        ({"kind": "usb", "vendor_id": "0x0416"}, "product_id"),
        ({"kind": "usb", "vendor_id": "printer", "product_id": 1}, "vendor_id"),
        ({"kind": "file", "path": "/dev/usb/lp0", "status_check": True}, "status_check"),
        ({"kind": "simulated", "paper_mm": 76}, "paper_mm"),
        ({"kind": "simulated", "columns": 100}, "columns"),
        ({"kind": "simulated", "encoding": "klingon"}, "encoding"),
        ({"kind": "simulated", "encoding": "utf-8"}, "encoding"),
        ({"kind": "simulated", "profile": "TM-NOPE"}, "TM-NOPE"),
        ({"kind": "simulated", "drawer_pin": 3}, "drawer_pin"),
    ],
)
def test_bad_configuration_is_a_clear_value_error(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create(config)


def test_a_non_chinese_code_page_is_accepted_when_the_profile_has_it() -> None:
    printer = create({"kind": "simulated", "encoding": "cp437"})
    assert isinstance(printer, SimulatedPrinter)
    assert not printer.render_options.chinese_mode
