"""Receipt text layout: display widths, alignment to the paper width, wrapping of names."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.money import format_fen
from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow, mask_card_no
from terminal.receipts.text import (
    center,
    display_width,
    fit,
    pad_left,
    pad_right,
    render_text,
    row,
    wrap,
)

LONG_CHINESE_NAME = "法国进口天然矿泉水巴黎水原味气泡水三百三十毫升装"  # 24 characters, 48 columns


def sale_receipt() -> Receipt:
    # 洗剪吹 ¥38.00 at 9 折 = ¥34.20; 2 × ¥3.50 = ¥7.00; 12 × ¥12.50 = ¥150.00.
    # Subtotal 3800 + 700 + 15000 = 19500 fen; discount 380; due 19120 = 10000 card + 9120 cash.
    return Receipt(
        kind=ReceiptKind.SALE,
        op_id="T01-000123",
        at=datetime(2026, 5, 12, 14, 3, 9),
        store_name="好时光美发 Good Times 旗舰店",
        terminal_id="T01",
        cashier="王芳",
        card_no_masked=mask_card_no("8800123456781234"),
        member_name="李四 Li Si",
        lines=(
            ReceiptLine("洗剪吹", 1, 3800, 3420, ("receipt.member_discount",)),
            ReceiptLine("Coca-Cola 可口可乐 330ml", 2, 350, 700),
            ReceiptLine(LONG_CHINESE_NAME, 12, 1250, 15000, ("receipt.promotion",)),
        ),
        totals=(
            ReceiptRow("receipt.subtotal", 19500),
            ReceiptRow("receipt.discount", -380),
            ReceiptRow("receipt.points_used", value="200"),
            ReceiptRow("receipt.amount_due", 19120),
        ),
        tenders=(
            ReceiptRow("tender.stored_value", 10000),
            ReceiptRow("tender.cash", 9120),
            ReceiptRow("receipt.cash_received", 10000),
            ReceiptRow("receipt.change", 880),
        ),
        balances=(
            ReceiptRow("receipt.principal", 50000),
            ReceiptRow("receipt.bonus", 2000),
            ReceiptRow("receipt.points", value="1234"),
        ),
        footer_keys=("receipt.thanks",),
    )


AMOUNTS = [3420, 700, 15000, 19500, -380, 19120, 10000, 9120, 880, 50000, 2000]
LAYOUTS = [(32, "zh_CN"), (32, "en"), (48, "zh_CN"), (48, "en")]


# --- widths -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "width"),
    [("", 0), ("abc", 3), ("可口可乐", 8), ("Coca-Cola 可乐", 14), ("ＡＢ", 4), ("¥12.30", 7),
     ("小计：", 6), ("退款·储值卡", 12), ("2×3", 4), ("e\u0301", 3), ("a\tb", 3)],
    # fullwidth Latin, the yuan sign, a fullwidth colon, the middle dot, the multiplication sign
    # and a combining mark are each sent to a GB18030 printer as several bytes: two columns
)
def test_display_width_is_the_gb18030_printers_columns(text, width):
    assert display_width(text) == width


@pytest.mark.parametrize(
    ("text", "encoding", "width"),
    [("¥12.30", "gbk", 6), ("退款·储值卡", "gbk", 12), ("¥12.30", "cp437", 6),
     ("可口", "cp437", 2), ("Café", "cp858", 4), ("Café", "gb18030", 5)],
    # GBK has no ¥ (sent as "?"); a single-byte code page prints every character, or its "?",
    # in one column
)
def test_display_width_follows_the_printers_encoding(text, encoding, width):
    assert display_width(text, encoding) == width


def test_fit_never_splits_a_wide_character():
    assert fit("可口可乐", 5) == "可口"
    assert fit("a可口", 4) == "a可"
    assert fit("可口可乐", 100) == "可口可乐"
    assert fit("可口", 1) == ""


def test_pads_reach_the_exact_width_even_when_a_wide_character_is_dropped():
    assert pad_left("¥7.00", 8) == "  ¥7.00"
    assert pad_right("可口", 6) == "可口  "
    assert pad_right("可口可乐", 5) == "可口 "  # 可口 is 4 columns, 可 would need 6
    assert pad_left("可口可乐", 7) == " 可口可"
    assert center("小计", 9) == "  小计"


def test_row_puts_the_amount_in_the_last_column():
    assert row("小计", "¥1.00", 12) == ["小计  ¥1.00"]
    assert row("会员折扣优惠金额", "¥1.00", 12) == ["会员折扣优惠", "金额", "      ¥1.00"]
    assert row("Total", "¥1.00", 12, "cp437") == ["Total  ¥1.00"]


# --- wrapping -----------------------------------------------------------------------------------

def test_long_chinese_name_wraps_without_splitting_characters():
    lines = wrap(LONG_CHINESE_NAME, 32)
    assert lines == ["法国进口天然矿泉水巴黎水原味气泡", "水三百三十毫升装"]
    assert "".join(wrap(LONG_CHINESE_NAME, 31)) == LONG_CHINESE_NAME
    assert [display_width(line) for line in wrap(LONG_CHINESE_NAME, 31)] == [30, 18]


def test_latin_words_wrap_at_spaces():
    assert wrap("Fresh orange juice large", 12) == ["Fresh orange", "juice large"]
    assert wrap("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]
    assert wrap("Exactly12abc next", 12) == ["Exactly12abc", "next"]
    assert wrap("Coca-Cola 可口可乐", 12) == ["Coca-Cola 可", "口可乐"]


MIXED_TEXT = st.text(alphabet="可口乐水 abcXYZ-0123１２", max_size=60)


@settings(max_examples=200, deadline=None)
@given(text=MIXED_TEXT, width=st.integers(2, 48))
def test_wrap_keeps_every_character_and_every_line_fits(text, width):
    lines = wrap(text, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(text=MIXED_TEXT, width=st.integers(0, 48))
def test_fit_is_the_longest_prefix_that_fits(text, width):
    fitted = fit(text, width)
    assert text.startswith(fitted)
    assert display_width(fitted) <= width
    if fitted != text:
        assert display_width(text[: len(fitted) + 1]) > width
    assert display_width(pad_left(text, width)) == width == display_width(pad_right(text, width))


# --- whole receipts -----------------------------------------------------------------------------

@pytest.mark.parametrize(("width", "lang"), LAYOUTS)
def test_every_line_fits_the_paper(width, lang):
    lines = render_text(sale_receipt(), width, lang).splitlines()
    assert all(display_width(line) <= width for line in lines)
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.parametrize(("width", "lang"), LAYOUTS)
def test_amounts_end_in_the_last_column(width, lang):
    lines = render_text(sale_receipt(), width, lang).splitlines()
    for amount in AMOUNTS:
        matching = [line for line in lines if line.endswith(" " + format_fen(amount))]
        assert matching, format_fen(amount)
        assert all(display_width(line) == width for line in matching)


@pytest.mark.parametrize(("width", "lang"), LAYOUTS)
def test_item_amounts_line_up(width, lang):
    lines = render_text(sale_receipt(), width, lang).splitlines()
    item_lines = [line for line in lines if " x ¥" in line]
    assert len(item_lines) == 3
    # The "x" of each quantity sits left of a 10-column amount field.
    assert all(display_width(line) == width for line in item_lines)


def test_the_chinese_58mm_receipt():
    expected = """\
            消费小票
  好时光美发 Good Times 旗舰店
--------------------------------
单号：T01-000123
时间：2026-05-12 14:03:09
终端：T01
收银员：王芳
卡号：8800********1234
会员：李四 Li Si
--------------------------------
洗剪吹   1 x ¥38.00     ¥34.20
  会员折扣
Coca-Cola 可口可乐 330ml
  2 x ¥3.50              ¥7.00
法国进口天然矿泉水巴黎水原味气泡
水三百三十毫升装
  12 x ¥12.50          ¥150.00
  促销
--------------------------------
小计                    ¥195.00
优惠                     -¥3.80
使用积分                     200
应付                    ¥191.20
--------------------------------
储值卡                  ¥100.00
现金                     ¥91.20
实收现金                ¥100.00
找零                      ¥8.80
--------------------------------
本金余额                ¥500.00
赠送余额                 ¥20.00
积分                        1234
--------------------------------
     谢谢惠顾，欢迎再次光临
"""
    assert render_text(sale_receipt()) == expected


def test_the_english_80mm_receipt_keeps_short_names_on_the_item_line():
    text = render_text(sale_receipt(), 48, "en")
    assert "Coca-Cola 可口可乐 330ml  2 x ¥3.50      ¥7.00\n" in text
    assert "         Sales receipt\n" in text
    assert "\nPaid-in balance                         ¥500.00\n" in text
    assert text.endswith("          Thank you, please come again\n")


def test_lines_without_a_unit_price_show_the_quantity_only():
    # Refund receipts carry the refunded amount without a unit price.
    receipt = Receipt(ReceiptKind.REFUND, "T01-000124", datetime(2026, 5, 12, 15, 0),
                      lines=(ReceiptLine("洗剪吹", 1, 0, -3420),),
                      totals=(ReceiptRow("receipt.original_sale", value="T01-000123"),))
    lines = render_text(receipt).splitlines()
    assert "洗剪吹           x 1    -¥34.20" in lines
    assert "原单号                T01-000123" in lines


def test_control_characters_in_names_do_not_break_lines():
    receipt = Receipt(ReceiptKind.TOPUP, "T01-9", datetime(2026, 1, 1), member_name="张\n三",
                      totals=(ReceiptRow("receipt.topup_amount", 50000),))
    assert "会员：张 三" in render_text(receipt).splitlines()


def test_a_very_long_member_name_and_value_wrap():
    receipt = Receipt(ReceiptKind.GIFT, "T01-10", datetime(2026, 1, 1),
                      member_name="欧阳" * 20,
                      totals=(ReceiptRow("receipt.gift_item", value="Z" * 40),))
    lines = render_text(receipt, 32).splitlines()
    assert all(display_width(line) <= 32 for line in lines)
    assert "Z" * 32 in lines


@pytest.mark.parametrize("width", [23, 65])
def test_unsupported_widths_are_refused(width):
    with pytest.raises(ValueError):
        render_text(sale_receipt(), width)
