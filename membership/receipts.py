"""Receipt models: what a receipt says, as plain data. Layout (text, ESC/POS, PNG) is the shell's.

Labels are message keys (e.g. `receipt.subtotal`) so the terminal prints them in the store's
language; names of products, stores and members are printed as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from membership.money import Fen


class ReceiptKind(StrEnum):
    SALE = "sale"  # 消费小票
    TOPUP = "topup"  # 充值小票
    WITHDRAW = "withdraw"  # 取款
    COUNT_USE = "count_use"  # 计次消费
    TIME_SESSION = "time_session"  # 计时结账
    REFUND = "refund"  # 退货
    GIFT = "gift"  # 积分兑换
    CARD_OPERATION = "card_operation"  # 开卡 / 换卡 / 退卡 / 延期
    SHIFT = "shift"  # 交班报表


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    qty: int
    unit_price: Fen
    amount: Fen
    notes: tuple[str, ...] = ()  # message keys of this line's reductions (receipt.coupon)


@dataclass(frozen=True)
class ReceiptRow:
    """One labelled row: a total, a tender or a balance. `amount` in fen, or a plain `value`."""

    label_key: str
    amount: Fen | None = None
    value: str = ""


@dataclass(frozen=True)
class Receipt:
    kind: ReceiptKind
    op_id: str
    at: datetime
    store_name: str = ""
    terminal_id: str = ""
    cashier: str = ""
    card_no_masked: str = ""
    member_name: str = ""
    lines: tuple[ReceiptLine, ...] = ()
    totals: tuple[ReceiptRow, ...] = ()
    tenders: tuple[ReceiptRow, ...] = ()
    balances: tuple[ReceiptRow, ...] = ()
    footer_keys: tuple[str, ...] = ()
    qr_payload: str = ""


def mask_card_no(card_no: str) -> str:
    """Show the first four and last four characters only: 8800****1234."""
    if len(card_no) <= 8:
        return card_no[:2] + "*" * max(len(card_no) - 4, 0) + card_no[-2:]
    return card_no[:4] + "*" * (len(card_no) - 8) + card_no[-4:]


def mask_phone(phone: str) -> str:
    """138****5678: the middle four digits hidden, as Chinese receipts and screens do."""
    if len(phone) != 11:
        return mask_card_no(phone)
    return phone[:3] + "****" + phone[-4:]
