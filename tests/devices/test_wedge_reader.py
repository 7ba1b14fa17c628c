"""The keyboard-wedge card reader, fed through a pipe-backed evdev device."""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from evdev import ecodes
from huiyuan_devices.cardreader.base import CardEvent, CardPresented, CardSource, ReaderFault
from huiyuan_devices.cardreader.wedge import WedgeCardReader, create_wedge_reader
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError

from tests.devices.evdev_support import KEY_DOWN, KEY_REPEAT, KEY_UP, DeviceSupply
from tests.support.waiting import wait_for

WAIT_S = 5.0
CARD_NO = "8800123456"


class EventLog:
    def __init__(self) -> None:
        self.events: list[CardEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: CardEvent) -> None:
        with self._lock:
            self.events.append(event)

    def wait_count(self, count: int) -> list[CardEvent]:
        wait_for(lambda: len(self.events) >= count, WAIT_S, f"{count} card event(s)")
        return list(self.events)


@pytest.fixture
def supply() -> Iterator[DeviceSupply]:
    made = DeviceSupply()
    yield made
    made.discard_all()


StartReader = Callable[..., tuple[WedgeCardReader, EventLog]]


@pytest.fixture
def start_reader(supply: DeviceSupply) -> Iterator[StartReader]:
    """Start a wedge on `supply`; waits until it holds the device when it can open one."""
    started: list[WedgeCardReader] = []

    def start(**options: Any) -> tuple[WedgeCardReader, EventLog]:
        options.setdefault("reopen_interval_s", 0.05)
        reader = WedgeCardReader("test-wedge", open_device=supply, **options)
        log = EventLog()
        reader.start(log)
        started.append(reader)
        if not supply.missing and supply.grab_error is None:
            wait_for(lambda: reader.grabbed, WAIT_S, "wedge opened and grabbed")
        return reader, log

    yield start
    for reader in started:
        reader.stop()


def presented(card_no: str = "", uid: str = "") -> CardPresented:
    return CardPresented("test-wedge", uid=uid, card_no=card_no, source=CardSource.WEDGE)


def test_a_typed_card_number_and_enter_present_the_card(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    reader, log = start_reader()
    assert supply.current.grabbed and reader.grabbed  # the digits never reach the screen

    supply.writer().type_text(f"{CARD_NO}\n")

    assert log.wait_count(1) == [presented(CARD_NO)]


def test_shift_gives_upper_case_and_repeats_and_other_events_are_ignored(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    _, log = start_reader()
    writer = supply.writer()
    writer.events([
        (ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70004),
        (ecodes.EV_KEY, ecodes.KEY_V, KEY_DOWN),
        (ecodes.EV_KEY, ecodes.KEY_V, KEY_REPEAT),
        (ecodes.EV_KEY, ecodes.KEY_V, KEY_UP),
        (ecodes.EV_REL, ecodes.REL_WHEEL, 1),
        (ecodes.EV_KEY, ecodes.KEY_F13, KEY_DOWN),
    ])
    writer.type_text("IP-0042\n")

    assert log.wait_count(1) == [presented("vIP-0042")]


def test_magnetic_stripe_sentinels_are_stripped_to_the_track_2_number(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    _, log = start_reader()
    supply.writer().type_text(f"%B{CARD_NO}^ZHANG/SAN^2512101?;{CARD_NO}=2512101?\n")

    assert log.wait_count(1) == [presented(CARD_NO)]


def test_a_lone_enter_is_ignored(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    _, log = start_reader()
    supply.writer().type_text(f"\n\n{CARD_NO}\n")

    assert log.wait_count(1) == [presented(CARD_NO)]


def test_a_partial_swipe_followed_by_a_pause_is_discarded(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    _, log = start_reader(char_timeout_s=0.5)
    writer = supply.writer()
    writer.type_text(";99001")  # the swipe stalled half-way
    writer.pause(1.0)
    writer.type_text(f"{CARD_NO}\n")

    assert log.wait_count(1) == [presented(CARD_NO)]


def test_an_over_long_line_is_an_unknown_card_and_the_next_card_reads(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    _, log = start_reader(max_length=64)
    supply.writer().type_text("7" * 70 + f"\n{CARD_NO}\n")

    fault, card = log.wait_count(2)
    assert isinstance(fault, ReaderFault) and isinstance(fault.error, DeviceProtocolError)
    assert fault.error.reason == "unknown_card"
    assert card == presented(CARD_NO)


def test_a_swipe_read_error_is_an_unknown_card(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    _, log = start_reader()
    supply.writer().type_text("%E?;E?\n")

    (fault,) = log.wait_count(1)
    assert isinstance(fault, ReaderFault) and fault.error.reason == "unknown_card"


@pytest.mark.parametrize(
    ("byte_order", "uid"), [("", "3282153988"), ("msb", "C3A1B204"), ("lsb", "04B2A1C3")]
)
def test_an_rfid_wedge_types_the_uid(
    start_reader: StartReader, supply: DeviceSupply, byte_order: str, uid: str
) -> None:
    _, log = start_reader(wedge_value="uid", uid_decimal_byte_order=byte_order)
    supply.writer().type_text("3282153988\n")

    assert log.wait_count(1) == [presented(uid=uid)]


def test_unplugged_is_a_fault_once_and_the_reader_comes_back(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    reader, log = start_reader()
    supply.writer().type_text(";99001")  # half a swipe when the cable came out
    supply.current.unplug()
    supply.missing = True

    (fault,) = log.wait_count(1)
    assert isinstance(fault, ReaderFault) and isinstance(fault.error, DeviceNotFound)
    assert fault.error.reason == "reader_unplugged"
    assert supply.opened[0].closed and not reader.grabbed
    calls_when_unplugged = supply.open_calls
    wait_for(lambda: supply.open_calls >= calls_when_unplugged + 3, WAIT_S, "reopen attempts")
    assert len(log.events) == 1  # one fault for the whole outage

    supply.missing = False
    wait_for(lambda: len(supply.opened) == 2 and reader.grabbed, WAIT_S, "reader back")
    supply.writer().type_text(f"{CARD_NO}\n")

    assert log.wait_count(2)[1] == presented(CARD_NO)


def test_a_reader_missing_at_start_is_a_fault(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    supply.missing = True
    _, log = start_reader()

    (fault,) = log.wait_count(1)
    assert isinstance(fault.error, DeviceNotFound) and fault.error.reason == "reader_unplugged"


def test_a_reader_grabbed_by_another_program_is_a_busy_fault(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    supply.grab_error = OSError(errno.EBUSY, "Device or resource busy")
    reader, log = start_reader()

    (fault,) = log.wait_count(1)
    assert isinstance(fault.error, DeviceProtocolError) and fault.error.reason == "reader_busy"
    assert supply.opened[0].closed and not reader.grabbed


def test_stop_returns_without_a_key_releases_and_is_safe_twice(
    start_reader: StartReader, supply: DeviceSupply
) -> None:
    reader, _ = start_reader()

    reader.stop()
    reader.stop()

    assert not reader.running
    assert supply.current.closed and not supply.current.grabbed


def test_create_wedge_reader_reads_its_config(tmp_path: Path) -> None:
    reader = create_wedge_reader({"device": str(tmp_path / "none"), "label": "front-wedge"})
    assert reader.name == "front-wedge" and not reader.running
    with pytest.raises(ValueError, match="wedge_value"):
        create_wedge_reader({"device": "/dev/input/x", "wedge_value": "serial"})
    with pytest.raises(ValueError, match="`device`"):
        create_wedge_reader({"wedge_value": "uid"})


def test_stop_from_the_event_handler_ends_the_reader(supply: DeviceSupply) -> None:
    reader = WedgeCardReader("test-wedge", open_device=supply)
    log = EventLog()

    def stop_on_first_card(event: CardEvent) -> None:
        log(event)
        reader.stop()

    reader.start(stop_on_first_card)
    wait_for(lambda: reader.grabbed, WAIT_S, "wedge opened and grabbed")
    supply.writer().type_text(f"{CARD_NO}\n{CARD_NO}\n")

    wait_for(lambda: supply.current.closed, WAIT_S, "device released")
    assert log.events == [presented(CARD_NO)] and not reader.running
