"""The receipt preview: the PNG at the paper's width on the printer's column grid, with a real
QR code, and a font that has every character the receipts print. The Chinese sale receipt is
left in test-artifacts/receipts/ for people to look at."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from huiyuan_devices.printer.document import (
    Align,
    Barcode,
    Feed,
    Logo,
    PrintDocument,
    QrCode,
    Rule,
    TextLine,
)
from PIL import Image

from terminal.fonts import CjkFontMissing, find_cjk_font, missing_glyphs
from terminal.receipts.layout import layout_receipt
from terminal.receipts.preview import (
    CELL_DOTS,
    LINE_DOTS,
    MARGIN_DOTS,
    document_text,
    paper_dots,
    render_image,
    render_png,
)
from tests.support import receipts_world as world
from tests.support.artifacts import artifact_dir

DARK = 100  # print is black (0), the cut line grey (128), paper white (255)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def dark_pixels(image: Image.Image) -> int:
    return sum(image.point(lambda value: 255 if value < DARK else 0).histogram()[255:])


def dark_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return image.point(lambda value: 255 if value < DARK else 0).getbbox()


def single(block, columns: int = 32) -> Image.Image:
    return render_image(PrintDocument((block,), columns, cut=False))


# --- PNG ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("columns", "dots"), [(32, 384), (48, 576)])
def test_the_png_is_the_papers_width_and_has_print_on_it(columns, dots):
    data = render_png(layout_receipt(world.cash_sale(), columns))
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.width == dots == paper_dots(columns)
    assert image.height > 40 * LINE_DOTS
    assert image.convert("L").getextrema() == (0, 255)  # white paper, black print


@pytest.mark.parametrize("columns", [32, 48])
def test_the_qr_code_is_drawn_where_it_is_printed(columns):
    receipt = world.cash_sale()
    with_qr = render_image(layout_receipt(receipt, columns))
    without = render_image(layout_receipt(replace(receipt, qr_payload=""), columns))
    first_difference = next(y for y in range(without.height)
                            if with_qr.crop((0, y, with_qr.width, y + 1)).tobytes()
                            != without.crop((0, y, without.width, y + 1)).tobytes())
    qr_area = with_qr.crop((0, first_difference, with_qr.width, first_difference + 150))
    box = dark_box(qr_area)
    assert box is not None
    left, _top, right, _bottom = box
    assert abs(left - (with_qr.width - right)) <= CELL_DOTS  # centred
    assert dark_pixels(qr_area.crop(box)) > 0.3 * (right - left) * (box[3] - box[1])


def test_a_qr_code_alone_is_a_square_of_modules():
    image = single(QrCode("https://hy.example.com/r/T01-000123", size=6))
    left, top, right, bottom = dark_box(image)
    assert abs((right - left) - (bottom - top)) <= 1
    assert (right - left) % 6 == 0  # whole modules of 6 dots
    share = dark_pixels(image.crop((left, top, right, bottom))) / ((right - left) ** 2)
    assert 0.3 < share < 0.7


@pytest.mark.parametrize("columns", [32, 48])
def test_amounts_end_in_the_last_cell_and_labels_start_in_the_first(columns):
    document = layout_receipt(world.cash_sale(), columns)
    rows = [block for block in document.blocks
            if isinstance(block, TextLine) and block.text.startswith(("小计", "应付", "找零"))]
    assert len(rows) == 3
    for row in rows:
        left, _, right, _ = dark_box(single(row, columns))
        assert left < CELL_DOTS * 2  # 小 is the first two cells
        assert right > paper_dots(columns) - CELL_DOTS  # the last digit is in the last cell


def test_a_chinese_character_takes_two_cells_on_the_png_as_on_paper():
    # "中" then "x": the x is drawn in the third cell, whatever the font's own advance.
    left, _, right, _ = dark_box(single(TextLine("中x")))
    assert left < CELL_DOTS and 2 * CELL_DOTS <= right <= 3 * CELL_DOTS + 1
    x_only = dark_box(single(TextLine("  x")))
    assert x_only[0] >= 2 * CELL_DOTS and x_only[2] == right


def test_double_size_is_twice_as_high_and_wide_and_bold_is_darker():
    normal, double = single(TextLine("应付")), single(TextLine("应付", double=True))
    assert double.height - 2 * MARGIN_DOTS == 2 * (normal.height - 2 * MARGIN_DOTS)
    assert dark_box(double)[2] > 1.8 * dark_box(normal)[2]
    assert dark_pixels(single(TextLine("应付", bold=True))) > dark_pixels(normal)


def test_the_barcode_logo_feed_and_cut_are_drawn():
    barcode = single(Barcode("T01-000123"))
    box = dark_box(barcode)
    assert box is not None and box[3] - box[1] > 64  # bars and the data under them
    feed = single(Feed(3))
    assert feed.height == 3 * LINE_DOTS + 2 * MARGIN_DOTS and dark_box(feed) is None
    assert dark_box(single(Logo("/nonexistent/logo.png"))) is not None  # a placeholder
    with_cut = render_image(PrintDocument((Rule(),), 32, cut=True))
    assert with_cut.height == render_image(PrintDocument((Rule(),), 32, cut=False)).height \
        + LINE_DOTS
    assert 128 in set(with_cut.getdata())  # the grey dashed line


def test_the_chinese_sale_receipt_is_left_as_an_artifact():
    folder = artifact_dir("receipts")
    for columns, paper in ((32, "58mm"), (48, "80mm")):
        document = layout_receipt(world.cash_sale(), columns, "zh_CN", barcode=True)
        path = folder / f"sale_{paper}_zh_CN.png"
        data = render_png(document, path)
        assert path.read_bytes() == data
        (folder / f"sale_{paper}_zh_CN.txt").write_text(document_text(document),
                                                        encoding="utf-8")
    assert Image.open(folder / "sale_58mm_zh_CN.png").width == 384


# --- the font -----------------------------------------------------------------------------------

def test_the_font_has_a_glyph_for_every_character_the_receipts_print():
    font = find_cjk_font().load(24)
    text = "".join(document_text(layout_receipt(receipt, columns, lang, barcode=True), lang)
                   for receipt in world.every_kind().values()
                   for columns in (32, 48) for lang in ("zh_CN", "en"))
    assert missing_glyphs(text, font) == []


def test_a_missing_glyph_is_noticed():
    font = find_cjk_font().load(24)
    assert missing_glyphs("中\U000f0001ก中 \n", font) == ["\U000f0001", "ก"]


def test_no_chinese_font_is_a_clear_error():
    with pytest.raises(CjkFontMissing, match="fonts-wqy-microhei"):
        find_cjk_font(known=("/nonexistent/font.ttc",), fc_match=("false",))
    # fontconfig answering with a font that has no Chinese is no answer either.
    dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    with pytest.raises(CjkFontMissing):
        find_cjk_font(known=(dejavu,), fc_match=("false",))


# --- text ---------------------------------------------------------------------------------------

def test_the_text_preview_shows_every_block_on_its_own_line():
    document = PrintDocument((
        TextLine("消费小票", double=True, align=Align.CENTER),
        TextLine("Right", align=Align.RIGHT),
        Rule("="),
        Feed(2),
        QrCode("https://x.example/1"),
        Barcode("T01-1"),
        Logo("/srv/logo/brand.png"),
    ), columns=32)
    assert document_text(document, "en").splitlines() == [
        "        消费小票",
        "                           Right",
        "=" * 32,
        "",
        "",
        "   [QR: https://x.example/1]",  # 25 columns: 3 blank before, 4 after
        "    [Barcode CODE128: T01-1]",
        "       [Logo: brand.png]",
    ]
    assert document_text(document).splitlines()[5] == " [二维码：https://x.example/1]"
