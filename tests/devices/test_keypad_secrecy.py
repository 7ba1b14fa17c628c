"""THE PIN RULE: a PIN is never logged, never in an exception or repr, and wiped after use.
Entered through the evdev keypad (the real key-reading path) with every logger at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from huiyuan_devices.keypad.base import PinOutcome, PinResult
from huiyuan_devices.keypad.entry import PinEntry
from huiyuan_devices.keypad.evdev_keypad import EvdevPinPad
from huiyuan_devices.keypad.simulated import SimulatedPinPad

from tests.devices.evdev_support import DeviceSupply
from tests.devices.keypad_support import PinRecorder, expect_pin

# Six digits that no count, line number or thread id in a log line is likely to contain.
PIN = "860257"
PARTIAL = PIN[:4]


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


def texts_seen(caplog: pytest.LogCaptureFixture, *objects: object) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), str(record.exc_info)]
    for thing in objects:
        texts += [repr(thing), str(thing)]
    return texts


def leaked(secret: str, texts: list[str]) -> bool:
    return any(secret in text for text in texts)


def test_an_entered_pin_is_nowhere_but_in_the_pin_and_is_wiped(
    pad: EvdevPinPad, supply: DeviceSupply, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done, max_digits=6)
    supply.writer().pin_keys([*PIN, "enter"])
    result = recorder.wait_done()
    expect_pin(result.pin, PIN)
    assert result.pin is not None
    digits = result.pin._digits  # the bytes behind the Pin, to see them wiped

    seen = texts_seen(caplog, result, result.pin, pad, recorder.progress)
    assert not leaked(PIN, seen), "the PIN appears in a log, repr or str"
    assert "PIN entry changed (n=3)" in caplog.text  # debug logging was really on

    result.pin.wipe()
    assert len(result.pin) == 0 and digits == bytearray()
    assert result.pin.reveal() == ""


@pytest.mark.parametrize("ending", ["unplug", "timeout"])
def test_partial_digits_stay_out_of_errors_and_logs(
    pad: EvdevPinPad, supply: DeviceSupply, caplog: pytest.LogCaptureFixture, ending: str
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = PinRecorder()
    pad.request_pin(recorder.on_progress, recorder.on_done, max_digits=6, timeout_s=0.3)
    supply.writer().pin_keys(PARTIAL)
    recorder.wait_progress(1, 2, 3, 4)
    if ending == "unplug":
        supply.current.unplug()

    result: PinResult = recorder.wait_done()
    assert result.outcome in (PinOutcome.DISCONNECTED, PinOutcome.TIMED_OUT)
    seen = texts_seen(caplog, result, result.error, pad, getattr(result.error, "detail", ""))
    assert not leaked(PARTIAL, seen), "partial PIN digits appear in a log, repr or error"


def test_the_entry_buffer_is_zeroed_once_the_pin_is_taken() -> None:
    entry = PinEntry(max_digits=6)
    for digit in PIN:
        entry.press(digit)
    buffer = entry._buffer

    pin = entry.take_pin()

    assert buffer == bytearray(6) and entry.count == 0
    assert not leaked(PIN, [repr(entry), repr(pin), str(pin)]), "the PIN appears in a repr"
    pin.wipe()


def test_a_wrong_key_error_does_not_echo_what_was_typed() -> None:
    pad = SimulatedPinPad()
    with pytest.raises(ValueError) as raised:
        pad.press(PIN)  # a whole PIN passed as one key by mistake
    assert not leaked(PIN, [str(raised.value), repr(raised.value)]), "the PIN is in the error"
