"""The evdev keypad beyond the shared contract: what a real keyboard sends besides key presses,
unplugging and re-plugging, grabbing, opening, and the factory."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest
from evdev import ecodes
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError
from huiyuan_devices.evdev_input import input_device_opener, open_input_device
from huiyuan_devices.keypad import factory
from huiyuan_devices.keypad.base import PinOutcome, PinResult
from huiyuan_devices.keypad.evdev_keypad import EvdevPinPad
from huiyuan_devices.keypad.simulated import SimulatedPinPad

from tests.devices.evdev_support import (
    KEY_DOWN,
    KEY_REPEAT,
    KEY_UP,
    PIN_KEY_CODES,
    DeviceSupply,
)
from tests.devices.keypad_support import WAIT_S, PinRecorder, expect_pin
from tests.support.waiting import wait_for

PIN = "5820"


@pytest.fixture
def supply() -> Iterator[DeviceSupply]:
    made = DeviceSupply()
    yield made
    made.discard_all()


@pytest.fixture
def pad(supply: DeviceSupply) -> Iterator[EvdevPinPad]:
    made = EvdevPinPad("test-pinpad", open_device=supply)
    yield made
    made.close()


def test_releases_repeats_and_other_event_types_are_ignored(
    pad: EvdevPinPad, supply: DeviceSupply
) -> None:
    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done)
    writer = supply.writer()
    first = PIN_KEY_CODES[PIN[0]]
    writer.events([
        (ecodes.EV_KEY, first, KEY_DOWN),
        (ecodes.EV_KEY, first, KEY_REPEAT),  # held down: still one digit
        (ecodes.EV_KEY, first, KEY_UP),
        (ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70027),
        (ecodes.EV_REL, ecodes.REL_X, 5),
        (ecodes.EV_KEY, ecodes.KEY_F13, KEY_DOWN),  # a key a PIN pad has no use for
        (ecodes.EV_KEY, 0x2FF, KEY_DOWN),  # a code no table knows
        (ecodes.EV_LED, ecodes.LED_NUML, 1),
    ])
    writer.pin_keys([*PIN[1:], "enter"])

    expect_pin(recorder.wait_done().pin, PIN)
    assert recorder.progress == [1, 2, 3, 4]


def test_keypad_digits_and_keypad_enter_count_like_the_top_row(
    pad: EvdevPinPad, supply: DeviceSupply
) -> None:
    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done)
    writer = supply.writer()
    for digit in PIN:
        writer.tap(getattr(ecodes, f"KEY_KP{digit}"))
    writer.tap(ecodes.KEY_NUMLOCK)  # the clear key on some pads
    for digit in PIN:
        writer.tap(getattr(ecodes, f"KEY_KP{digit}"))
    writer.tap(ecodes.KEY_KPENTER)

    expect_pin(recorder.wait_done().pin, PIN)
    assert recorder.progress == [1, 2, 3, 4, 0, 1, 2, 3, 4]


def test_grabbed_only_while_collecting(pad: EvdevPinPad, supply: DeviceSupply) -> None:
    pad.open()
    assert not supply.current.grabbed

    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done)
    assert supply.current.grabbed and pad.grabbed
    supply.writer().pin_keys([*PIN, "enter"])
    recorder.wait_done()

    assert not supply.current.grabbed and not pad.grabbed
    assert (supply.current.grab_calls, supply.current.ungrab_calls) == (1, 1)


def test_unplugged_mid_pin_ends_the_reader_and_the_next_request_reopens(
    pad: EvdevPinPad, supply: DeviceSupply
) -> None:
    first = PinRecorder()
    pad.request_pin(first.on_progress, first.on_done)
    supply.writer().pin_keys(PIN[:2])
    first.wait_progress(1, 2)

    supply.current.unplug()

    assert first.wait_done().outcome is PinOutcome.DISCONNECTED
    wait_for(lambda: not pad.reading, WAIT_S, "reader thread ended")
    assert supply.opened[0].closed

    second = PinRecorder()
    pad.request_pin(second.on_progress, second.on_done)  # plugged back in: a new device
    supply.writer().pin_keys([*PIN, "enter"])

    expect_pin(second.wait_done().pin, PIN)
    assert len(supply.opened) == 2


def test_a_keypad_grabbed_by_another_program_ends_disconnected_busy(
    pad: EvdevPinPad, supply: DeviceSupply
) -> None:
    pad.open()
    supply.current.grab_error = OSError(errno.EBUSY, "Device or resource busy")

    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done)

    result = recorder.wait_done()
    assert result.outcome is PinOutcome.DISCONNECTED
    assert isinstance(result.error, DeviceProtocolError)
    assert result.error.reason == "keypad_busy"
    assert not pad.requested


@pytest.mark.parametrize(
    ("open_error", "reason"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "keypad_disconnected"),
        (PermissionError(errno.EACCES, "Permission denied"), "keypad_no_access"),
    ],
)
def test_open_failures_become_device_not_found(
    pad: EvdevPinPad, supply: DeviceSupply, open_error: OSError, reason: str
) -> None:
    supply.open_error = open_error

    with pytest.raises(DeviceNotFound) as raised:
        pad.open()
    assert raised.value.reason == reason
    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done)
    assert recorder.wait_done().error is not None
    assert recorder.results[0].error.reason == reason  # type: ignore[union-attr]


def test_close_stops_the_reader_without_a_key_and_is_safe_twice(
    pad: EvdevPinPad, supply: DeviceSupply
) -> None:
    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done)

    pad.close()
    pad.close()

    assert recorder.wait_done().outcome is PinOutcome.CANCELLED
    assert not pad.reading
    assert supply.current.closed and not supply.current.grabbed


def test_open_input_device_reports_a_missing_path_or_name(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_input_device(path=str(tmp_path / "member-pinpad"))
    with pytest.raises(FileNotFoundError, match="USB Keypad"):
        open_input_device(name_contains="USB Keypad", input_dir=str(tmp_path))
    with pytest.raises(ValueError, match="device"):
        input_device_opener({})


def test_factory_makes_each_kind_without_opening_anything(tmp_path: Path) -> None:
    evdev_pad = factory.create({"kind": "evdev", "device": str(tmp_path / "none")})
    assert isinstance(evdev_pad, EvdevPinPad) and evdev_pad.name == "pinpad"
    with pytest.raises(DeviceNotFound):
        evdev_pad.open()
    by_name = factory.create({"kind": "evdev", "name": "Keypad", "label": "counter-2"})
    assert isinstance(by_name, EvdevPinPad) and by_name.name == "counter-2"
    assert isinstance(factory.create({"kind": "simulated"}), SimulatedPinPad)


def test_factory_refuses_unknown_kinds_and_incomplete_evdev_tables() -> None:
    with pytest.raises(ValueError, match=r"evdev, simulated.*'serial'"):
        factory.create({"kind": "serial"})
    with pytest.raises(ValueError, match="kind"):
        factory.create({})
    with pytest.raises(ValueError, match="`device`"):
        factory.create({"kind": "evdev"})


def test_close_from_on_done_on_the_reader_thread(pad: EvdevPinPad, supply: DeviceSupply) -> None:
    recorder = PinRecorder()

    def close_when_done(result: PinResult) -> None:
        recorder.on_done(result)
        pad.close()

    pad.request_pin(recorder.on_progress, close_when_done)
    supply.writer().pin_keys([*PIN, "enter"])

    expect_pin(recorder.wait_done().pin, PIN)
    wait_for(lambda: not pad.reading and supply.current.closed, WAIT_S, "keypad closed")
