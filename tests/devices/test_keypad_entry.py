"""The pure entry state machine both keypads share."""

from __future__ import annotations

import pytest
from huiyuan_devices.keypad.entry import EntryStep, PadKey, PinEntry

PIN = "3916"


def press_all(entry: PinEntry, keys: list[str]) -> list[EntryStep]:
    return [entry.press(key) for key in keys]


def test_digits_change_the_entry_until_max_digits() -> None:
    entry = PinEntry(max_digits=4)
    steps = press_all(entry, [*PIN, "7"])
    assert steps == [EntryStep.CHANGED] * 4 + [EntryStep.IGNORED]
    assert entry.count == 4


def test_enter_finishes_only_a_non_empty_entry() -> None:
    entry = PinEntry(max_digits=6)
    assert entry.press(PadKey.ENTER) is EntryStep.IGNORED
    entry.press(PIN[0])
    assert entry.press(PadKey.ENTER) is EntryStep.ENTERED


@pytest.mark.parametrize("key", [PadKey.CLEAR, PadKey.ESC])
def test_clear_and_esc_empty_the_entry_then_cancel(key: PadKey) -> None:
    entry = PinEntry(max_digits=6)
    press_all(entry, list(PIN))
    assert entry.press(key) is EntryStep.CHANGED and entry.count == 0
    assert entry.press(key) is EntryStep.CANCELLED


def test_backspace_on_an_empty_entry_and_unknown_keys_are_ignored() -> None:
    entry = PinEntry(max_digits=6)
    assert press_all(entry, [PadKey.BACKSPACE, "f1", "", "12"]) == [EntryStep.IGNORED] * 4


def test_take_pin_hands_over_exactly_the_digits_typed() -> None:
    entry = PinEntry(max_digits=6)
    press_all(entry, [*PIN, PadKey.BACKSPACE])
    pin = entry.take_pin()
    assert len(pin) == 3
    matches = pin.reveal() == PIN[:3]
    assert matches, "the PIN taken differs from the digits typed"
    pin.wipe()


def test_max_digits_must_allow_a_digit() -> None:
    with pytest.raises(ValueError, match="max_digits"):
        PinEntry(max_digits=0)
