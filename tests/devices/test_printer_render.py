"""escpos_render: what a PrintDocument becomes on paper, read back through the ESC/POS parser."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from huiyuan_devices.printer.document import (
    Align,
    Barcode,
    Feed,
    Logo,
    PrintDocument,
    QrCode,
    Rule,
    Symbology,
    TextLine,
)
from huiyuan_devices.printer.escpos_render import (
    RenderOptions,
    clip_to_width,
    display_width,
    printer_profile,
    render_to_bytes,
)
from PIL import Image

from tests.support import escpos_parser as ep
from tests.support.printer_documents import QR_PAYLOAD, RECEIPT_NO, expected_lines, sale_receipt


def rendered(document: PrintDocument, **options: object) -> list[ep.Element]:
    paper_mm = 80 if document.columns == 48 else 58
    render_options = RenderOptions(columns=document.columns, **options)  # type: ignore[arg-type]
    return ep.parse(render_to_bytes(document, render_options, printer_profile(paper_mm)))


@pytest.mark.parametrize("columns", [32, 48])
def test_sale_receipt_comes_out_line_for_line_in_gb18030(columns: int) -> None:
    elements = rendered(sale_receipt(columns))

    assert elements[:2] == [ep.Init(), ep.ChineseMode(on=True)]
    assert ep.texts(elements) == expected_lines(columns)
    assert all(display_width(line) <= columns for line in ep.texts(elements))
    title = ep.of_type(elements, ep.Text)[0]
    assert (title.bold, title.width, title.height, title.align) == (True, 2, 2, "center")
    total = next(line for line in ep.of_type(elements, ep.Text) if line.text.startswith("合计"))
    assert (total.bold, total.width, total.align) == (True, 2, "left")
    assert ep.of_type(elements, ep.QrCode) == [ep.QrCode(QR_PAYLOAD, size=5)]
    assert [code.data for code in ep.of_type(elements, ep.Barcode)] == [RECEIPT_NO]
    assert elements[-2:] == [ep.Cut(partial=False), ep.DrawerKick(pin=2)]


def test_only_style_changes_are_sent() -> None:
    document = PrintDocument(blocks=(TextLine("一", bold=True), TextLine("二", bold=True),
                                     TextLine("三")), cut=False)
    assert ep.of_type(rendered(document), ep.Bold) == [ep.Bold(True), ep.Bold(False)]


def test_non_chinese_printer_gets_a_code_page_and_question_marks() -> None:
    document = PrintDocument(blocks=(TextLine("Café 咖啡 ¥12.30"),), cut=False)

    elements = rendered(document, encoding="cp437")

    assert elements[:3] == [ep.Init(), ep.ChineseMode(on=False), ep.CodePage(0)]
    assert ep.texts(elements) == ["Café ?? ¥12.30"]


def test_another_code_page_takes_its_number_from_the_profile() -> None:
    document = PrintDocument(blocks=(TextLine("Prix: 3,50 €"),), cut=False)
    elements = rendered(document, encoding="cp858")
    assert ep.CodePage(19) in elements
    assert ep.texts(elements) == ["Prix: 3,50 €"]


def test_a_line_wider_than_the_paper_is_clipped_whole_characters_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    too_wide = "会员" * 8 + "x"  # 33 columns on 32
    document = PrintDocument(blocks=(TextLine(too_wide), TextLine("A" + "会" * 16)), cut=False)

    with caplog.at_level(logging.WARNING):
        lines = ep.texts(rendered(document))

    assert lines == ["会员" * 8, "A" + "会" * 15]
    assert "clipped" in caplog.text


def test_double_size_text_may_take_half_the_columns() -> None:
    document = PrintDocument(blocks=(TextLine("合计金额" * 3, double=True),), cut=False)
    assert ep.texts(rendered(document)) == ["合计金额" * 2]


def test_control_characters_in_text_never_reach_the_printer_as_commands() -> None:
    document = PrintDocument(blocks=(TextLine("会员: 张\x1bp\x00\x19\x19三"),), cut=False)

    elements = rendered(document)

    assert ep.of_type(elements, ep.DrawerKick) == []
    assert ep.texts(elements) == ["会员: 张?p???三"]


def test_rules_fill_the_paper_with_their_character() -> None:
    document = PrintDocument(blocks=(Rule("*"), Rule("＝")), columns=48, cut=False)
    assert ep.texts(rendered(document)) == ["*" * 48, "＝" * 24]


def test_code128_gets_its_code_set_and_ean13_goes_as_digits() -> None:
    document = PrintDocument(blocks=(Barcode("AB{12"), Barcode("6901234567892", Symbology.EAN13)),
                             cut=False)

    codes = ep.of_type(rendered(document), ep.Barcode)

    assert [(code.symbology, code.data, code.raw) for code in codes] == [
        ("CODE128", "AB{12", b"{BAB{{12"),
        ("EAN13", "6901234567892", b"6901234567892"),
    ]


@pytest.mark.parametrize("bad", [Barcode("69012345", Symbology.EAN13), Barcode("收银"),
                                 QrCode("x", size=17), Rule("")])
def test_a_document_no_printer_can_print_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        rendered(PrintDocument(blocks=(bad,)))  # type: ignore[arg-type]


def test_a_logo_is_a_centred_raster_image(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("1", (200, 40), color=0).save(logo)
    document = PrintDocument(blocks=(Logo(str(logo)), TextLine("汇元")), cut=False)

    elements = rendered(document)

    assert ep.of_type(elements, ep.RasterImage) == [ep.RasterImage(width_dots=384, height_dots=40)]
    assert ep.texts(elements) == ["汇元"]


def test_a_missing_logo_is_left_out_and_logged(caplog: pytest.LogCaptureFixture,
                                               tmp_path: Path) -> None:
    document = PrintDocument(blocks=(Logo(str(tmp_path / "none.png")), TextLine("汇元")),
                             cut=False)

    with caplog.at_level(logging.WARNING):
        elements = rendered(document)

    assert ep.texts(elements) == ["汇元"]
    assert ep.of_type(elements, ep.RasterImage) == []
    assert "logo" in caplog.text


def test_long_feeds_are_split_into_commands_the_printer_takes() -> None:
    document = PrintDocument(blocks=(Feed(300),), cut=False)
    assert ep.of_type(rendered(document), ep.Feed) == [ep.Feed(255), ep.Feed(45)]


def test_printer_without_native_qr_or_cutter_gets_an_image_and_no_cut() -> None:
    document = PrintDocument(blocks=(QrCode(QR_PAYLOAD), TextLine("谢谢")), cut=True)
    options = RenderOptions(encoding="cp437")

    elements = ep.parse(render_to_bytes(document, options, printer_profile(58, "POS-5890")))

    assert ep.of_type(elements, ep.QrCode) == []
    assert len(ep.of_type(elements, ep.RasterImage)) == 1
    assert ep.of_type(elements, ep.CodePage) == [ep.CodePage(52)]  # no switch mid-receipt
    assert ep.of_type(elements, ep.Cut) == []


def test_a_document_for_wider_paper_is_clipped_to_the_printer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    document = PrintDocument(blocks=(Rule(), TextLine("x" * 48)), columns=48, cut=False)

    with caplog.at_level(logging.WARNING):
        lines = ep.texts(ep.parse(render_to_bytes(document, RenderOptions(columns=32))))

    assert lines == ["-" * 32, "x" * 32]
    assert "48 columns" in caplog.text


def test_clip_counts_chinese_as_two_columns() -> None:
    assert clip_to_width("ab会员", 3) == "ab"
    assert clip_to_width("ab会员", 4) == "ab会"
    assert display_width("¥12.30 合计") == 12  # GB18030 sends ¥ as four bytes: two columns
    assert clip_to_width("¥12.30", 6, "cp437") == "¥12.30"


def test_title_alignment_is_restored_for_the_next_line() -> None:
    document = PrintDocument(blocks=(TextLine("中", align=Align.CENTER), QrCode("q"),
                                     TextLine("左")), cut=False)
    lines = ep.of_type(rendered(document), ep.Text)
    assert [(line.text, line.align) for line in lines] == [("中", "center"), ("左", "left")]
