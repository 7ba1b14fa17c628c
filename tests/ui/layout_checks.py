"""Layout checks for the screens gallery (tests/ui/test_screens_gallery.py): text that does
not fit its label, and widgets laid out beyond their screen's edges. Each returns where, never
raises, so one run lists every problem of every screen."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

SLACK = 2  # pixels of rounding


def where(widget: Widget) -> str:
    return f"{getattr(widget, 'test_id', '') or '?'}: {str(getattr(widget, 'text', ''))!r}"


def too_wide(labels: list[Label]) -> list[str]:
    """Unwrapped labels whose text is wider than the label (cut off on the glass)."""
    return [where(label) for label in labels
            if label.text_size[0] is None and label.texture_size[0] > label.width + SLACK]


def too_tall(labels: list[Label]) -> list[str]:
    """Wrapped labels whose lines need more height than the label has: they spill over what
    lies above and below them."""
    return [where(label) for label in labels
            if label.text_size[0] is not None and label.texture_size[1] > label.height + SLACK]


def broken_words(labels: list[Label]) -> list[str]:
    """Wrapped labels that cut a Latin word in two across lines ("mont" / "h"); Chinese may
    break between any two characters."""
    problems = []
    for label in labels:
        lines = _rendered_lines(label)
        words = set(str(label.text).split())
        for above, below in pairwise(lines):
            if not above.split() or not below.split():
                continue
            tail, head = above.split()[-1], below.split()[0]
            if tail[-1:].isascii() and tail[-1:].isalpha() and head[:1].isascii() \
                    and head[:1].isalpha() and tail + head in words:
                problems.append(f"{where(label)} breaks {tail + head!r}")
    return problems


def outside(screen: Widget) -> list[str]:
    """The screen's widgets laid out, even in part, beyond the screen's edges: under the
    status bar or off the glass, where nobody sees or taps them. What a ScrollView holds
    scrolls into view and is left out."""
    left, bottom = screen.to_window(*screen.pos)
    right, top = left + screen.width, bottom + screen.height
    problems = []
    for widget in _unscrolled(screen):
        if not getattr(widget, "test_id", "") and not isinstance(widget, Label):
            continue
        x, y = widget.to_window(*widget.pos)
        if (x < left - SLACK or y < bottom - SLACK or x + widget.width > right + SLACK
                or y + widget.height > top + SLACK):
            problems.append(where(widget))
    return problems


def _unscrolled(widget: Widget) -> Iterator[Widget]:
    for child in widget.children:
        yield child
        if not isinstance(child, ScrollView):
            yield from _unscrolled(child)


def _rendered_lines(label: Label) -> list[str]:
    core = getattr(label, "_label", None)
    lines = getattr(core, "_cached_lines", None) or []
    return ["".join(word.text for word in line.words) for line in lines]
