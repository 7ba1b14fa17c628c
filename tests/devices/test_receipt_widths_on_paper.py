"""Every printed row of every receipt fits the paper as the printer counts columns.

In Chinese mode an ESC/POS printer draws each character it receives as several bytes (a
GB18030 two- or four-byte sequence) two columns wide and each single byte one column: `¥`
(four bytes in GB18030) and `·` (two) included, though Unicode calls them narrow. The receipts
go through the real path — layout, python-escpos rendering, a serial line on a socat
pseudo-terminal — and the far end's bytes are measured by that rule, byte by byte, not by the
layout's own function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from huiyuan_devices.printer.escpos_printer import EscposReceiptPrinter
from huiyuan_devices.printer.escpos_render import render_to_bytes
from huiyuan_devices.printer.factory import create

from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow
from terminal.receipts.layout import layout_receipt
from tests.support import escpos_parser as ep
from tests.support import receipts_world as world
from tests.support.printer_ends import SerialPrinterEnd

AMOUNT_AT_THE_END = re.compile(r" -?¥\d+\.\d\d$")
# Mixed Chinese, Latin and the symbols Chinese receipts carry: the middle dot of 退款·储值卡
# and of Uyghur names, fullwidth brackets and digits, ①, ★, №, the euro and accented letters.
MIXED_NAMES = ("拿铁·大杯 Latte", "Crème brûlée 焦糖布丁", "进口水（500ml）×2", "①号套餐★会员价",
               "№5 香水 Eau de Parfum 50ml", "Café au lait €", "ＶＩＰ年卡续费")


def mixed_receipt() -> Receipt:
    lines = tuple(ReceiptLine(name, index + 1, 1230 * (index + 1), 1230 * (index + 1) ** 2)
                  for index, name in enumerate(MIXED_NAMES))
    return Receipt(
        kind=ReceiptKind.REFUND, op_id="T01-000777", at=datetime(2026, 12, 8, 9, 30),
        store_name="好时光·Good Times 旗舰店", terminal_id="T01", cashier="阿依古丽·买买提",
        card_no_masked="8800********1234", member_name="José Müller 穆勒", lines=lines,
        totals=(ReceiptRow("receipt.refund_total", 1230),
                ReceiptRow("receipt.original_sale", value="T01-000123")),
        tenders=(ReceiptRow("receipt.refunded.stored_value", 1230),
                 ReceiptRow("receipt.refunded.cash", 99999999)),
        footer_keys=("receipt.thanks",),
    )


RECEIPTS = {"mixed": mixed_receipt, **{f"{kind.value}": (lambda receipt=receipt: receipt)
                                       for kind, receipt in world.every_kind().items()}}


def printed_columns(row: bytes) -> int:
    """The columns a GB18030 printer in Chinese mode fills with `row`: one per single byte, two
    per multibyte character (a four-byte one has a digit 0x30-0x39 as its second byte)."""
    columns = 0
    at = 0
    while at < len(row):
        if row[at] < 0x80:
            at += 1
            columns += 1
        else:
            at += 4 if 0x30 <= row[at + 1] <= 0x39 else 2
            columns += 2
    return columns


@pytest.fixture
def serial_printer(tmp_path: Path) -> Iterator[tuple[EscposReceiptPrinter, SerialPrinterEnd]]:
    with SerialPrinterEnd(tmp_path) as end:
        printer = create({"kind": "serial", "device": end.printer_path, "status_check": False,
                          "paper_mm": 58})
        assert isinstance(printer, EscposReceiptPrinter)
        try:
            yield printer, end
        finally:
            printer.close()


def print_and_read(printer: EscposReceiptPrinter, end: SerialPrinterEnd, receipt: Receipt,
                   columns: int, lang: str) -> list[ep.Text]:
    """The receipt's rows as the far end of the serial line received them."""
    end.clear()
    document = layout_receipt(receipt, columns, lang, encoding=printer.encoding)
    printer.print_document(document)
    job_length = len(render_to_bytes(document, printer.render_options, printer.profile))
    return ep.of_type(ep.parse(end.wait_for_job(job_length)), ep.Text)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("columns", [32, 48])
def test_every_printed_row_fits_and_amounts_end_in_the_last_column(
    serial_printer: tuple[EscposReceiptPrinter, SerialPrinterEnd], columns: int, lang: str,
) -> None:
    printer, end = serial_printer
    assert printer.encoding == "gb18030"
    for name, make in RECEIPTS.items():
        rows = print_and_read(printer, end, make(), columns, lang)
        assert rows, name
        for row in rows:
            width = printed_columns(row.text.encode("gb18030")) * row.width
            assert width <= columns, (name, row.text, width)
            if row.align == "left" and AMOUNT_AT_THE_END.search(row.text):
                assert width == columns, (name, row.text, width)


def test_the_middle_dot_and_the_yuan_sign_take_two_columns_each(
    serial_printer: tuple[EscposReceiptPrinter, SerialPrinterEnd],
) -> None:
    printer, end = serial_printer
    rows = print_and_read(printer, end, mixed_receipt(), 32, "zh_CN")
    [refund_row] = [row.text for row in rows if row.text.startswith("退款·储值卡")]
    # 退款·储值卡 is 6 characters in 12 columns, ¥12.30 is 6 in 7: 13 spaces between them.
    assert refund_row == "退款·储值卡" + " " * 13 + "¥12.30"
    assert printed_columns(refund_row.encode("gb18030")) == 32
