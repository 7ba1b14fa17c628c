"""A Chinese sale receipt as a PrintDocument, laid out for 32 or 48 columns, for printer tests."""

from __future__ import annotations

from huiyuan_devices.printer.document import (
    Align,
    Barcode,
    Feed,
    PrintDocument,
    QrCode,
    Rule,
    TextLine,
)
from huiyuan_devices.printer.escpos_render import display_width

STORE = "汇元便利店"
RECEIPT_NO = "R20261123-0001"
QR_PAYLOAD = "https://hy.example.cn/r/R20261123-0001?sig=Ab3_x-9"
THANKS = "谢谢惠顾，欢迎再次光临！"
ITEMS = (("可口可乐 330ml x 2", "¥7.00"), ("康师傅红烧牛肉面", "¥4.50"), ("会员折扣", "-¥0.50"))


def row(left: str, right: str, columns: int) -> str:
    return left + " " * (columns - display_width(left) - display_width(right)) + right


def sale_receipt(columns: int = 32) -> PrintDocument:
    lines = [row(name, amount, columns) for name, amount in ITEMS]
    return PrintDocument(
        blocks=(
            TextLine(STORE, bold=True, double=True, align=Align.CENTER),
            TextLine("销售小票", align=Align.CENTER),
            Rule(),
            TextLine(f"单号: {RECEIPT_NO}"),
            TextLine("会员: 张三 (金卡)"),
            Rule(),
            *(TextLine(line) for line in lines),
            Rule("="),
            TextLine(row("合计", "¥11.00", columns // 2), bold=True, double=True),
            TextLine(row("会员余额", "¥120.00", columns)),
            Feed(1),
            QrCode(QR_PAYLOAD, size=5),
            Barcode(RECEIPT_NO),
            TextLine(THANKS, align=Align.CENTER),
        ),
        columns=columns,
        cut=True,
        open_drawer=True,
        title=RECEIPT_NO,
    )


def expected_lines(columns: int = 32) -> list[str]:
    """The text lines of `sale_receipt(columns)` as they should come off the paper."""
    return [
        STORE,
        "销售小票",
        "-" * columns,
        f"单号: {RECEIPT_NO}",
        "会员: 张三 (金卡)",
        "-" * columns,
        *(row(name, amount, columns) for name, amount in ITEMS),
        "=" * columns,
        row("合计", "¥11.00", columns // 2),
        row("会员余额", "¥120.00", columns),
        THANKS,
    ]
