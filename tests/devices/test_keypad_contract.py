"""The PinPad contract, run against the simulator and against the evdev keypad fed through a
pipe: both share the entry rules, so they must behave the same key for key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huiyuan_devices.errors import DeviceNotFound, DeviceTimeout
from huiyuan_devices.keypad.base import PinOutcome

from tests.devices.keypad_support import (
    WAIT_S,
    EvdevHarness,
    Harness,
    PinRecorder,
    SimulatedHarness,
    expect_pin,
)
from tests.support.waiting import wait_for

PIN = "4071"
OTHER_PIN = "9385"


@pytest.fixture(params=["simulated", "evdev"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    made: Harness = SimulatedHarness() if request.param == "simulated" else EvdevHarness()
    yield made
    made.close()


def request(harness: Harness, **options: float) -> PinRecorder:
    recorder = PinRecorder()
    harness.pad.request_pin(recorder.on_progress, recorder.on_done, **options)
    return recorder


def test_the_typed_pin_is_entered_with_progress_per_digit(harness: Harness) -> None:
    recorder = request(harness)
    assert harness.pad.requested and harness.grabbed

    harness.press([*PIN, "enter"])

    result = recorder.wait_done()
    assert result.outcome is PinOutcome.ENTERED and result.error is None
    expect_pin(result.pin, PIN)
    assert recorder.progress == [1, 2, 3, 4]
    assert not harness.pad.requested and not harness.grabbed


def test_backspace_deletes_the_last_digit(harness: Harness) -> None:
    recorder = request(harness)
    harness.press([*PIN[:3], "backspace", PIN[3], "enter"])

    result = recorder.wait_done()
    expect_pin(result.pin, PIN[:2] + PIN[3])
    assert recorder.progress == [1, 2, 3, 2, 3]


def test_clear_empties_the_entry_and_typing_starts_over(harness: Harness) -> None:
    recorder = request(harness)
    harness.press([*OTHER_PIN[:2], "clear", *PIN, "enter"])

    expect_pin(recorder.wait_done().pin, PIN)
    assert recorder.progress == [1, 2, 0, 1, 2, 3, 4]


def test_digits_beyond_max_digits_are_ignored(harness: Harness) -> None:
    recorder = request(harness, max_digits=4)
    harness.press([*PIN, *OTHER_PIN, "enter"])

    expect_pin(recorder.wait_done().pin, PIN)
    assert recorder.progress == [1, 2, 3, 4]


def test_esc_on_an_empty_entry_cancels(harness: Harness) -> None:
    recorder = request(harness)
    harness.press(["esc"])

    result = recorder.wait_done()
    assert result.outcome is PinOutcome.CANCELLED and result.pin is None
    assert not harness.grabbed


def test_esc_clears_typed_digits_first_and_cancels_on_the_second_press(harness: Harness) -> None:
    recorder = request(harness)
    harness.press([*PIN[:2], "esc"])
    recorder.wait_progress(1, 2, 0)
    assert not recorder.results

    harness.press(["esc"])

    assert recorder.wait_done().outcome is PinOutcome.CANCELLED


def test_enter_on_an_empty_entry_is_ignored(harness: Harness) -> None:
    recorder = request(harness)
    harness.press(["enter", "backspace", *PIN, "enter"])

    result = recorder.wait_done()
    expect_pin(result.pin, PIN)
    assert recorder.progress == [1, 2, 3, 4]


def test_an_idle_keypad_times_out_and_is_released(harness: Harness) -> None:
    recorder = request(harness, timeout_s=0.2)
    harness.press(PIN[:2])

    result = recorder.wait_done()
    assert result.outcome is PinOutcome.TIMED_OUT and result.pin is None
    assert isinstance(result.error, DeviceTimeout)
    assert result.error.reason == "pin_timeout"
    assert result.error.message_key == "device.pin_timeout"
    assert harness.pad.digits_count == 0 and not harness.grabbed


def test_cancel_from_the_ui_ends_the_entry_once(harness: Harness) -> None:
    recorder = request(harness)
    harness.press(PIN[:2])
    recorder.wait_progress(1, 2)

    harness.pad.cancel()
    harness.pad.cancel()

    assert recorder.wait_done().outcome is PinOutcome.CANCELLED
    assert len(recorder.results) == 1
    assert harness.pad.digits_count == 0 and not harness.grabbed


def test_keys_pressed_before_a_request_are_discarded(harness: Harness) -> None:
    harness.open()
    harness.press([*OTHER_PIN, "enter"])
    wait_for(lambda: harness.pad.keys_discarded == 5, WAIT_S, "stray keys read and dropped")

    recorder = request(harness)
    harness.press([*PIN, "enter"])

    expect_pin(recorder.wait_done().pin, PIN)
    assert recorder.progress == [1, 2, 3, 4]


def test_keys_after_the_pin_is_done_go_nowhere(harness: Harness) -> None:
    recorder = request(harness)
    harness.press([*PIN, "enter", *OTHER_PIN, "enter"])

    recorder.wait_done()
    wait_for(lambda: harness.pad.keys_discarded == 5, WAIT_S, "keys after the PIN dropped")
    assert len(recorder.results) == 1
    assert recorder.progress == [1, 2, 3, 4]


def test_a_new_request_cancels_the_one_still_open(harness: Harness) -> None:
    first = request(harness)
    harness.press(OTHER_PIN[:2])
    first.wait_progress(1, 2)

    second = request(harness)
    harness.press([*PIN, "enter"])

    assert first.wait_done().outcome is PinOutcome.CANCELLED
    expect_pin(second.wait_done().pin, PIN)
    assert second.progress == [1, 2, 3, 4]


def test_unplugged_mid_pin_ends_disconnected_with_the_digits_gone(harness: Harness) -> None:
    recorder = request(harness)
    harness.press(PIN[:3])
    recorder.wait_progress(1, 2, 3)

    harness.unplug()

    result = recorder.wait_done()
    assert result.outcome is PinOutcome.DISCONNECTED and result.pin is None
    assert isinstance(result.error, DeviceNotFound)
    assert result.error.reason == "keypad_disconnected"
    assert harness.pad.digits_count == 0 and not harness.pad.requested


def test_a_request_while_unplugged_ends_disconnected_at_once(harness: Harness) -> None:
    harness.open()
    harness.unplug()

    recorder = request(harness)

    result = recorder.wait_done()
    assert result.outcome is PinOutcome.DISCONNECTED
    assert isinstance(result.error, DeviceNotFound)
    assert result.error.reason == "keypad_disconnected"


def test_a_failing_progress_handler_does_not_stop_the_entry(harness: Harness) -> None:
    recorder = PinRecorder()

    def broken_progress(count: int) -> None:
        raise RuntimeError("screen bug")

    harness.pad.request_pin(broken_progress, recorder.on_done)
    harness.press([*PIN, "enter"])

    expect_pin(recorder.wait_done().pin, PIN)


def test_on_done_may_ask_for_the_pin_again(harness: Harness) -> None:
    retry = PinRecorder()

    def ask_again(result: object) -> None:
        harness.pad.request_pin(retry.on_progress, retry.on_done)

    harness.pad.request_pin(lambda count: None, ask_again)
    harness.press(["esc"])
    wait_for(lambda: harness.pad.requested and harness.grabbed, WAIT_S, "second request")
    harness.press([*PIN, "enter"])

    expect_pin(retry.wait_done().pin, PIN)


def test_bad_request_arguments_are_refused(harness: Harness) -> None:
    recorder = PinRecorder()
    with pytest.raises(ValueError, match="max_digits"):
        harness.pad.request_pin(recorder.on_progress, recorder.on_done, max_digits=0)
    with pytest.raises(ValueError, match="timeout_s"):
        harness.pad.request_pin(recorder.on_progress, recorder.on_done, timeout_s=0)
    assert not harness.pad.requested and not recorder.results
