"""What a printer is asked to print: a receipt already laid out, as plain data.

The terminal's receipt layout turns a core receipt model into a `PrintDocument`; every printer
(real or simulated) and the preview renderer (PNG, plain text) take the same document, so what a
person previews is what the paper shows. Text is already fitted to `columns` display columns (a
Chinese character takes two; double-size text takes twice its width).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

COLUMNS_58MM = 32
COLUMNS_80MM = 48
COLUMNS_BY_PAPER_MM = {58: COLUMNS_58MM, 80: COLUMNS_80MM}


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Symbology(StrEnum):
    CODE128 = "CODE128"
    EAN13 = "EAN13"


@dataclass(frozen=True)
class TextLine:
    """One printed line. `double` is double width and height (a title or a total)."""

    text: str
    bold: bool = False
    double: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Rule:
    """A separator across the paper: `char` repeated to the full width."""

    char: str = "-"


@dataclass(frozen=True)
class QrCode:
    payload: str
    size: int = 6  # module size in dots, 1-16


@dataclass(frozen=True)
class Barcode:
    data: str
    symbology: Symbology = Symbology.CODE128


@dataclass(frozen=True)
class Logo:
    """A raster image printed centred; `path` to a PNG the printer's width can hold."""

    path: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = TextLine | Rule | QrCode | Barcode | Logo | Feed


@dataclass(frozen=True)
class PrintDocument:
    """A laid-out receipt: blocks in order, for paper of `columns` columns. `cut` ends it with a
    paper cut; `open_drawer` kicks the cash drawer after printing (cash tenders)."""

    blocks: tuple[Block, ...]
    columns: int = COLUMNS_58MM
    cut: bool = True
    open_drawer: bool = False
    title: str = ""  # for logs and the reprint list, never printed
    meta: dict[str, str] = field(default_factory=dict, compare=False)


def char_width(char: str) -> int:
    """Display columns of one character on the paper: wide and fullwidth (Chinese) take two,
    combining marks none. The receipt layout and the printer use this one rule."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def fit(text: str, columns: int) -> str:
    """The longest beginning of `text` within `columns` (a wide character that would straddle
    the edge is left out whole)."""
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > columns:
            return text[:index]
    return text
