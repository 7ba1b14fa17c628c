"""What HQ's listing commands share: the time format, and a terminal's text made safe to print."""

from __future__ import annotations

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def printable(text: str) -> str:
    """A terminal's text may hold what a console would act on (ESC, bidi marks): escaped."""
    return "".join(c if c.isprintable() or c == "\t" else f"\\u{ord(c):04x}" for c in text)
