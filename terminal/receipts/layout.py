"""A core `Receipt` laid out as a `PrintDocument` for a 58 mm (32) or 80 mm (48 columns) printer.

The lines come from terminal.receipts.text's one line builder, so the paper says exactly what the
text receipt says; this module only adds what plain text cannot: the title double size, the
amount due bold, the QR code, the op_id barcode, the cut and the drawer kick.

Double-size text takes two columns per column, so a title is printed double only when it fits
in half the paper; a longer one (English titles on 58 mm) is printed single size and bold.
"""

from __future__ import annotations

from collections.abc import Iterable

from huiyuan_devices.printer.document import (
    COLUMNS_58MM,
    DEFAULT_ENCODING,
    Align,
    Barcode,
    Block,
    PrintDocument,
    QrCode,
    Rule,
    Symbology,
    TextLine,
)

from membership.receipts import Receipt, ReceiptKind
from terminal.i18n import DEFAULT_LANGUAGE, translate
from terminal.receipts.text import LaidLine, LineStyle, display_width, receipt_lines, wrap

CASH_TENDER = "tender.cash"
# Money the core pays out in cash without a tender row: a withdrawal, a cancelled card's
# principal. The cashier needs the drawer open for these too.
CASH_OUT_ROWS = frozenset({"receipt.withdraw_amount", "receipt.refund_principal"})


def layout_receipt(
    receipt: Receipt,
    columns: int = COLUMNS_58MM,
    lang: str = DEFAULT_LANGUAGE,
    *,
    barcode: bool = False,
    reprint: bool = False,
    encoding: str = DEFAULT_ENCODING,
) -> PrintDocument:
    """The document to print on a printer taking text in `encoding` (its widths are counted as
    that printer counts them). `barcode` adds the op_id as CODE128 (for scanning a receipt back
    at a refund); `reprint` marks a copy of a receipt the customer already had (重打小票)."""
    lines = receipt_lines(receipt, columns, lang, encoding)
    titles = [line for line in lines if line.style is LineStyle.TITLE]
    blocks: list[Block] = [*_title_blocks(titles, columns, encoding)]
    if reprint:
        blocks += _centred(translate("receipt.reprint", lang), columns, encoding, bold=True)
    blocks += [_block(line) for line in lines if line.style is not LineStyle.TITLE]
    if receipt.qr_payload:
        blocks.append(QrCode(receipt.qr_payload))
    if barcode and receipt.op_id:
        blocks.append(Barcode(receipt.op_id, Symbology.CODE128))
    title = translate(f"receipt.title.{receipt.kind.value}", lang)
    return PrintDocument(
        blocks=tuple(blocks),
        columns=columns,
        encoding=encoding,
        cut=True,
        open_drawer=takes_cash(receipt),
        title=f"{title} {receipt.op_id}",
        meta={"op_id": receipt.op_id, "kind": receipt.kind.value, "lang": lang},
    )


def takes_cash(receipt: Receipt) -> bool:
    """Cash changes hands (paid in, given back at a refund, paid out): the drawer must open.
    A shift report lists the shift's cash but moves none: it leaves the drawer shut."""
    if receipt.kind is ReceiptKind.SHIFT:
        return False
    return (any(row.label_key == CASH_TENDER and row.amount for row in receipt.tenders)
            or any(row.label_key in CASH_OUT_ROWS and row.amount for row in receipt.totals))


def _title_blocks(titles: list[LaidLine], columns: int, encoding: str) -> Iterable[TextLine]:
    # The builder wrapped the title to the full width; one part that fits half of it is doubled.
    if len(titles) == 1 and display_width(titles[0].text, encoding) <= columns // 2:
        return [TextLine(titles[0].text, bold=True, double=True, align=Align.CENTER)]
    return [TextLine(line.text, bold=True, align=Align.CENTER) for line in titles]


def _centred(text: str, columns: int, encoding: str, bold: bool = False) -> list[TextLine]:
    return [TextLine(part, bold=bold, align=Align.CENTER)
            for part in wrap(text, columns, encoding)]


def _block(line: LaidLine) -> Block:
    if line.style is LineStyle.RULE:
        return Rule("-")
    if line.style is LineStyle.CENTRED:
        return TextLine(line.text, align=Align.CENTER)
    return TextLine(line.text, bold=line.style is LineStyle.STRONG)
