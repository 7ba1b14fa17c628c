"""The terminal's [devices.card_reader], [devices.pinpad] and [devices.printer] tables, read and
bounded by the one reader (membership.config_reader) at start, so that a misspelt key or a
baud rate out of the list stops the terminal with `devices.printer.baudrate ...` on one line,
before any driver is built.

huiyuan_devices is installed on its own and its diagnostic reads the same TOML without the
terminal, so its factories keep checking the tables they are given, and it does not import the
membership core. What each kind takes is declared here once more, with the drivers' own values;
tests/unit/test_device_tables.py holds the two to the same keys, kinds and choices. The driver
receives the table typed (whole seconds as floats), its defaults untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from membership.config_reader import REQUIRED, Table

DEVICE_NAMES = ("card_reader", "pinpad", "printer")
SIMULATED: Mapping[str, str] = {"kind": "simulated"}

Reader = Callable[[Table, str], Any]
_OMITTED: Any = object()  # an optional key not given: the driver's default applies


def text(*, required: bool = False, choices: Iterable[str] | None = None) -> Reader:
    default = REQUIRED if required else _OMITTED
    return lambda table, key: table.text(key, default, choices=choices, blank=not required)


def integer(*, minimum: int | None = None, maximum: int | None = None,
            choices: Iterable[int] | None = None) -> Reader:
    return lambda table, key: table.integer(key, _OMITTED, minimum=minimum, maximum=maximum,
                                            choices=choices)


def seconds(*, maximum: float) -> Reader:
    return lambda table, key: table.number(key, _OMITTED, above=0, maximum=maximum)


def boolean() -> Reader:
    return lambda table, key: table.boolean(key, _OMITTED)


def usb_number(*, required: bool = False) -> Reader:
    """A USB id or endpoint: a number, or text in hex ("0x0416") as lsusb shows it."""
    def read(table: Table, key: str) -> Any:
        value = table.value(key, REQUIRED if required else _OMITTED)
        number = value
        if isinstance(value, str):
            try:
                number = int(value, 16)
            except ValueError:
                number = None
        if value is not _OMITTED and (isinstance(number, bool) or not isinstance(number, int)
                                      or not 0 <= number <= 0xFFFF):
            table.fail(key, f"must be a number 0-0xFFFF, not {value!r}", "range", value=value)
        return value
    return read


PAPER_MM = (58, 80)
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
FLOW_CONTROLS = ("dsrdtr", "xonxoff", "none")
WEDGE_VALUES = ("card_no", "uid")
UID_BYTE_ORDERS = ("", "msb", "lsb")

_PRINTER: dict[str, Reader] = {
    "name": text(), "paper_mm": integer(choices=PAPER_MM), "columns": integer(minimum=24,
                                                                              maximum=64),
    "encoding": text(), "profile": text(), "drawer_pin": integer(choices=(2, 5)),
}
_STATUS = {"status_check": boolean(), "status_timeout": seconds(maximum=60)}
PRINTER_KINDS: dict[str, dict[str, Reader]] = {
    "simulated": _PRINTER,
    "serial": {**_PRINTER, **_STATUS, "device": text(required=True),
               "baudrate": integer(choices=BAUD_RATES), "timeout": seconds(maximum=60),
               "flow_control": text(choices=FLOW_CONTROLS)},
    "usb": {**_PRINTER, **_STATUS, "vendor_id": usb_number(required=True),
            "product_id": usb_number(required=True), "in_ep": usb_number(),
            "out_ep": usb_number(), "timeout": seconds(maximum=60)},
    "network": {**_PRINTER, **_STATUS, "host": text(required=True),
                "port": integer(minimum=1, maximum=65535), "timeout": seconds(maximum=60)},
    "file": {**_PRINTER, "path": text(required=True)},
}
CARD_READER_KINDS: dict[str, dict[str, Reader]] = {
    "simulated": {"name": text()},
    "pcsc": {"name": text(), "reader": text(), "reader_index": integer(minimum=0, maximum=15),
             "retry_interval_s": seconds(maximum=60)},
    "wedge": {"name": text(), "device": text(), "label": text(),
              "wedge_value": text(choices=WEDGE_VALUES),
              "uid_decimal_byte_order": text(choices=UID_BYTE_ORDERS),
              "char_timeout_s": seconds(maximum=10), "max_length": integer(minimum=1,
                                                                           maximum=1024),
              "reopen_interval_s": seconds(maximum=600)},
}
PINPAD_KINDS: dict[str, dict[str, Reader]] = {
    "simulated": {"label": text()},
    "evdev": {"device": text(), "name": text(), "label": text()},
}
KINDS_BY_DEVICE = {"card_reader": CARD_READER_KINDS, "pinpad": PINPAD_KINDS,
                   "printer": PRINTER_KINDS}
# Kinds read from an evdev input device, found by its path or by part of its name.
_EVDEV = {("card_reader", "wedge"), ("pinpad", "evdev")}


def read_devices(devices: Table) -> dict[str, dict[str, Any]]:
    """Every device's table, typed; a device not given is simulated."""
    tables = {}
    for name in DEVICE_NAMES:
        table = devices.table(name)  # read even when absent: finish() names the known ones
        tables[name] = _read_device(table, name) if name in devices else dict(SIMULATED)
    devices.finish()
    return tables


def _read_device(table: Table, device: str) -> dict[str, Any]:
    kinds = KINDS_BY_DEVICE[device]
    kind = table.text("kind", choices=kinds)
    values = {key: read(table, key) for key, read in kinds[kind].items()}
    table.finish()
    typed = {"kind": kind, **{key: value for key, value in values.items()
                              if value is not _OMITTED}}
    if (device, kind) in _EVDEV and not (typed.get("device") or typed.get("name")):
        raise table.error(f"[{table.name}] needs device (a path) or name (part of the device's "
                          "name)", "config.setting_missing", table=table.name, setting="device")
    return typed

