"""Decode an ESC/POS byte stream into what a printer would do, so tests assert content (the
Chinese lines, the QR payload, the cut) rather than lengths.

Knows the commands our renderer and python-escpos send; anything else raises ParseError, so a
stray byte in the output fails a test instead of being skipped. Text is decoded per line: GB18030
in Chinese mode (FS & / FS .), otherwise the code page chosen with ESC t. A stream cut short
(paper out mid-job) ends with a `Truncated` element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

ESC, GS, FS, DLE, LF, NUL = 0x1B, 0x1D, 0x1C, 0x10, 0x0A, 0x00
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 19: "cp858", 52: "cp437"}
ALIGNS = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
BARCODE_TYPES = {2: "EAN13", 67: "EAN13", 73: "CODE128"}

E = TypeVar("E")


class ParseError(ValueError):
    pass


@dataclass(frozen=True)
class Init:
    pass


@dataclass(frozen=True)
class ChineseMode:
    on: bool


@dataclass(frozen=True)
class CodePage:
    number: int


@dataclass(frozen=True)
class Bold:
    on: bool


@dataclass(frozen=True)
class Size:
    width: int
    height: int


@dataclass(frozen=True)
class Alignment:
    align: str


@dataclass(frozen=True)
class Text:
    """One line as printed, with the style in force when it was printed."""

    text: str
    bold: bool = False
    width: int = 1
    height: int = 1
    align: str = "left"


@dataclass(frozen=True)
class Feed:
    lines: int


@dataclass(frozen=True)
class QrCode:
    payload: str
    size: int


@dataclass(frozen=True)
class Barcode:
    symbology: str
    data: str  # without the CODE128 code set prefix and with "{{" read as "{"
    raw: bytes
    height: int | None = None
    module_width: int | None = None


@dataclass(frozen=True)
class RasterImage:
    width_dots: int
    height_dots: int


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class DrawerKick:
    pin: int


@dataclass(frozen=True)
class StatusQuery:
    kind: int


@dataclass(frozen=True)
class Truncated:
    """The stream stopped inside a command or a line."""

    pending: bytes


Element = (Init | ChineseMode | CodePage | Bold | Size | Alignment | Text | Feed | QrCode | Barcode
           | RasterImage | Cut | DrawerKick | StatusQuery | Truncated)


@dataclass
class _State:
    chinese: bool = False
    code_page: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    align: str = "left"
    qr_payload: bytes = b""
    qr_size: int = 3
    barcode_height: int | None = None
    barcode_width: int | None = None
    line: bytearray = field(default_factory=bytearray)

    def reset(self) -> None:
        fresh = _State(chinese=self.chinese)  # ESC @ leaves the Chinese mode switch alone
        self.__dict__.update(fresh.__dict__)


class _NeedMore(Exception):
    """The stream ended inside a command."""


def parse(data: bytes) -> list[Element]:
    state = _State()
    elements: list[Element] = []
    position = 0
    while position < len(data):
        byte = data[position]
        try:
            if byte == LF:
                elements.append(_end_line(state))
                position += 1
            elif byte in (ESC, GS, FS, DLE):
                element, position = _command(data, position, state)
                if element is not None:
                    elements.append(element)
            elif byte >= 0x20:
                state.line.append(byte)
                position += 1
            else:
                raise ParseError(f"unexpected byte 0x{byte:02x} at {position}")
        except _NeedMore:
            elements.append(Truncated(bytes(state.line) + data[position:]))
            return elements
    if state.line:
        elements.append(Truncated(bytes(state.line)))
    return elements


def _end_line(state: _State) -> Text:
    encoding = "gb18030" if state.chinese else CODE_PAGES.get(state.code_page, "cp437")
    text = bytes(state.line).decode(encoding)
    state.line.clear()
    return Text(text, state.bold, state.width, state.height, state.align)


def _take(data: bytes, start: int, count: int) -> bytes:
    if start + count > len(data):
        raise _NeedMore
    return data[start:start + count]


def _command(data: bytes, at: int, state: _State) -> tuple[Element | None, int]:
    prefix, code = _take(data, at, 2)
    if prefix == ESC:
        return _esc(data, at, code, state)
    if prefix == GS:
        return _gs(data, at, code, state)
    if prefix == FS and code in (ord("&"), ord(".")):
        state.chinese = code == ord("&")
        return ChineseMode(state.chinese), at + 2
    if prefix == DLE and code == 0x04:
        return StatusQuery(_take(data, at + 2, 1)[0]), at + 3
    raise ParseError(f"unknown command {data[at:at + 2].hex(' ')} at {at}")


def _esc(data: bytes, at: int, code: int, state: _State) -> tuple[Element | None, int]:
    if code == ord("@"):
        state.reset()
        return Init(), at + 2
    if code == ord("p"):
        pin_byte = _take(data, at + 2, 3)[0]
        return DrawerKick(2 if pin_byte in (0, 48) else 5), at + 5
    argument = _take(data, at + 2, 1)[0]
    if code == ord("E"):
        state.bold = bool(argument & 1)
        return Bold(state.bold), at + 3
    if code == ord("a"):
        state.align = ALIGNS[argument]
        return Alignment(state.align), at + 3
    if code == ord("d"):
        return Feed(argument), at + 3
    if code == ord("t"):
        state.code_page = argument
        return CodePage(argument), at + 3
    raise ParseError(f"unknown command ESC {chr(code)!r} at {at}")


def _gs(data: bytes, at: int, code: int, state: _State) -> tuple[Element | None, int]:
    if code == ord("!"):
        size = _take(data, at + 2, 1)[0]
        state.width, state.height = (size >> 4) + 1, (size & 0x0F) + 1
        return Size(state.width, state.height), at + 3
    if code == ord("V"):
        mode = _take(data, at + 2, 1)[0]
        length = 4 if mode in (65, 66) else 3
        _take(data, at, length)
        return Cut(partial=mode in (1, 49, 66)), at + length
    if code == ord("("):
        return _two_d_code(data, at, state)
    if code == ord("v"):
        return _raster(data, at)
    if code == ord("k"):
        return _barcode(data, at, state)
    if code in (ord("h"), ord("w"), ord("H"), ord("f")):
        value = _take(data, at + 2, 1)[0]
        if code == ord("h"):
            state.barcode_height = value
        elif code == ord("w"):
            state.barcode_width = value
        return None, at + 3
    raise ParseError(f"unknown command GS {chr(code)!r} at {at}")


def _two_d_code(data: bytes, at: int, state: _State) -> tuple[Element | None, int]:
    """GS ( k pL pH cn fn [m] data: QR model (65), size (67), error level (69), store (80,
    "1P0" + payload) and print (81)."""
    kind, low, high = _take(data, at + 2, 3)
    if kind != ord("k"):
        raise ParseError(f"unknown command GS ( {chr(kind)!r} at {at}")
    length = low + high * 256
    body = _take(data, at + 5, length)
    end = at + 5 + length
    symbol, function = body[0], body[1]
    if symbol != ord("1"):
        raise ParseError(f"not a QR code (cn={symbol}) at {at}")
    if function == 67:
        state.qr_size = body[2]
    elif function == 80:
        state.qr_payload = body[3:]
    elif function == 81:
        return QrCode(state.qr_payload.decode("utf-8"), state.qr_size), end
    return None, end


def _raster(data: bytes, at: int) -> tuple[Element, int]:
    """GS v 0 m xL xH yL yH d1...dk: k = x * y bytes."""
    header = _take(data, at + 2, 6)
    width_bytes = header[2] + header[3] * 256
    height = header[4] + header[5] * 256
    _take(data, at + 8, width_bytes * height)
    return RasterImage(width_bytes * 8, height), at + 8 + width_bytes * height


def _barcode(data: bytes, at: int, state: _State) -> tuple[Element, int]:
    """GS k m d1...dk NUL (m 0-6) or GS k m n d1...dn (m 65-79)."""
    kind = _take(data, at + 2, 1)[0]
    if kind <= 6:
        end = data.find(bytes((NUL,)), at + 3)
        if end < 0:
            raise _NeedMore
        raw, after = data[at + 3:end], end + 1
    else:
        length = _take(data, at + 3, 1)[0]
        raw, after = _take(data, at + 4, length), at + 4 + length
    symbology = BARCODE_TYPES.get(kind, f"type {kind}")
    text = raw.decode("ascii")
    if symbology == "CODE128" and text[:2] in ("{A", "{B", "{C"):
        text = text[2:].replace("{{", "{")
    return Barcode(symbology, text, raw, state.barcode_height, state.barcode_width), after


def texts(elements: list[Element]) -> list[str]:
    return [element.text for element in elements if isinstance(element, Text)]


def of_type(elements: list[Element], kind: type[E]) -> list[E]:
    return [element for element in elements if isinstance(element, kind)]
