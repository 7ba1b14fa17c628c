"""What a printer is asked to print: a receipt already laid out, as plain data.

The terminal's receipt layout turns a core receipt model into a `PrintDocument`; every printer
(real or simulated) and the preview renderer (PNG, plain text) take the same document, so what a
person previews is what the paper shows. Text is already fitted to `columns` columns as the
printer counts them (`char_width`: a character sent as several bytes takes two; double-size
text takes twice its width).
"""

from __future__ import annotations

import codecs
import functools
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

COLUMNS_58MM = 32
COLUMNS_80MM = 48
COLUMNS_BY_PAPER_MM = {58: COLUMNS_58MM, 80: COLUMNS_80MM}
# What Chinese receipt printers take in Chinese mode (`FS &`), and the printers' default.
DEFAULT_ENCODING = "gb18030"


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
    """A laid-out receipt: blocks in order, for paper of `columns` columns, its widths measured
    for a printer taking text in `encoding` (char_width). `cut` ends it with a paper cut;
    `open_drawer` kicks the cash drawer after printing (cash tenders)."""

    blocks: tuple[Block, ...]
    columns: int = COLUMNS_58MM
    encoding: str = DEFAULT_ENCODING
    cut: bool = True
    open_drawer: bool = False
    title: str = ""  # for logs and the reprint list, never printed
    meta: dict[str, str] = field(default_factory=dict, compare=False)


def char_width(char: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Columns one character takes on the paper, by the printer's own rule: the bytes it is sent
    as in the printer's `encoding`. In Chinese mode a printer draws every multibyte character
    (GB18030's two- and four-byte ones alike) as one glyph two columns wide — `¥` and `·` too,
    which Unicode calls narrow or ambiguous — and a single byte one column. A character the
    encoding cannot hold, or a control character, is sent as "?": one column. The receipt
    layout, the preview and the printer use this one rule."""
    return _char_width(char, _codec_name(encoding))


@functools.lru_cache(maxsize=8192)
def _char_width(char: str, codec: str) -> int:
    if unicodedata.category(char) == "Cc":
        return 1
    try:
        sent = char.encode(codec)
    except UnicodeEncodeError:
        return 1
    return 1 if len(sent) == 1 else 2


@functools.lru_cache(maxsize=32)
def _codec_name(encoding: str) -> str:
    return codecs.lookup(encoding).name


def display_width(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    codec = _codec_name(encoding)
    return sum(_char_width(char, codec) for char in text)


def fit(text: str, columns: int, encoding: str = DEFAULT_ENCODING) -> str:
    """The longest beginning of `text` within `columns` (a wide character that would straddle
    the edge is left out whole)."""
    codec = _codec_name(encoding)
    used = 0
    for index, char in enumerate(text):
        used += _char_width(char, codec)
        if used > columns:
            return text[:index]
    return text
