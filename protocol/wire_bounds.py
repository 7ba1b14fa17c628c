"""The bounds every terminal message is held to at parse time (docs/protocol.md, "Bounds").

Strict JSON (no NaN, no infinity, integers of at most MAX_INT_DIGITS digits), money within
membership.money.MAX_FEN, seqs and versions within MAX_SEQ, and text free of control and
format characters (membership.text). A message beyond them is a WireError with a short reason,
a dead letter at HQ, before anything is stored: a NaN kept in a stored payload breaks SQLite's
json_extract and PostgreSQL's ::json over the terminal's rows, and an integer beyond 64 bits
made SQLite's driver raise in the middle of a transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import orjson

from membership.money import MAX_FEN
from membership.text import is_plain_id, unsafe_text_in

MAX_INT_DIGITS = 18  # so that every integer on the wire fits a signed 64-bit column
MAX_SEQ = 10**15  # seqs, watermarks, outbox depths, configuration versions
# Any integer a terminal sends (a count, points, a quantity, a field HQ does not name): 500 of
# them in a batch still sum far inside 64 bits.
MAX_TERMINAL_INT = 10**15
MAX_COUNT_USES = 1_000_000  # uses of a service one authorisation may hold


class WireError(ValueError):
    """A message that breaks the contract. `reason` is short and stable, for the dead letters."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


# Every digit as a zero, so that one search finds a run of 15 digits (a regular expression
# took 20 µs an event, the parse itself 5).
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 15


def strict_json(data: bytes, max_int: int | None = None) -> Any:
    """The JSON document in `data` (UTF-8), refusing NaN, Infinity, -Infinity, a float that
    overflows (1e999) and an integer of more than MAX_INT_DIGITS digits (WireError
    `number_invalid`), and with `max_int` an integer beyond ±max_int (`out_of_range`).
    Raises UnicodeDecodeError or json.JSONDecodeError for what is not UTF-8 or not JSON.

    The common message takes orjson's parser, about five times the standard library's pace
    here: with no run of 15 digits in the text (in a string too), every integer is below
    10**14 (within any `max_int` a caller uses and exact in orjson, which reads a larger one as
    a float), and orjson itself refuses NaN, the infinities and an overflowing float. Whatever
    orjson refuses, or a long run of digits, is read again the standard library's way below,
    which names the precise reason (or accepts a lone surrogate orjson refuses and JSON
    allows, for the storage checks to refuse)."""
    if ((max_int is None or max_int >= MAX_SEQ)
            and data.translate(_DIGITS_AS_ZEROS).find(_LONG_DIGIT_RUN) < 0):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return _strict_stdlib_json(data.decode("utf-8"), max_int)


def _strict_stdlib_json(text: str, max_int: int | None) -> Any:
    parse_int = _bounded_int if max_int is None else _within(max_int)
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                      parse_int=parse_int)


def _refuse_constant(name: str) -> float:
    raise WireError("number_invalid", name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise WireError("number_invalid", f"{text[:40]} overflows")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise WireError("number_invalid", f"integer over {MAX_INT_DIGITS} digits")
    return int(text)


def _within(bound: int) -> Callable[[str], int]:
    def bounded(text: str) -> int:
        value = _bounded_int(text)
        if abs(value) > bound:
            raise WireError("out_of_range", f"integer beyond ±{bound}")
        return value

    return bounded


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_fen(value: object, name: str) -> None:
    """An amount of money: an integer from 0 to MAX_FEN."""
    if not is_int(value) or value < 0:
        raise WireError("negative_amount", name)
    if value > MAX_FEN:
        raise WireError("out_of_range", name)


def refuse_unsafe_text(terminal_id: str, message: Mapping[str, Any], raw: bytes = b"") -> bool:
    """A terminal's id in its plain alphabet, and no control or format character in any text
    of its message (membership.text): ids, card numbers, coupon codes, notes, names. `raw`,
    the message as received, lets the common case skip the walk over every string; True when
    it did (the text is plain: no escape, every character printable)."""
    if not is_plain_id(terminal_id):
        raise WireError("invalid_field", "terminal_id")
    if raw and _plainly_safe(raw):
        return True
    unsafe = unsafe_text_in(dict(message))
    if unsafe is not None:
        raise WireError("invalid_field", f"unsafe text {ascii(unsafe)[:60]}")
    return False


def _plainly_safe(raw: bytes) -> bool:
    """True when the JSON text itself is printable and has no escape: then no string decoded
    from it can hold an unsafe character (an escape such as \\u202e or \\n could). On 300
    sales (150 KB) 0.4 ms where the walk takes 2.2 ms; anything else is walked."""
    text = raw.decode("utf-8", errors="replace")
    return "\\" not in text and text.isprintable()
