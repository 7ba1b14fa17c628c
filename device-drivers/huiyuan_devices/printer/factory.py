"""`create(config)`: a ReceiptPrinter from a plain mapping (the terminal's `[printer]` TOML table).

    kind            "simulated" | "serial" | "usb" | "network" | "file"     (required)
    name            "receipt_printer"          in logs and DeviceError.device
    paper_mm        58 (32 columns) | 80 (48 columns)
    columns         24-64, only for a printer whose font gives another count (e.g. 42)
    encoding        "gb18030" (Chinese mode; also "gbk", "gb2312") or a code page such as
                    "cp437" for a printer without Chinese fonts (unprintable characters -> "?")
    profile         an escpos printer profile name, e.g. "TM-T88V" (default: generic, with the
                    media width of paper_mm)
    drawer_pin      2 | 5                       the drawer kick connector pin
    status_check    true | false                DLE EOT before each job (serial, network, usb);
                    default true for serial and network, false for usb
    status_timeout  seconds per status query, default 0.5
  serial:   device (required), baudrate (9600), timeout (5.0), flow_control ("dsrdtr" |
            "xonxoff" | "none")
  usb:      vendor_id, product_id (required; int or "0x0416"), in_ep, out_ep, timeout (5.0)
  network:  host (required), port (9100), timeout (5.0)
  file:     path (required), e.g. "/dev/usb/lp0"

Unknown kinds, unknown keys (a misspelt key would otherwise be ignored) and bad values raise
ValueError naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from huiyuan_devices.printer.base import ReceiptPrinter
from huiyuan_devices.printer.document import COLUMNS_BY_PAPER_MM
from huiyuan_devices.printer.escpos_printer import DEFAULT_STATUS_TIMEOUT, EscposReceiptPrinter
from huiyuan_devices.printer.escpos_render import (
    RenderOptions,
    canonical_encoding,
    code_page_number,
    printer_profile,
)
from huiyuan_devices.printer.escpos_transports import (
    FLOW_CONTROLS,
    FileSettings,
    FileTransport,
    NetworkSettings,
    NetworkTransport,
    SerialSettings,
    SerialTransport,
    Transport,
    UsbSettings,
    UsbTransport,
)
from huiyuan_devices.printer.simulated import SimulatedPrinter

KINDS = ("simulated", "serial", "usb", "network", "file")
COMMON_KEYS = frozenset({"kind", "name", "paper_mm", "columns", "encoding", "profile",
                         "drawer_pin"})
STATUS_KEYS = frozenset({"status_check", "status_timeout"})
KEYS_BY_KIND = {
    "simulated": COMMON_KEYS,
    "serial": COMMON_KEYS | STATUS_KEYS | {"device", "baudrate", "timeout", "flow_control"},
    "usb": COMMON_KEYS | STATUS_KEYS | {"vendor_id", "product_id", "in_ep", "out_ep", "timeout"},
    "network": COMMON_KEYS | STATUS_KEYS | {"host", "port", "timeout"},
    "file": COMMON_KEYS | {"path"},
}
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
MIN_COLUMNS, MAX_COLUMNS = 24, 64
DEFAULT_NAME = "receipt_printer"


def create(config: Mapping[str, Any]) -> ReceiptPrinter:
    kind = config.get("kind")
    if kind not in KEYS_BY_KIND:
        raise ValueError(f"printer kind must be one of {', '.join(KINDS)}, not {kind!r}")
    unknown = sorted(set(config) - KEYS_BY_KIND[kind])
    if unknown:
        raise ValueError(f"unknown key(s) for a {kind} printer: {', '.join(unknown)}")
    name = _text(config, "name", DEFAULT_NAME)
    paper_mm = _choice(config, "paper_mm", 58, tuple(COLUMNS_BY_PAPER_MM))
    profile = printer_profile(paper_mm, _text(config, "profile", "") or None)
    options = _render_options(config, paper_mm, profile)
    if kind == "simulated":
        return SimulatedPrinter(name=name, render_options=options, profile=profile)
    transport = _transport(kind, config, profile, name)
    status_check = config.get("status_check")
    if status_check is not None and not isinstance(status_check, bool):
        raise ValueError(f"printer status_check must be true or false, not {status_check!r}")
    return EscposReceiptPrinter(
        transport,
        name=name,
        render_options=options,
        profile=profile,
        status_check=status_check,
        status_timeout=_seconds(config, "status_timeout", DEFAULT_STATUS_TIMEOUT),
    )


def _render_options(config: Mapping[str, Any], paper_mm: int, profile: Any) -> RenderOptions:
    columns = _integer(config, "columns", COLUMNS_BY_PAPER_MM[paper_mm], MIN_COLUMNS, MAX_COLUMNS)
    options = RenderOptions(
        columns=columns,
        encoding=_text(config, "encoding", "gb18030"),
        drawer_pin=_choice(config, "drawer_pin", 2, (2, 5)),
    )
    try:
        canonical_encoding(options.encoding)
        if not options.chinese_mode:
            code_page_number(profile, options.encoding)
    except ValueError as error:
        raise ValueError(f"printer encoding: {error}") from error
    return options


def _transport(kind: str, config: Mapping[str, Any], profile: Any, name: str) -> Transport:
    timeout = _seconds(config, "timeout", 5.0)
    if kind == "serial":
        settings = SerialSettings(
            device=_required_text(config, "device"),
            baudrate=_choice(config, "baudrate", 9600, BAUD_RATES),
            timeout=timeout,
            flow_control=_choice(config, "flow_control", "dsrdtr", FLOW_CONTROLS),
        )
        return SerialTransport(settings, profile, name)
    if kind == "usb":
        usb = UsbSettings(
            vendor_id=_required_usb_number(config, "vendor_id"),
            product_id=_required_usb_number(config, "product_id"),
            in_ep=_usb_number(config, "in_ep"),
            out_ep=_usb_number(config, "out_ep"),
            timeout=timeout,
        )
        return UsbTransport(usb, profile, name)
    if kind == "network":
        network = NetworkSettings(
            host=_required_text(config, "host"),
            port=_integer(config, "port", 9100, 1, 65535),
            timeout=timeout,
        )
        return NetworkTransport(network, profile, name)
    return FileTransport(FileSettings(path=_required_text(config, "path")), profile, name)


def _text(config: Mapping[str, Any], key: str, default: str) -> str:
    value = config.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"printer {key} must be a string, not {value!r}")
    return value


def _required_text(config: Mapping[str, Any], key: str) -> str:
    value = _text(config, key, "")
    if not value.strip():
        raise ValueError(f"a {config['kind']} printer needs {key}")
    return value


def _integer(config: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"printer {key} must be a whole number {low}-{high}, not {value!r}")
    return value


def _choice(config: Mapping[str, Any], key: str, default: Any, allowed: tuple[Any, ...]) -> Any:
    value = config.get(key, default)
    if isinstance(value, bool) or value not in allowed:
        choices = ", ".join(str(choice) for choice in allowed)
        raise ValueError(f"printer {key} must be one of {choices}, not {value!r}")
    return value


def _seconds(config: Mapping[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 60:
        raise ValueError(f"printer {key} must be seconds, more than 0 and at most 60, "
                         f"not {value!r}")
    return float(value)


def _required_usb_number(config: Mapping[str, Any], key: str) -> int:
    number = _usb_number(config, key)
    if number is None:
        raise ValueError(f"a usb printer needs {key}")
    return number


def _usb_number(config: Mapping[str, Any], key: str) -> int | None:
    """A USB id or endpoint: an int, or a string in hex ("0x0416") as lsusb shows them."""
    value = config.get(key)
    if value is None:
        return None
    number = value
    if isinstance(value, str):
        try:
            number = int(value, 16)
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 0xFFFF:
        raise ValueError(f"printer {key} must be a number 0-0xFFFF, not {value!r}")
    return number
