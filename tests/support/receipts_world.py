"""One receipt of every kind, shaped as the core builds them (same rows, same label keys), with
mixed Chinese and Latin names: what the layout and the preview tests print."""

from __future__ import annotations

from datetime import datetime

from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow, mask_card_no

AT = datetime(2026, 11, 23, 14, 3, 9)
STORE = "好时光美发 Good Times 旗舰店"
CARD = mask_card_no("8800123456781234")
MIXED_NAME = "Nespresso 胶囊咖啡 Vertuo Double Espresso Scuro 浓缩咖啡 30 颗装"
QR = "https://hy.example.com/r/T01-000123"
BALANCES = (
    ReceiptRow("receipt.principal", 50000),
    ReceiptRow("receipt.bonus", 2000),
    ReceiptRow("receipt.points", value="1234"),
)


def _receipt(kind: ReceiptKind, op_id: str, **fields: object) -> Receipt:
    base: dict[str, object] = dict(
        kind=kind, op_id=op_id, at=AT, store_name=STORE, terminal_id="T01", cashier="王芳",
        card_no_masked=CARD, member_name="李四 Li Si", balances=BALANCES,
        footer_keys=("receipt.thanks",))
    return Receipt(**{**base, **fields})  # type: ignore[arg-type]


def cash_sale() -> Receipt:
    # Gross 3800 + 700 + 15000 + 12900 = 32400, less 380 = 32020 = 20000 card + 12020 cash.
    return _receipt(
        ReceiptKind.SALE, "T01-000123",
        lines=(
            ReceiptLine("洗剪吹", 1, 3800, 3420, ("receipt.member_discount",)),
            ReceiptLine("Coca-Cola 可口可乐 330ml", 2, 350, 700),
            ReceiptLine("法国进口天然矿泉水巴黎水原味气泡水三百三十毫升装", 12, 1250, 15000,
                        ("receipt.promotion",)),
            ReceiptLine(MIXED_NAME, 1, 12900, 12900),
        ),
        totals=(ReceiptRow("receipt.subtotal", 32400), ReceiptRow("receipt.discount", -380),
                ReceiptRow("receipt.points_used", value="200"),
                ReceiptRow("receipt.amount_due", 32020)),
        tenders=(ReceiptRow("tender.stored_value", 20000), ReceiptRow("tender.cash", 12020),
                 ReceiptRow("receipt.cash_received", 12100), ReceiptRow("receipt.change", 80)),
        qr_payload=QR,
    )


def stored_value_sale() -> Receipt:
    return _receipt(
        ReceiptKind.SALE, "T01-000124",
        lines=(ReceiptLine("拿铁 Latte 大杯", 2, 3200, 6400),),
        totals=(ReceiptRow("receipt.subtotal", 6400), ReceiptRow("receipt.amount_due", 6400)),
        tenders=(ReceiptRow("tender.stored_value", 6400),),
    )


def every_kind() -> dict[ReceiptKind, Receipt]:
    return {ReceiptKind.SALE: cash_sale(), **_money_in_and_out(), **_services(),
            ReceiptKind.SHIFT: shift_report()}


def _money_in_and_out() -> dict[ReceiptKind, Receipt]:
    return {
        ReceiptKind.TOPUP: _receipt(
            ReceiptKind.TOPUP, "T01-000125", tenders=(ReceiptRow("tender.wechat", 100000),),
            totals=(ReceiptRow("receipt.topup_amount", 100000),
                    ReceiptRow("receipt.topup_bonus", 10000))),
        ReceiptKind.WITHDRAW: _receipt(
            ReceiptKind.WITHDRAW, "T01-000126",
            totals=(ReceiptRow("receipt.withdraw_amount", 20000),)),
        ReceiptKind.REFUND: _receipt(
            ReceiptKind.REFUND, "T01-000129", store_name="", cashier="", member_name="",
            balances=(), footer_keys=("receipt.refund_footer",),
            lines=(ReceiptLine("Coca-Cola 可口可乐 330ml", 1, 0, -350),),
            totals=(ReceiptRow("receipt.original_sale", value="T01-000123"),
                    ReceiptRow("receipt.refund_total", -350)),
            tenders=(ReceiptRow("tender.cash", -350),)),
        ReceiptKind.CARD_OPERATION: _receipt(
            ReceiptKind.CARD_OPERATION, "T01-000131", footer_keys=("receipt.keep",),
            totals=(ReceiptRow("receipt.action.card.replaced"),
                    ReceiptRow("receipt.replacement_fee", 2000)),
            tenders=(ReceiptRow("tender.cash", 2000),)),
    }


def _services() -> dict[ReceiptKind, Receipt]:
    return {
        ReceiptKind.COUNT_USE: _receipt(
            ReceiptKind.COUNT_USE, "T01-000127",
            lines=(ReceiptLine("面部护理 Facial Care 60 分钟", 1, 0, 0,
                               ("receipt.paid_by_count",)),),
            totals=(ReceiptRow("receipt.counts_used", value="1"),),
            balances=(*BALANCES, ReceiptRow("receipt.counts_left", value="FACIAL 9"))),
        ReceiptKind.TIME_SESSION: _receipt(
            ReceiptKind.TIME_SESSION, "T01-000128",
            totals=(ReceiptRow("receipt.started_at", value="2026-11-23 12:00"),
                    ReceiptRow("receipt.minutes", value="123"),
                    ReceiptRow("receipt.units", value="3"), ReceiptRow("receipt.paid_by_pass"),
                    ReceiptRow("receipt.amount_due", 0))),
        ReceiptKind.GIFT: _receipt(
            ReceiptKind.GIFT, "T01-000130",
            lines=(ReceiptLine("保温杯 Thermos 500ml", 1, 0, 0),),
            totals=(ReceiptRow("receipt.points_used", value="800"),)),
    }


def shift_report() -> Receipt:
    """No operation: the shift's totals, with the cash the drawer should hold."""
    return _receipt(
        ReceiptKind.SHIFT, "SHIFT-T01-20261123", card_no_masked="", member_name="",
        balances=(), footer_keys=(),
        totals=(ReceiptRow("receipt.shift_started", value="2026-11-23 09:00"),
                ReceiptRow("receipt.shift_ended", value="2026-11-23 21:00"),
                ReceiptRow("receipt.sales_count", value="57"),
                ReceiptRow("receipt.sales_total", 1234500),
                ReceiptRow("receipt.topups_total", 300000),
                ReceiptRow("receipt.refunds_total", -3500),
                ReceiptRow("receipt.cash_total", 456780)),
        tenders=(ReceiptRow("tender.cash", 456780), ReceiptRow("tender.wechat", 500000),
                 ReceiptRow("tender.alipay", 277720)))
