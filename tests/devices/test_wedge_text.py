"""Turning what a wedge typed into a card number: lines, pauses, magnetic-stripe tracks."""

from __future__ import annotations

import pytest
from huiyuan_devices.cardreader.wedge_text import (
    TypedLine,
    UnreadableCard,
    WedgeLineAssembler,
    card_text,
    uid_from_typed,
)


def feed(assembler: WedgeLineAssembler, text: str, start_s: float, step_s: float = 0.005
         ) -> list[TypedLine]:
    lines = []
    for index, char in enumerate(text):
        line = assembler.feed(char, start_s + index * step_s)
        if line is not None:
            lines.append(line)
    return lines


def test_a_burst_ending_in_enter_is_one_line() -> None:
    assembler = WedgeLineAssembler(char_timeout_s=0.5, max_length=64)
    assert feed(assembler, "8800123456\n", 10.0) == [TypedLine("8800123456")]


def test_a_lone_enter_is_no_line() -> None:
    assembler = WedgeLineAssembler(char_timeout_s=0.5, max_length=64)
    assert feed(assembler, "\n\n", 10.0) == []


def test_a_pause_inside_a_line_drops_what_came_before_it() -> None:
    assembler = WedgeLineAssembler(char_timeout_s=0.5, max_length=64)
    assert feed(assembler, "8800", 10.0) == []
    assert feed(assembler, "123\n", 11.0) == [TypedLine("123")]


def test_a_line_too_long_is_reported_once_and_the_rest_swallowed() -> None:
    assembler = WedgeLineAssembler(char_timeout_s=0.5, max_length=8)
    assert feed(assembler, "0123456789ABCDEF\n", 10.0) == [TypedLine(too_long=True)]
    assert feed(assembler, "42\n", 20.0) == [TypedLine("42")]


@pytest.mark.parametrize(
    ("typed", "card_no"),
    [
        ("8800123456", "8800123456"),
        (" 8800123456 ", "8800123456"),
        (";8800123456?", "8800123456"),
        (";6222020200112233=2512101?", "6222020200112233"),
        ("%B6222020200112233^ZHANG/SAN^2512101?;6222020200112233=2512101?", "6222020200112233"),
        ("%B6222 0202 0011 2233^ZHANG/SAN^2512101?", "6222020200112233"),
        ("%MEMBER42?", "MEMBER42"),
        ("VIP-0042", "VIP-0042"),
    ],
)
def test_card_text_takes_track_2_else_track_1_else_the_text(typed: str, card_no: str) -> None:
    assert card_text(typed) == card_no


@pytest.mark.parametrize("typed", [";E?", "%E?;E?", ";8800123", "8800?", "88 00", "卡", ";?"])
def test_unreadable_swipes_and_odd_text_are_refused(typed: str) -> None:
    with pytest.raises(UnreadableCard):
        card_text(typed)


def test_decimal_uids_become_hex_in_the_configured_byte_order() -> None:
    assert uid_from_typed("0212345678", "") == "0212345678"
    assert uid_from_typed("3282153988", "msb") == "C3A1B204"
    assert uid_from_typed("3282153988", "lsb") == "04B2A1C3"
    assert uid_from_typed("04a1b2c3", "") == "04A1B2C3"
    with pytest.raises(UnreadableCard):
        uid_from_typed("04A1B2C3", "msb")
