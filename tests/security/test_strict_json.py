"""JSON strict (issue 10, point 3): NaN, infinities, a float that overflows and integers longer
than 18 digits are refused at parse time, and nothing non-finite is ever stored. The codec
alone, then a real HQ worker on a real broker, SQLite and PostgreSQL."""

import json

import pytest

from protocol.wire import SCHEMA, WireError, build_event_batch, decode
from protocol.wire_bounds import MAX_INT_DIGITS
from tests.security.hostile_wire import (
    AT,
    acknowledged,
    batch_json,
    dead_letters,
    send_events,
    top_up,
)

NOT_STRICT = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" * (MAX_INT_DIGITS + 1),
              "-" + "9" * (MAX_INT_DIGITS + 1), "9" * 4300]


@pytest.mark.parametrize("number", NOT_STRICT)
def test_decode_refuses_what_is_not_a_finite_bounded_number(number):
    with pytest.raises(WireError) as refused:
        decode(f'{{"schema": {SCHEMA}, "x": [1, {{"y": {number}}}]}}'.encode())
    assert refused.value.reason == "number_invalid"


def test_decode_keeps_finite_numbers_and_18_digit_integers():
    biggest = int("9" * MAX_INT_DIGITS)
    message = decode(f'{{"schema": {SCHEMA}, "a": {biggest}, "b": -{biggest}, "c": 1.5e300}}'
                     .encode())
    assert (message["a"], message["b"], message["c"]) == (biggest, -biggest, 1.5e300)


def with_number_in_payload(number: str) -> bytes:
    """A batch with `number` spelled as it is in an extra payload field (json.dumps would spell
    NaN too, which is the point: Python's JSON writes what a strict reader must refuse)."""
    text = json.dumps(batch_json([top_up(1)]))
    return text.replace('"bonus": 0', f'"bonus": 0, "tip": {number}').encode()


def test_non_finite_and_overlong_numbers_are_dead_letters_and_never_stored(worker, terminal):
    _, db = worker
    for number in NOT_STRICT:
        send_events(terminal, with_number_in_payload(number))
    assert acknowledged(terminal, build_event_batch("T1", [top_up(1)], AT)) == 1
    letters = dead_letters(db, len(NOT_STRICT))
    assert [letter.reason for letter in letters] == ["number_invalid"] * len(NOT_STRICT)
    (stored,) = db.events.select()
    assert "NaN" not in stored.payload and "Infinity" not in stored.payload
