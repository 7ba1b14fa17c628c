"""The terminal's [devices.*] tables, read by the one bounded reader (terminal/device_tables.py):
the same kinds, keys and choices as the drivers take, every fault named by its table and key at
start, and the tables handed typed to the drivers, which build from them."""

from __future__ import annotations

from typing import Any

import pytest
from huiyuan_devices.cardreader import factory as reader_factory
from huiyuan_devices.cardreader.wedge import UID_BYTE_ORDERS, WEDGE_VALUES
from huiyuan_devices.keypad import factory as keypad_factory
from huiyuan_devices.printer import factory as printer_factory
from huiyuan_devices.printer.document import COLUMNS_BY_PAPER_MM
from huiyuan_devices.printer.escpos_transports import FLOW_CONTROLS

from terminal import device_tables
from terminal.config import ConfigError, config_from_mapping


def devices(**tables: dict[str, Any]) -> dict[str, Any]:
    return dict(config_from_mapping({"devices": tables}, environ={}).devices)


def test_the_kinds_and_keys_are_the_drivers_own() -> None:
    printer = {kind: {"kind", *keys} for kind, keys in device_tables.PRINTER_KINDS.items()}
    assert printer == {kind: set(keys) for kind, keys in printer_factory.KEYS_BY_KIND.items()}
    reader = {kind: set(keys) - {"name"} for kind, keys in
              device_tables.CARD_READER_KINDS.items()}
    assert reader == {kind: set(keys) for kind, keys in reader_factory.KEYS_BY_KIND.items()}
    pinpad = {kind: {"kind", *keys} for kind, keys in device_tables.PINPAD_KINDS.items()}
    assert pinpad == {kind: set(keys) for kind, keys in keypad_factory.KEYS_BY_KIND.items()}


def test_the_choices_and_bounds_are_the_drivers_own() -> None:
    assert tuple(COLUMNS_BY_PAPER_MM) == device_tables.PAPER_MM
    assert device_tables.BAUD_RATES == printer_factory.BAUD_RATES
    assert tuple(FLOW_CONTROLS) == device_tables.FLOW_CONTROLS
    assert (device_tables.WEDGE_VALUES, device_tables.UID_BYTE_ORDERS) == (WEDGE_VALUES,
                                                                           UID_BYTE_ORDERS)
    columns = {"kind": "simulated", "columns": printer_factory.MIN_COLUMNS}
    assert devices(printer=columns)["printer"]["columns"] == printer_factory.MIN_COLUMNS
    with pytest.raises(ConfigError, match="between 24 and 64"):
        devices(printer={**columns, "columns": printer_factory.MAX_COLUMNS + 1})


@pytest.mark.parametrize(("device", "table", "message"), [
    ("printer", {}, r"\[devices\.printer\] needs kind"),
    ("printer", {"kind": "bluetooth"}, r"devices\.printer\.kind must be one of simulated"),
    ("printer", {"kind": "serial"}, r"\[devices\.printer\] needs device"),
    ("printer", {"kind": "serial", "device": "/dev/ttyS0", "baud_rate": 9600},
     r"\[devices\.printer\] has unknown setting\(s\): baud_rate"),
    ("printer", {"kind": "serial", "device": "/dev/ttyS0", "baudrate": 9601},
     r"devices\.printer\.baudrate must be one of"),
    ("printer", {"kind": "serial", "device": "/dev/ttyS0", "flow_control": "rts"},
     r"devices\.printer\.flow_control"),
    ("printer", {"kind": "network", "host": " "}, r"devices\.printer\.host must not be empty"),
    ("printer", {"kind": "network", "host": "p", "port": 70000}, r"devices\.printer\.port"),
    ("printer", {"kind": "network", "host": "p", "timeout": 0},
     r"devices\.printer\.timeout must be more than 0 and at most 60"),
    ("printer", {"kind": "network", "host": "p", "status_check": "yes"},
     r"devices\.printer\.status_check must be bool"),
    ("printer", {"kind": "network", "host": "p", "status_timeout": True},
     r"devices\.printer\.status_timeout must be float"),
    ("printer", {"kind": "usb", "vendor_id": "0x0416"}, r"\[devices\.printer\] needs product_id"),
    ("printer", {"kind": "usb", "vendor_id": "printer", "product_id": 1},
     r"devices\.printer\.vendor_id must be a number 0-0xFFFF"),
    ("printer", {"kind": "file", "path": "/dev/usb/lp0", "status_check": True},
     r"unknown setting\(s\): status_check"),
    ("printer", {"kind": "simulated", "paper_mm": 76}, r"devices\.printer\.paper_mm"),
    ("printer", {"kind": "simulated", "drawer_pin": 3}, r"devices\.printer\.drawer_pin"),
    ("card_reader", {"kind": "pcsc", "readr": "ACR122"}, r"card_reader\] .*: readr"),
    ("card_reader", {"kind": "pcsc", "reader_index": -1}, r"card_reader\.reader_index"),
    ("card_reader", {"kind": "wedge"}, r"card_reader\] needs device .* or name"),
    ("card_reader", {"kind": "wedge", "device": "/dev/x", "wedge_value": "serial"},
     r"card_reader\.wedge_value must be one of card_no, uid"),
    ("card_reader", {"kind": "wedge", "device": "/dev/x", "char_timeout_s": "fast"},
     r"card_reader\.char_timeout_s must be float"),
    ("pinpad", {"kind": "serial"}, r"devices\.pinpad\.kind must be one of simulated, evdev"),
    ("pinpad", {"kind": "evdev"}, r"\[devices\.pinpad\] needs device .* or name"),
    ("pinpad", {"kind": "simulated", "device": "/dev/x"}, r"unknown setting\(s\): device"),
    ("pinpad", "evdev", r"devices\.pinpad must be a table"),
])
def test_a_bad_device_table_stops_the_start_with_its_table_and_key(
        device: str, table: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        devices(**{device: table})


def test_an_unknown_device_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"\[devices\] has unknown setting\(s\): scale"):
        devices(scale={"kind": "simulated"})


def test_the_drivers_are_handed_typed_tables_and_build_from_them() -> None:
    tables = devices(
        card_reader={"kind": "pcsc", "reader": "ACR122", "retry_interval_s": 2},
        pinpad={"kind": "evdev", "device": "/dev/input/member-pinpad"},
        printer={"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200, "timeout": 2},
    )
    assert tables["printer"] == {"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200,
                                 "timeout": 2.0}
    assert isinstance(tables["printer"]["timeout"], float)
    assert tables["card_reader"]["retry_interval_s"] == 2.0
    printer = printer_factory.create(tables["printer"])
    assert printer.transport.settings.timeout == 2.0  # type: ignore[attr-defined]
    printer.close()
    keypad_factory.create(tables["pinpad"]).close()
    reader_factory.create(tables["card_reader"])


def test_a_device_not_given_is_simulated() -> None:
    assert devices() == {name: {"kind": "simulated"} for name in device_tables.DEVICE_NAMES}
    usb = devices(printer={"kind": "usb", "vendor_id": "0x0416", "product_id": 0x5011})
    assert usb["printer"]["vendor_id"] == "0x0416"  # the driver reads the hex itself
    assert usb["pinpad"] == {"kind": "simulated"}
