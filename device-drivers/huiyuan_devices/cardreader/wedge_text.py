"""What a keyboard-wedge reader typed, turned into a card number or UID. Pure: no device, no
threads; characters come in with their kernel timestamps.

A wedge types the whole card in a burst (a few ms per character) and ends it with Enter. A
partial burst followed by a pause longer than `char_timeout_s` is a bad swipe or a stray key:
it is dropped and the next character starts afresh.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

END_OF_LINE = "\n"
_TRACK_2 = re.compile(r";([^;%?]*)\?")  # ;1234567890123456=2512101?
_TRACK_1 = re.compile(r"%([^;%?]*)\?")  # %B1234567890123456^ZHANG/SAN^2512101?
_SENTINELS = frozenset(";%?")
_CARD_TEXT = re.compile(r"[0-9A-Za-z-]+")


class UnreadableCard(ValueError):
    """The text holds no card: a swipe read error (the reader typed E), broken sentinels,
    characters no card number has. The message says which, never the text."""


@dataclass(frozen=True)
class TypedLine:
    text: str = ""
    too_long: bool = False  # more than max_length characters before Enter


class WedgeLineAssembler:
    def __init__(self, *, char_timeout_s: float, max_length: int) -> None:
        self._char_timeout_s = char_timeout_s
        self._max_length = max_length
        self._chars: list[str] = []
        self._overflowed = False
        self._last_at = 0.0

    def reset(self) -> None:
        self._chars.clear()
        self._overflowed = False

    def feed(self, char: str, at_s: float) -> TypedLine | None:
        """A finished line (Enter after some text), an over-long one (reported once, at the
        character that overflowed), or None while typing goes on. A lone Enter gives None."""
        started = bool(self._chars) or self._overflowed
        if started and at_s - self._last_at > self._char_timeout_s:
            log.debug("partial wedge input dropped after a pause (n=%d)", len(self._chars))
            self.reset()
        self._last_at = at_s
        if char == END_OF_LINE:
            line = None if self._overflowed or not self._chars else TypedLine("".join(self._chars))
            self.reset()
            return line
        if self._overflowed:
            return None
        self._chars.append(char)
        if len(self._chars) > self._max_length:
            self._chars.clear()
            self._overflowed = True  # swallow the rest up to Enter: it is not a card either
            return TypedLine(too_long=True)
        return None


def card_text(typed: str) -> str:
    """The card number in what a wedge typed: track 2's number (before '=') when there are
    magnetic-stripe sentinels, else track 1's, else the text itself (RFID/ID readers)."""
    track_2 = _TRACK_2.search(typed)
    if track_2:
        return _checked(track_2.group(1).split("=", 1)[0])
    track_1 = _TRACK_1.search(typed)
    if track_1:
        content = track_1.group(1)
        if content[:1] in ("B", "b") and "^" in content:  # format B: B<number>^<name>^...
            content = content[1:].split("^", 1)[0]
        return _checked(content.replace(" ", ""))
    if _SENTINELS & set(typed):
        raise UnreadableCard("magnetic stripe sentinels without a complete track")
    return _checked(typed.strip())


def _checked(text: str) -> str:
    if text in ("E", "e", ""):
        raise UnreadableCard("swipe read error or empty track")
    if not _CARD_TEXT.fullmatch(text):
        raise UnreadableCard("characters no card number has")
    return text


def uid_from_typed(text: str, decimal_byte_order: str) -> str:
    """The UID as upper-case hex. Many RFID wedges type the UID as a decimal number; with
    `decimal_byte_order` "msb" or "lsb" it is converted (lsb: the reader sent the bytes
    reversed), so it matches the UID a PC/SC reader bound at enrolment. "" keeps it as typed."""
    if not decimal_byte_order:
        return text.upper()
    if not text.isdigit():
        raise UnreadableCard("UID is not a decimal number")
    value = int(text)
    size = max(4, (value.bit_length() + 7) // 8)
    order: Literal["big", "little"] = "big" if decimal_byte_order == "msb" else "little"
    return value.to_bytes(size, order).hex().upper()
