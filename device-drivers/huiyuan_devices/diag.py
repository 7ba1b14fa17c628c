"""A technician's diagnostic: what is plugged in, and does each configured device work?

    .venv/bin/python -m huiyuan_devices.diag [--config terminal.toml] [--simulated]
                                             [--skip-card] [--skip-pin] [--timeout 30]

Lists detected devices (PC/SC readers, input devices, serial ports, known USB devices), prints a
test receipt, waits for a card and reads it, and asks for a test PIN, showing only that one was
entered (and how many digits). The configuration is the terminal's TOML file: tables
`[devices.card_reader]`, `[devices.pinpad]` and `[devices.printer]`; without one, the standard
devices of the terminal image are assumed. `--simulated` runs every step on the simulators, with
a demo card presented and a demo PIN typed for you.

Exit status: 0 when every step passed, 1 when a device is missing or failed (each problem is
printed on its own line), 2 when the configuration cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import threading
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from huiyuan_devices import detect
from huiyuan_devices.cardreader.base import CardEvent, CardPresented, ReaderFault
from huiyuan_devices.cardreader.factory import create as create_reader
from huiyuan_devices.errors import DeviceError
from huiyuan_devices.keypad.base import PinOutcome, PinResult
from huiyuan_devices.keypad.factory import create as create_pinpad
from huiyuan_devices.printer.document import Align, PrintDocument, QrCode, Rule, TextLine
from huiyuan_devices.printer.factory import create as create_printer

IMAGE_DEVICES: dict[str, dict[str, Any]] = {
    "card_reader": {"kind": "pcsc"},
    "pinpad": {"kind": "evdev", "device": "/dev/input/member-pinpad"},
    "printer": {"kind": "file", "path": "/dev/receipt-printer"},
}
SIMULATED_DEVICES: dict[str, dict[str, Any]] = {
    "card_reader": {"kind": "simulated"},
    "pinpad": {"kind": "simulated"},
    "printer": {"kind": "simulated"},
}
DEMO_CARD = {"uid": "04A1B2C3D4E5F6", "card_no": "8800000000001234"}
DEMO_PIN = "2580"
SIMULATED_DELAY_S = 0.2


class ConfigUnreadable(Exception):
    """The configuration file is missing, not TOML, or has no usable device tables."""


def load_devices(path: Path | None, simulated: bool) -> dict[str, dict[str, Any]]:
    if simulated:
        return {name: dict(table) for name, table in SIMULATED_DEVICES.items()}
    if path is None:
        return {name: dict(table) for name, table in IMAGE_DEVICES.items()}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigUnreadable(f"{path}: {error}") from error
    devices = document.get("devices", {})
    if not isinstance(devices, dict) or not all(isinstance(table, dict)
                                                for table in devices.values()):
        raise ConfigUnreadable(f"{path}: [devices.*] must be tables")
    return {name: dict(table) for name, table in devices.items() if name in IMAGE_DEVICES}


def test_document() -> PrintDocument:
    """A receipt that shows Chinese, alignment at the paper's width, bold, double size and QR."""
    return PrintDocument(blocks=(
        TextLine("打印测试", bold=True, double=True, align=Align.CENTER),
        TextLine("Printer test 设备诊断", align=Align.CENTER),
        Rule(),
        TextLine("中文 GB18030：会员储值 ¥12.30"),
        TextLine("对齐 0123456789 abcdefghij"),
        TextLine("粗体 Bold", bold=True),
        Rule(),
        QrCode("huiyuan-diag"),
    ), title="diagnostic test receipt")


def check_printer(config: Mapping[str, Any], say: Callable[[str], None]) -> str:
    """'' when the test receipt printed, otherwise the problem."""
    try:
        printer = create_printer(config)
    except ValueError as error:
        return f"printer: configuration: {error}"
    try:
        document = test_document()
        printer.print_document(PrintDocument(document.blocks, columns=printer.columns,
                                             encoding=printer.encoding, title=document.title))
        status = printer.status()
        say(f"printer: test receipt printed ({printer.columns} columns); online={status.online}"
            f" paper={status.paper.value} cover_open={status.cover_open}")
        return ""
    except DeviceError as error:
        return f"printer: {error} [{error.message_key}]"
    finally:
        printer.close()


def check_card_reader(config: Mapping[str, Any], timeout_s: float,
                      say: Callable[[str], None]) -> str:
    try:
        reader = create_reader(config)
    except ValueError as error:
        return f"card reader: configuration: {error}"
    seen: list[CardEvent] = []
    arrived = threading.Event()

    def on_event(event: CardEvent) -> None:
        if isinstance(event, CardPresented | ReaderFault) and not arrived.is_set():
            seen.append(event)
            arrived.set()

    say(f"card reader: waiting up to {timeout_s:.0f} s for a card...")
    reader.start(on_event)
    try:
        _present_demo_card(reader)
        if not arrived.wait(timeout_s):
            return "card reader: no card was presented in time"
    finally:
        reader.stop()
    return _card_outcome(seen[0], say)


def _present_demo_card(reader: Any) -> None:
    present = getattr(reader, "present", None)  # only the simulator has hands
    if callable(present):
        threading.Timer(SIMULATED_DELAY_S, present, kwargs=DEMO_CARD).start()


def _card_outcome(event: CardEvent, say: Callable[[str], None]) -> str:
    if isinstance(event, ReaderFault):
        return f"card reader: {event.error} [{event.error.message_key}]"
    assert isinstance(event, CardPresented)
    say(f"card reader: card read: uid={event.uid or '-'} card_no={event.card_no or '-'}"
        f" ({event.source.value}, reader {event.reader})")
    return ""


def check_pinpad(config: Mapping[str, Any], timeout_s: float, say: Callable[[str], None]) -> str:
    try:
        pinpad = create_pinpad(config)
    except ValueError as error:
        return f"PIN keypad: configuration: {error}"
    results: list[PinResult] = []
    done = threading.Event()

    def finished(result: PinResult) -> None:
        results.append(result)
        done.set()

    say("PIN keypad: type any PIN and press Enter...")
    try:
        pinpad.request_pin(lambda count: say(f"PIN keypad: {'*' * count}"), finished,
                           timeout_s=timeout_s)
        _type_demo_pin(pinpad)
        if not done.wait(timeout_s + 1):
            pinpad.cancel()
            return "PIN keypad: no PIN was entered in time"
    finally:
        pinpad.close()
    return _pin_outcome(results[0], say)


def _type_demo_pin(pinpad: Any) -> None:
    type_pin = getattr(pinpad, "type_pin", None)
    if callable(type_pin):
        threading.Timer(SIMULATED_DELAY_S, type_pin, args=(DEMO_PIN,)).start()


def _pin_outcome(result: PinResult, say: Callable[[str], None]) -> str:
    if result.outcome is PinOutcome.ENTERED and result.pin is not None:
        say(f"PIN keypad: a PIN of {len(result.pin)} digits was entered")
        result.pin.wipe()
        return ""
    detail = f": {result.error} [{result.error.message_key}]" if result.error else ""
    return f"PIN keypad: {result.outcome.value}{detail}"


def run(devices: Mapping[str, Mapping[str, Any]], arguments: argparse.Namespace,
        out: TextIO) -> list[str]:
    def say(line: str) -> None:
        print(line, file=out, flush=True)

    for line in detect.describe_detected():
        say(line)
    problems = []
    if "printer" in devices:
        problems.append(check_printer(devices["printer"], say))
    if "card_reader" in devices and not arguments.skip_card:
        problems.append(check_card_reader(devices["card_reader"], arguments.timeout, say))
    if "pinpad" in devices and not arguments.skip_pin:
        problems.append(check_pinpad(devices["pinpad"], arguments.timeout, say))
    return [problem for problem in problems if problem]


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="huiyuan_devices.diag",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, help="the terminal's TOML configuration")
    parser.add_argument("--simulated", action="store_true", help="run on the simulators")
    parser.add_argument("--skip-card", action="store_true", help="do not wait for a card")
    parser.add_argument("--skip-pin", action="store_true", help="do not ask for a PIN")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per step")
    arguments = parser.parse_args(argv)
    try:
        devices = load_devices(arguments.config, arguments.simulated)
    except ConfigUnreadable as error:
        print(f"diag: {error}", file=sys.stderr)
        return 2
    problems = run(devices, arguments, out)
    for problem in problems:
        print(f"PROBLEM {problem}", file=out)
    print("diag: all checks passed" if not problems else f"diag: {len(problems)} problem(s)",
          file=out)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
