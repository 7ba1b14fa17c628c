"""Render a `PrintDocument` onto any python-escpos printer object (Dummy, Serial, Network, Usb,
File): every transport gets the same bytes for the same document.

Chinese printers take text in Chinese mode (`FS &`): we encode it ourselves (GB18030 by default)
and write it with `_raw`, because escpos's magic encoder picks a code page per character, which
a GB18030 font does not understand. A non-Chinese printer leaves Chinese mode (`FS .`), selects a
fixed code page (`ESC t n`, the number from the escpos profile) and gets "?" for what that code
page cannot hold. Styles, QR codes, barcodes, images, cut and drawer kick go through escpos.

The document is already laid out: nothing is re-wrapped. A line wider than the paper is a
layout bug; it is clipped (a character sent as several bytes counts two columns, double-size
text twice its width: document.char_width) and logged, so the paper never shows a line broken
in the middle of an amount.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import io
import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

import qrcode
from escpos.capabilities import BaseProfile, Profile, get_profile_class
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from huiyuan_devices.printer.document import (
    COLUMNS_58MM,
    DEFAULT_ENCODING,
    Align,
    Barcode,
    Block,
    Feed,
    Logo,
    PrintDocument,
    QrCode,
    Rule,
    Symbology,
    TextLine,
    display_width,
    fit,
)

log = logging.getLogger(__name__)

ENTER_CHINESE_MODE = b"\x1c&"  # FS &
LEAVE_CHINESE_MODE = b"\x1c."  # FS .
SELECT_CODE_PAGE = b"\x1bt"  # ESC t n
CHINESE_ENCODINGS = frozenset({"gb18030", "gbk", "gb2312"})
# Printable width in dots of the usual 203 dpi Chinese printers (Xprinter, Gprinter, ...).
PIXELS_BY_PAPER_MM = {58: 384, 80: 576}
DEFAULT_DPI = 203
BARCODE_HEIGHT_DOTS = 80  # 10 mm at 203 dpi: scanners read it from a counter's distance
BARCODE_MODULE_DOTS = 2  # the narrowest escpos allows; keeps a 16-character CODE128 on 58 mm
MAX_FEED_PER_COMMAND = 255  # ESC d n


@dataclass(frozen=True)
class RenderOptions:
    """How to put text on this printer: `columns` of the paper, `encoding` (a Chinese one uses
    Chinese mode, any other a single-byte code page), `drawer_pin` (2 or 5) for ESC p."""

    columns: int = COLUMNS_58MM
    encoding: str = DEFAULT_ENCODING
    drawer_pin: int = 2

    @property
    def chinese_mode(self) -> bool:
        return canonical_encoding(self.encoding) in CHINESE_ENCODINGS


def canonical_encoding(encoding: str) -> str:
    """Python's own name of a codec ("GB18030" -> "gb18030", "CP437" -> "cp437");
    ValueError if Python does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError as error:
        raise ValueError(f"unknown text encoding {encoding!r}") from error


def code_page_number(profile: BaseProfile, encoding: str) -> int:
    """The `ESC t n` number of a single-byte `encoding` in the printer profile's table;
    ValueError if the profile does not list it."""
    wanted = canonical_encoding(encoding)
    for name, number in profile.get_code_pages().items():
        with contextlib.suppress(LookupError):
            if codecs.lookup(name).name == wanted:
                return int(number)
    raise ValueError(f"printer profile has no code page for encoding {encoding!r}")


def printer_profile(paper_mm: int, name: str | None = None) -> Profile:
    """The escpos profile to render with: the named one (e.g. "TM-T88V"), or escpos's default
    profile, given the media width of `paper_mm` paper when the profile does not know its own,
    so escpos can centre images and does not warn about an unknown width."""
    if paper_mm not in PIXELS_BY_PAPER_MM:
        raise ValueError(f"paper_mm must be one of {sorted(PIXELS_BY_PAPER_MM)}, not {paper_mm!r}")
    try:
        base = get_profile_class(name or "default")
    except KeyError as error:
        raise ValueError(f"unknown escpos printer profile {name!r}") from error
    data: dict[str, Any] = copy.deepcopy(base.profile_data)
    if _media_pixels(data) is None:
        data["media"] = {
            "dpi": DEFAULT_DPI,
            "width": {"mm": paper_mm, "pixels": PIXELS_BY_PAPER_MM[paper_mm]},
        }
    # A subclass of escpos's Profile: the only kind of profile object escpos accepts.
    profile_class = type(f"Huiyuan{paper_mm}mmProfile", (Profile,), {"profile_data": data})
    return profile_class(features=dict(data["features"]))


def _media_pixels(profile_data: dict[str, Any]) -> int | None:
    try:
        return int(profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return None


def clip_to_width(text: str, columns: int, encoding: str = DEFAULT_ENCODING) -> str:
    """The longest beginning of `text` within `columns` (huiyuan_devices.printer.document.fit)."""
    return fit(text, columns, encoding)


def without_control_characters(text: str) -> str:
    """Control characters would reach the printer as commands (a member's name with ESC p in it
    would open the drawer): they print as "?"."""
    return "".join("?" if unicodedata.category(char) == "Cc" else char for char in text)


def render_to_bytes(
    document: PrintDocument, options: RenderOptions, profile: Profile | None = None
) -> bytes:
    """The whole document as ESC/POS bytes (rendered onto a Dummy printer)."""
    buffer = Dummy(profile=profile or printer_profile(58))
    render_document(document, buffer, options)
    return buffer.output


def drawer_kick_bytes(options: RenderOptions, profile: Profile | None = None) -> bytes:
    buffer = Dummy(profile=profile or printer_profile(58))
    buffer.cashdraw(options.drawer_pin)
    return buffer.output


def render_document(document: PrintDocument, printer: Escpos, options: RenderOptions) -> None:
    """Write `document` to `printer` through its `_raw`. ValueError for a document no printer
    can print (bad barcode data, QR size out of range, unknown block)."""
    _DocumentRenderer(printer, options, document.columns).render(document)


class _DocumentRenderer:
    """One document onto one printer; tracks the text style so only changes are sent."""

    def __init__(self, printer: Escpos, options: RenderOptions, document_columns: int) -> None:
        self.printer = printer
        self.options = options
        self.columns = min(document_columns, options.columns)
        if document_columns > options.columns:
            log.warning("document laid out for %d columns, printer has %d: lines are clipped",
                        document_columns, options.columns)
        self.bold = False
        self.double = False
        self.align = Align.LEFT

    def render(self, document: PrintDocument) -> None:
        self._start()
        for block in document.blocks:
            self._block(block)
        if document.cut:
            self.printer.cut()
        if document.open_drawer:
            self.printer.cashdraw(self.options.drawer_pin)

    def _start(self) -> None:
        self.printer.hw("INIT")  # ESC @: a printer left in any state by an earlier job
        if self.options.chinese_mode:
            self.printer._raw(ENTER_CHINESE_MODE)
            return
        number = code_page_number(self.printer.profile, self.options.encoding)
        self.printer._raw(LEAVE_CHINESE_MODE + SELECT_CODE_PAGE + bytes((number,)))

    def _block(self, block: Block) -> None:
        if isinstance(block, TextLine):
            self._text_line(block)
        elif isinstance(block, Rule):
            self._rule(block)
        elif isinstance(block, QrCode):
            self._qr_code(block)
        elif isinstance(block, Barcode):
            self._barcode(block)
        elif isinstance(block, Logo):
            self._logo(block)
        elif isinstance(block, Feed):
            self._feed(block)
        else:
            raise ValueError(f"cannot print a {type(block).__name__}")

    def _text_line(self, line: TextLine) -> None:
        self._style(bold=line.bold, double=line.double, align=line.align)
        limit = self.columns // 2 if line.double else self.columns
        text = without_control_characters(line.text)
        clipped = clip_to_width(text, limit, self.options.encoding)
        if clipped != text:
            log.warning("line wider than %d columns clipped: %r", self.columns, line.text)
        self._write_line(clipped)

    def _rule(self, rule: Rule) -> None:
        char_columns = display_width(rule.char, self.options.encoding)
        if len(rule.char) != 1 or char_columns == 0:
            raise ValueError(f"a Rule needs one visible character, not {rule.char!r}")
        self._style(bold=False, double=False, align=Align.LEFT)
        self._write_line(without_control_characters(rule.char) * (self.columns // char_columns))

    def _write_line(self, text: str) -> None:
        encoding = canonical_encoding(self.options.encoding)
        self.printer._raw(text.encode(encoding, errors="replace") + b"\n")

    def _style(self, *, bold: bool, double: bool, align: Align) -> None:
        if bold != self.bold:
            self.printer.set(bold=bold)  # ESC E n: bold for Chinese and Latin characters alike
            self.bold = bold
        if double != self.double:
            # GS ! n, not ESC ! n: in Chinese mode ESC ! does not enlarge Chinese characters.
            size = 2 if double else 1
            self.printer.set(custom_size=True, width=size, height=size)
            self.double = double
        self._align(align)

    def _align(self, align: Align) -> None:
        if align != self.align:
            self.printer.set(align=align.value)  # ESC a n
            self.align = align

    def _qr_code(self, qr: QrCode) -> None:
        if not 1 <= qr.size <= 16:
            raise ValueError(f"QR module size must be 1-16, not {qr.size}")
        if not qr.payload:
            raise ValueError("a QR code needs a payload")
        self._align(Align.CENTER)
        if self.printer.profile.supports("qrCode"):
            self.printer.qr(qr.payload, ec=QR_ECLEVEL_M, size=qr.size, native=True)  # GS ( k
            return
        # An image for printers without native QR; not escpos's own image path, which writes
        # its newlines through the magic encoder and so switches the code page.
        try:
            self.printer.image(_qr_image(qr), center=True)
        except EscposError as error:
            raise ValueError(f"QR code too wide for the paper: {error}") from error

    def _barcode(self, barcode: Barcode) -> None:
        code, kind = _barcode_code(barcode, hardware=self._hardware_barcode(barcode.symbology))
        # escpos prints "Using hardware barcode renderer" to stdout on every barcode.
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                self.printer.barcode(code, kind, height=BARCODE_HEIGHT_DOTS,
                                     width=BARCODE_MODULE_DOTS, pos="BELOW", align_ct=True)
        except EscposError as error:
            raise ValueError(f"cannot print barcode {barcode.data!r}: {error}") from error
        self.align = Align.CENTER  # escpos centred it (ESC a 1) and left it so

    def _hardware_barcode(self, symbology: Symbology) -> bool:
        profile = self.printer.profile
        if symbology is Symbology.CODE128:
            return bool(profile.supports("barcodeB"))
        return bool(profile.supports("barcodeA") or profile.supports("barcodeB"))

    def _logo(self, logo: Logo) -> None:
        # A missing or too wide logo is a store set-up problem: the receipt prints without it.
        try:
            self.printer.image(logo.path, center=True)  # GS v 0 raster
        except (OSError, ValueError, EscposError) as error:
            log.warning("logo %s not printed: %s", logo.path, error)

    def _feed(self, feed: Feed) -> None:
        if feed.lines < 0:
            raise ValueError(f"cannot feed {feed.lines} lines")
        remaining = feed.lines
        while remaining > 0:
            step = min(remaining, MAX_FEED_PER_COMMAND)
            self.printer.print_and_feed(step)  # ESC d n
            remaining -= step


def _qr_image(qr: QrCode) -> Image.Image:
    code = qrcode.QRCode(box_size=qr.size, border=1, error_correction=ERROR_CORRECT_M)
    code.add_data(qr.payload)
    code.make(fit=True)
    return code.make_image().get_image().convert("RGB")


def _barcode_code(barcode: Barcode, *, hardware: bool) -> tuple[str, str]:
    """The data and escpos type name for a barcode. Hardware CODE128 needs a code set prefix:
    `{B` (printable ASCII), with a literal "{" sent as "{{"."""
    data = barcode.data
    if not data or not data.isascii() or not data.isprintable():
        raise ValueError(f"barcode data must be printable ASCII, not {data!r}")
    if barcode.symbology is Symbology.EAN13:
        return data, "EAN13"
    if hardware:
        return "{B" + data.replace("{", "{{"), "CODE128"
    return data, "CODE128"

