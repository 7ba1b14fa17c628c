"""What text from outside may hold: no control or format characters, ids in a plain alphabet.

A terminal's card number, coupon code, note or name is stored by HQ and shown, printed or
republished to every terminal (coupons_used). An ESC, a bell, a line break or a right-to-left
override in one of them could rewrite a log line, a receipt or an operator's screen, so such
text is refused where it enters (docs/protocol.md, "Bounds").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

# C0 and C1 controls (ESC, BEL, CR, LF, TAB, ...), format characters (the bidi overrides and
# isolates U+202A-U+202E and U+2066-U+2069, the marks U+200E/U+200F, zero-width characters),
# lone surrogates and the line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# A terminal's id, as the broker accounts allow it (hq.broker_accounts).
PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def unsafe_character(text: str) -> str | None:
    """The first character of `text` in UNSAFE_CATEGORIES, or None."""
    if text.isprintable():  # C speed; false also for allowed ones such as U+3000 (a space)
        return None
    return next((char for char in text if unicodedata.category(char) in UNSAFE_CATEGORIES),
                None)


def is_plain_id(value: object) -> bool:
    return isinstance(value, str) and PLAIN_ID.fullmatch(value) is not None


def unsafe_text_in(document: Any) -> str | None:
    """The first key or string value anywhere in a JSON document (dicts, lists, scalars) that
    holds an unsafe character, or None. Iterative: a deeply nested document cannot exhaust
    the stack."""
    for text in _strings(document):
        if unsafe_character(text) is not None:
            return text
    return None


def _strings(document: Any) -> Iterator[str]:
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
