"""A `PrintDocument` as the paper shows it: plain text for the screen, a PNG for people.

The PNG is drawn on the printer's own grid: 203 dpi, 384 dots across for 58 mm paper (32
columns) and 576 for 80 mm (48 columns), so a column is 12 dots and a line 24 dots plus spacing,
like the printer's font A. Every character is placed in its own cells (a Chinese one takes
two) instead of being laid out by the font, so columns line up on the PNG exactly as on paper
even with a proportional font. Double-size text takes cells twice as wide and twice as high.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import assert_never

import qrcode
from barcode import Code128
from huiyuan_devices.printer.document import (
    DEFAULT_ENCODING,
    Align,
    Barcode,
    Block,
    Feed,
    Logo,
    PrintDocument,
    QrCode,
    Rule,
    TextLine,
)
from PIL import Image, ImageDraw, ImageFont

from terminal.fonts import FontFile, find_cjk_font
from terminal.i18n import DEFAULT_LANGUAGE, translate
from terminal.receipts.text import char_width, display_width, fit

CELL_DOTS = 12  # one display column: font A of a 203 dpi thermal printer is 12 x 24 dots
GLYPH_DOTS = 24  # the height of a line of text, and the size of a Chinese character
LINE_DOTS = 30  # a line of text with the printer's default spacing
MARGIN_DOTS = 12  # white above the first line and below the cut
QR_QUIET_MODULES = 2
BARCODE_MODULE_DOTS = 2
BARCODE_HEIGHT_DOTS = 64
CUT_DASH_DOTS = (8, 6)  # dash and gap of the line that shows where the paper is cut
WHITE, BLACK, GREY = 255, 0, 128
ELLIPSIS = "…"


def paper_dots(columns: int) -> int:
    """384 for 32 columns (58 mm), 576 for 48 (80 mm)."""
    return columns * CELL_DOTS


# --- plain text ---------------------------------------------------------------------------------

def document_text(document: PrintDocument, lang: str = DEFAULT_LANGUAGE) -> str:
    """One text line per printed line; a QR code, barcode or logo as a bracketed placeholder.
    A double-size line starts where the printer starts it (its characters take twice the room)."""
    lines: list[str] = []
    for block in document.blocks:
        lines += block_text(block, document.columns, lang, document.encoding)
    return "".join(line + "\n" for line in lines)


def block_text(block: Block, columns: int, lang: str = DEFAULT_LANGUAGE,
               encoding: str = DEFAULT_ENCODING) -> list[str]:
    if isinstance(block, TextLine):
        return [text_line(block, columns, encoding)]
    if isinstance(block, Rule):
        return [fit(block.char * columns, columns, encoding)]
    if isinstance(block, Feed):
        return [""] * block.lines
    return [text_line(TextLine(_one_line(_placeholder(block, lang), columns, encoding),
                               align=Align.CENTER), columns, encoding)]


def text_line(line: TextLine, columns: int, encoding: str = DEFAULT_ENCODING) -> str:
    scale = 2 if line.double else 1
    text = fit(line.text, columns // scale, encoding)
    return " " * _lead(display_width(text, encoding), scale, columns, line.align) + text


def _placeholder(block: Block, lang: str) -> str:
    if isinstance(block, QrCode):
        return translate("preview.qr", lang, payload=block.payload)
    if isinstance(block, Barcode):
        return translate("preview.barcode", lang, symbology=block.symbology.value,
                         data=block.data)
    if isinstance(block, Logo):
        return translate("preview.logo", lang, path=Path(block.path).name)
    raise TypeError(f"not a print block: {block!r}")


def _one_line(placeholder: str, columns: int, encoding: str) -> str:
    """A placeholder cut to the paper width, its closing bracket kept (a QR payload is long)."""
    if display_width(placeholder, encoding) <= columns:
        return placeholder
    tail = ELLIPSIS + placeholder[-1]
    return fit(placeholder, columns - display_width(tail, encoding), encoding) + tail


def _lead(width: int, scale: int, columns: int, align: Align) -> int:
    """Blank columns before a text `width` columns wide printed at `scale`."""
    room = max(columns - width * scale, 0)
    return {Align.LEFT: 0, Align.CENTER: room // 2, Align.RIGHT: room}[align]


# --- PNG ----------------------------------------------------------------------------------------

def render_png(
    document: PrintDocument, path: str | Path | None = None, font: FontFile | None = None
) -> bytes:
    """The receipt as a PNG, `paper_dots(columns)` wide; written to `path` too when given."""
    buffer = io.BytesIO()
    render_image(document, font).save(buffer, format="PNG")
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def render_image(document: PrintDocument, font: FontFile | None = None) -> Image.Image:
    """The receipt as a greyscale image: white paper, black print, a dashed line at the cut."""
    painter = _Painter(document.columns, font or find_cjk_font(), document.encoding)
    strips = [Image.new("L", (painter.width, MARGIN_DOTS), WHITE)]
    strips += [painter.block(block) for block in document.blocks]
    if document.cut:
        strips.append(painter.cut())
    strips.append(Image.new("L", (painter.width, MARGIN_DOTS), WHITE))
    return _stacked(strips, painter.width)


class _Painter:
    """Draws one block at a time as a strip of paper `columns` cells wide."""

    def __init__(self, columns: int, font: FontFile, encoding: str) -> None:
        self.columns = columns
        self.width = paper_dots(columns)
        self.font = font
        self.encoding = encoding

    def _fit(self, text: str, columns: int | None = None) -> str:
        return fit(text, self.columns if columns is None else columns, self.encoding)

    def block(self, block: Block) -> Image.Image:
        match block:
            case TextLine():
                return self.text(block)
            case Rule():
                return self.rule(block)
            case Feed():
                return self.feed(block)
            case QrCode():
                return self.qr(block)
            case Barcode():
                return self.barcode(block)
            case Logo():
                return self.logo(block)
            case _:
                assert_never(block)

    def text(self, line: TextLine) -> Image.Image:
        scale = 2 if line.double else 1
        strip = Image.new("L", (self.width, LINE_DOTS * scale), WHITE)
        drawing = ImageDraw.Draw(strip)
        wide, narrow = self._fonts(scale)
        ascent, descent = wide.getmetrics()
        baseline = (LINE_DOTS * scale - ascent - descent) // 2 + ascent
        text = self._fit(line.text, self.columns // scale)
        cell = _lead(display_width(text, self.encoding), scale, self.columns, line.align)
        for char in text:
            cells = char_width(char, self.encoding) * scale
            if cells:
                centre = (cell + cells / 2) * CELL_DOTS
                drawing.text((centre, baseline), char, font=wide if cells > scale else narrow,
                             fill=BLACK, anchor="ms", stroke_width=1 if line.bold else 0,
                             stroke_fill=BLACK)
            cell += cells
        return strip

    def _fonts(self, scale: int) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
        """A Chinese character fills its two cells; Latin gets the largest size whose widest
        letter stays within one cell, so neighbours never overlap."""
        wide = self.font.load(GLYPH_DOTS * scale)
        size = GLYPH_DOTS * scale
        while size > 6 and self.font.load(size).getlength("W") > CELL_DOTS * scale * 1.05:
            size -= 1
        return wide, self.font.load(size)

    def rule(self, rule: Rule) -> Image.Image:
        return self.text(TextLine(self._fit(rule.char * self.columns)))

    def feed(self, feed: Feed) -> Image.Image:
        return Image.new("L", (self.width, LINE_DOTS * feed.lines), WHITE)

    def qr(self, code: QrCode) -> Image.Image:
        matrix = qrcode.QRCode(border=QR_QUIET_MODULES)
        matrix.add_data(code.payload)
        matrix.make(fit=True)
        modules = matrix.modules_count + 2 * QR_QUIET_MODULES
        module_dots = max(1, min(code.size, self.width // modules))
        matrix.box_size = module_dots
        image = matrix.make_image().get_image().convert("L")
        return self._centred(image)

    def barcode(self, code: Barcode) -> Image.Image:
        modules = Code128(code.data).build()[0]
        module_dots = BARCODE_MODULE_DOTS if len(modules) * 2 <= self.width else 1
        if len(modules) * module_dots > self.width:
            return self.text(TextLine(self._fit(code.data), align=Align.CENTER))
        bars = Image.new("L", (len(modules) * module_dots, BARCODE_HEIGHT_DOTS), WHITE)
        drawing = ImageDraw.Draw(bars)
        for index, module in enumerate(modules):
            if module == "1":
                left = index * module_dots
                drawing.rectangle((left, 0, left + module_dots - 1, BARCODE_HEIGHT_DOTS), BLACK)
        caption = self.text(TextLine(self._fit(code.data), align=Align.CENTER))
        return _stacked([self._centred(bars), caption], self.width)

    def logo(self, logo: Logo) -> Image.Image:
        try:
            with Image.open(logo.path) as source:
                image = source.convert("L")
        except OSError:
            # A missing logo must not stop the preview: show where it would be.
            name = Path(logo.path).name
            return self.text(TextLine(self._fit(f"[{name}]"), align=Align.CENTER))
        image.thumbnail((self.width, self.width))
        return self._centred(image)

    def cut(self) -> Image.Image:
        strip = Image.new("L", (self.width, LINE_DOTS), WHITE)
        drawing = ImageDraw.Draw(strip)
        dash, gap = CUT_DASH_DOTS
        middle = LINE_DOTS // 2
        for left in range(0, self.width, dash + gap):
            drawing.line((left, middle, min(left + dash, self.width) - 1, middle), GREY, 2)
        return strip

    def _centred(self, image: Image.Image) -> Image.Image:
        strip = Image.new("L", (self.width, image.height + LINE_DOTS // 2), WHITE)
        strip.paste(image, ((self.width - image.width) // 2, LINE_DOTS // 4))
        return strip


def _stacked(strips: list[Image.Image], width: int) -> Image.Image:
    image = Image.new("L", (width, sum(strip.height for strip in strips)), WHITE)
    top = 0
    for strip in strips:
        image.paste(strip, (0, top))
        top += strip.height
    return image
