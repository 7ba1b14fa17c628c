"""The print document of every kind of receipt: fitted to 32 and 48 columns, amounts in the last
column, the title double size where it fits, the drawer opened for cash, the same lines as the
text receipt."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from huiyuan_devices.printer.document import (
    Align,
    Barcode,
    PrintDocument,
    QrCode,
    Rule,
    Symbology,
    TextLine,
)

from membership.money import format_fen
from membership.receipts import ReceiptKind, ReceiptRow
from terminal.i18n import translate
from terminal.receipts.layout import layout_receipt, takes_cash
from terminal.receipts.preview import document_text
from terminal.receipts.text import display_width, render_text, wrap
from tests.support import receipts_world as world

LAYOUTS = [(32, "zh_CN"), (32, "en"), (48, "zh_CN"), (48, "en")]
AMOUNT_AT_END = re.compile(r" -?¥[\d,]+\.\d\d$")


def text_lines(document: PrintDocument) -> list[TextLine]:
    return [block for block in document.blocks if isinstance(block, TextLine)]


def all_documents() -> list:
    return [pytest.param(receipt, columns, lang, id=f"{kind.value}-{columns}-{lang}")
            for kind, receipt in world.every_kind().items() for columns, lang in LAYOUTS]


@pytest.mark.parametrize(("receipt", "columns", "lang"), all_documents())
def test_every_line_fits_the_paper(receipt, columns, lang):
    document = layout_receipt(receipt, columns, lang)
    assert document.columns == columns and document.cut
    for line in text_lines(document):
        room = columns // 2 if line.double else columns
        assert display_width(line.text) <= room, line
        assert line.text == line.text.rstrip()


@pytest.mark.parametrize(("receipt", "columns", "lang"), all_documents())
def test_amounts_end_in_the_last_column(receipt, columns, lang):
    lines = text_lines(layout_receipt(receipt, columns, lang))
    with_amounts = [line for line in lines if AMOUNT_AT_END.search(line.text)]
    amounts = [row.amount for row in (*receipt.totals, *receipt.tenders, *receipt.balances)
               if row.amount is not None]
    amounts += [item.amount for item in receipt.lines if item.unit_price or item.amount]
    for amount in amounts:
        assert any(line.text.endswith(" " + format_fen(amount)) for line in with_amounts), amount
    assert all(display_width(line.text) == columns and line.align is Align.LEFT
               for line in with_amounts)


@pytest.mark.parametrize(("receipt", "columns", "lang"), all_documents())
def test_the_paper_shows_the_text_receipts_lines(receipt, columns, lang):
    # The relationship: the same lines in the same places, except that the title is printed
    # double size (so starts further left) and the QR code follows as a placeholder.
    paper = document_text(layout_receipt(receipt, columns, lang), lang).splitlines()
    text = render_text(receipt, columns, lang).splitlines()
    assert paper[0].strip() == text[0].strip()
    assert paper[1:len(text)] == text[1:]
    placeholders = paper[len(text):]
    if not receipt.qr_payload:
        assert placeholders == []
        return
    (qr,) = placeholders  # one line, the payload cut short to fit
    full = translate("preview.qr", lang, payload=receipt.qr_payload)
    assert qr.strip()[:columns // 2] == full[:columns // 2] and qr.endswith("]")
    assert display_width(qr) <= columns


def test_the_title_is_double_size_and_centred_where_it_fits():
    document = layout_receipt(world.cash_sale(), 32, "zh_CN")
    title = document.blocks[0]
    assert title == TextLine("消费小票", bold=True, double=True, align=Align.CENTER)
    assert document_text(document).splitlines()[0] == "        消费小票"  # (32 - 2 × 8) / 2


@pytest.mark.parametrize("columns", [32, 48])
def test_a_title_wider_than_half_the_paper_is_single_size_bold(columns):
    # "Points redemption receipt" is 25 columns: double it would take 50.
    document = layout_receipt(world.every_kind()[ReceiptKind.GIFT], columns, "en")
    assert document.blocks[0] == TextLine("Points redemption receipt", bold=True,
                                          align=Align.CENTER)
    assert not any(line.double for line in text_lines(document))


def test_the_amount_due_is_bold_and_nothing_else_in_the_totals():
    lines = text_lines(layout_receipt(world.cash_sale(), 32, "zh_CN"))
    bold = [line.text for line in lines if line.bold and not line.double]
    assert bold == ["应付                    ¥320.20"]  # ¥ is two columns on paper


@pytest.mark.parametrize("kind", [ReceiptKind.TOPUP, ReceiptKind.WITHDRAW, ReceiptKind.REFUND,
                                  ReceiptKind.SHIFT])
def test_what_is_paid_or_paid_out_is_bold(kind):
    receipt = world.every_kind()[kind]
    strong = {"receipt.topup_amount", "receipt.withdraw_amount", "receipt.refund_total",
              "receipt.cash_total"}
    (row,) = [row for row in receipt.totals if row.label_key in strong]
    bold = [line.text for line in text_lines(layout_receipt(receipt, 48)) if line.bold]
    assert any(text.endswith(format_fen(row.amount)) for text in bold)


@pytest.mark.parametrize("columns", [32, 48])
def test_a_mixed_chinese_and_latin_name_wraps_between_words_and_characters(columns):
    document = layout_receipt(world.cash_sale(), columns, "en")
    texts = [line.text for line in text_lines(document)]
    start = texts.index(wrap(world.MIXED_NAME, columns)[0])
    name_lines = wrap(world.MIXED_NAME, columns)
    assert texts[start:start + len(name_lines)] == name_lines
    assert "".join(name_lines).replace(" ", "") == world.MIXED_NAME.replace(" ", "")
    for line in name_lines:  # no Latin word is cut while it would fit on a line of its own
        assert all(word in world.MIXED_NAME.split() for word in line.split()
                   if word.isascii())
    detail = texts[start + len(name_lines)]
    assert detail.startswith("  1 x ¥129.00") and detail.endswith(" ¥129.00")
    assert display_width(detail) == columns


def test_chinese_labels_and_latin_amounts_line_up_at_both_widths():
    for columns in (32, 48):
        rows = [line.text for line in text_lines(layout_receipt(world.cash_sale(), columns))
                if line.text.startswith(("小计", "优惠", "应付", "现金", "找零"))]
        assert len(rows) == 5
        assert {display_width(text) for text in rows} == {columns}


def test_a_cash_sale_opens_the_drawer_and_a_stored_value_sale_does_not():
    assert layout_receipt(world.cash_sale()).open_drawer
    assert not layout_receipt(world.stored_value_sale()).open_drawer
    no_cash = replace(world.cash_sale(), tenders=(ReceiptRow("tender.cash", 0),
                                                  ReceiptRow("tender.stored_value", 32020)))
    assert not takes_cash(no_cash)


@pytest.mark.parametrize(("kind", "opens"), [
    (ReceiptKind.REFUND, True),  # cash given back
    (ReceiptKind.WITHDRAW, True),  # principal paid out in cash, no tender row
    (ReceiptKind.CARD_OPERATION, True),  # the replacement fee in cash
    (ReceiptKind.TOPUP, False),  # WeChat
    (ReceiptKind.GIFT, False),
    (ReceiptKind.SHIFT, False),  # lists the shift's cash, moves none
])
def test_the_drawer_opens_whenever_cash_changes_hands(kind, opens):
    assert layout_receipt(world.every_kind()[kind]).open_drawer is opens


def test_the_qr_code_and_the_optional_op_id_barcode_close_the_receipt():
    receipt = world.cash_sale()
    plain = layout_receipt(receipt)
    assert plain.blocks[-1] == QrCode(world.QR)
    assert not any(isinstance(block, Barcode) for block in plain.blocks)
    with_barcode = layout_receipt(receipt, barcode=True)
    assert with_barcode.blocks[-2:] == (QrCode(world.QR),
                                        Barcode("T01-000123", Symbology.CODE128))
    no_qr = layout_receipt(world.stored_value_sale())
    assert not any(isinstance(block, QrCode) for block in no_qr.blocks)


def test_rules_separate_the_sections_and_the_document_names_the_receipt():
    document = layout_receipt(world.cash_sale(), 48, "en")
    assert sum(isinstance(block, Rule) for block in document.blocks) == 6  # 6 sections
    assert document.title == "Sales receipt T01-000123"
    assert document.meta["op_id"] == "T01-000123"


def test_a_reprint_says_so_under_the_title():
    document = layout_receipt(world.cash_sale(), 32, "zh_CN", reprint=True)
    assert document.blocks[1] == TextLine("重打小票", bold=True, align=Align.CENTER)
    assert "重打小票" not in document_text(layout_receipt(world.cash_sale()))


@pytest.mark.parametrize("columns", [23, 65])
def test_unsupported_widths_are_refused(columns):
    with pytest.raises(ValueError):
        layout_receipt(world.cash_sale(), columns)
