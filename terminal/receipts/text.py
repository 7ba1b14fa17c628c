"""A receipt as plain text for a 58 mm (32 columns) or 80 mm (48 columns) printer.

Columns are the printer's: a character sent to it as several bytes in its encoding (every Chinese
character, and `¥` and `·` in GB18030) takes two, so alignment is computed with `display_width`
for the printer's encoding, never `len`. `receipt_lines` is the one line builder: the text
rendered here and the print document (terminal.receipts.layout) both come from its lines.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from huiyuan_devices.printer.document import DEFAULT_ENCODING, char_width, display_width, fit

from membership.money import format_fen
from membership.receipts import Receipt, ReceiptLine, ReceiptRow
from terminal.i18n import DEFAULT_LANGUAGE, translate

NARROW_WIDTH = 32  # 58 mm paper
WIDE_WIDTH = 48  # 80 mm paper
MIN_WIDTH = 24
MAX_WIDTH = 64
AMOUNT_CHARS = 10  # "-¥99999.99": item amounts line up under each other
# ASCII "x", not "×": GB18030 printers draw the multiplication sign two columns wide, which
# would make a quantity wider than its digits.
QTY_PRICE = "{qty} x {price}"
QTY_ONLY = "x {qty}"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# The rows that say what the customer pays or is paid: printed bold.
STRONG_LABELS = frozenset({
    "receipt.amount_due", "receipt.topup_amount", "receipt.withdraw_amount",
    "receipt.refund_total", "receipt.refund_principal", "receipt.cash_total",
})


def pad_right(text: str, width: int, encoding: str = DEFAULT_ENCODING) -> str:
    fitted = fit(text, width, encoding)
    return fitted + " " * (width - display_width(fitted, encoding))


def pad_left(text: str, width: int, encoding: str = DEFAULT_ENCODING) -> str:
    fitted = fit(text, width, encoding)
    return " " * (width - display_width(fitted, encoding)) + fitted


def center(text: str, width: int, encoding: str = DEFAULT_ENCODING) -> str:
    fitted = fit(text, width, encoding)
    return " " * ((width - display_width(fitted, encoding)) // 2) + fitted


def wrap(text: str, width: int, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """Break `text` into lines of at most `width` columns: between Chinese characters, at
    spaces between Latin words, and inside a Latin word only when it is longer than a line."""
    if width < 2:
        raise ValueError("width must leave room for a wide character")
    lines: list[str] = []
    current = ""
    for token in _tokens(text, encoding):
        if display_width((current + token).rstrip(), encoding) <= width:
            current += token
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = token.lstrip()
        while display_width(current.rstrip(), encoding) > width:
            head = fit(current, width, encoding)
            lines.append(head)
            current = current[len(head):]
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _tokens(text: str, encoding: str) -> list[str]:
    """Latin words (with the spaces after them) stay together; each wide character stands alone."""
    tokens: list[str] = []
    for char in text:
        joins_word = (char_width(char, encoding) < 2 and tokens
                      and char_width(tokens[-1][-1], encoding) < 2)
        if joins_word and not (tokens[-1][-1].isspace() and not char.isspace()):
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def row(left: str, right: str, width: int, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """`left` at the left edge and `right` ending in the last column; `left` wraps above when
    both do not fit on one line."""
    right = fit(right, width, encoding)
    room = width - display_width(right, encoding)
    if display_width(left, encoding) + (1 if left else 0) <= room:
        return [pad_right(left, room, encoding) + right] if right else [left.rstrip()]
    if not right:
        return wrap(left, width, encoding)
    return [*wrap(left, width, encoding), pad_left(right, width, encoding)]


class LineStyle(StrEnum):
    """What a laid-out line is, so that each renderer can show it its own way."""

    TITLE = "title"  # the receipt's name, centred (the print document makes it double size)
    CENTRED = "centred"
    PLAIN = "plain"  # already laid out to the width: rows end in the last column
    STRONG = "strong"  # the amount due or paid: bold on paper
    RULE = "rule"  # a separator across the width


@dataclass(frozen=True)
class LaidLine:
    """One line of a receipt, at most `width` columns (centring is left to the renderer)."""

    text: str
    style: LineStyle = LineStyle.PLAIN


def receipt_lines(
    receipt: Receipt, width: int = NARROW_WIDTH, lang: str = DEFAULT_LANGUAGE,
    encoding: str = DEFAULT_ENCODING,
) -> list[LaidLine]:
    """The receipt line by line: what both the text renderer and the print layout show, its
    widths counted as a printer taking text in `encoding` counts them."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"receipt width must be {MIN_WIDTH}-{MAX_WIDTH} columns, not {width}")
    paper = _Paper(width, encoding)
    sections = [
        _plain(_header(receipt, paper, lang)),
        _plain([line for item in receipt.lines for line in _item(item, paper, lang)]),
        _rows(receipt.totals, paper, lang),
        _rows(receipt.tenders, paper, lang),
        _rows(receipt.balances, paper, lang),
        [LaidLine(part, LineStyle.CENTRED) for key in receipt.footer_keys
         for part in paper.wrap(_clean(translate(key, lang)))],
    ]
    lines = _title(receipt, paper, lang)
    for section in sections:
        if section:
            lines += [LaidLine("", LineStyle.RULE), *section]
    return lines


def text_of(line: LaidLine, width: int, encoding: str = DEFAULT_ENCODING) -> str:
    """A laid-out line as plain text: rules drawn, centred lines indented."""
    if line.style is LineStyle.RULE:
        return "-" * width
    if line.style in (LineStyle.TITLE, LineStyle.CENTRED):
        return center(line.text, width, encoding)
    return line.text


def render_text(receipt: Receipt, width: int = NARROW_WIDTH, lang: str = DEFAULT_LANGUAGE,
                encoding: str = DEFAULT_ENCODING) -> str:
    """The whole receipt, one printed line per text line, ending with a newline."""
    return "".join(text_of(line, width, encoding) + "\n"
                   for line in receipt_lines(receipt, width, lang, encoding))


@dataclass(frozen=True)
class _Paper:
    """The width of a line and the encoding its columns are counted in."""

    width: int
    encoding: str

    def wrap(self, text: str) -> list[str]:
        return wrap(text, self.width, self.encoding)

    def row(self, left: str, right: str) -> list[str]:
        return row(left, right, self.width, self.encoding)

    def columns(self, text: str) -> int:
        return display_width(text, self.encoding)


def _title(receipt: Receipt, paper: _Paper, lang: str) -> list[LaidLine]:
    title = translate(f"receipt.title.{receipt.kind.value}", lang)
    store_name = _clean(receipt.store_name)
    return ([LaidLine(part, LineStyle.TITLE) for part in paper.wrap(title)]
            + [LaidLine(part, LineStyle.CENTRED) for part in paper.wrap(store_name)
               if store_name])


def _plain(lines: list[str]) -> list[LaidLine]:
    return [LaidLine(line) for line in lines]


def _header(receipt: Receipt, paper: _Paper, lang: str) -> list[str]:
    fields = (
        ("receipt.op_id", receipt.op_id),
        ("receipt.time", receipt.at.strftime(TIME_FORMAT)),
        ("receipt.terminal", receipt.terminal_id),
        ("receipt.cashier", receipt.cashier),
        ("receipt.card_no", receipt.card_no_masked),
        ("receipt.member", receipt.member_name),
    )
    lines = []
    for label_key, value in fields:
        if value:
            text = translate("receipt.label_value", lang, label=translate(label_key, lang),
                             value=_clean(value))
            lines += paper.wrap(text)
    return lines


def _item(item: ReceiptLine, paper: _Paper, lang: str) -> list[str]:
    name = _clean(item.name)
    if item.unit_price:
        detail = QTY_PRICE.format(qty=item.qty, price=format_fen(item.unit_price))
    else:
        detail = QTY_ONLY.format(qty=item.qty)
    amount = format_fen(item.amount).rjust(AMOUNT_CHARS)
    tail = f"{detail} {amount}"
    if paper.columns(name) + 1 + paper.columns(tail) <= paper.width:
        lines = paper.row(name, tail)
    else:
        lines = [*paper.wrap(name), *paper.row("  " + detail, amount.strip())]
    notes = [f"  {translate(key, lang)}" for key in item.notes]
    return lines + [part for note in notes for part in paper.wrap(note)]


def _rows(rows: tuple[ReceiptRow, ...], paper: _Paper, lang: str) -> list[LaidLine]:
    lines = []
    for entry in rows:
        right = format_fen(entry.amount) if entry.amount is not None else _clean(entry.value)
        style = LineStyle.STRONG if entry.label_key in STRONG_LABELS else LineStyle.PLAIN
        lines += [LaidLine(text, style)
                  for text in paper.row(_clean(translate(entry.label_key, lang)), right)]
    return lines


def _clean(text: str) -> str:
    """Names come from configuration and members: a tab or newline in one must not break a line."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text).strip()
