"""Tenders (支付方式) and settling an amount due with one or several of them (组合支付).

Card tenders (stored value, count) move balances in our ledger; external tenders (bank card,
WeChat Pay, Alipay) are only recorded with their trade number, the money moves outside. Only
cash may be handed over in excess: the difference is change (找零).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from membership.errors import TenderError
from membership.money import Fen


class TenderKind(StrEnum):
    STORED_VALUE = "stored_value"  # 储值卡余额
    COUNT = "count"  # 计次
    CASH = "cash"  # 现金
    BANK_CARD = "bank_card"  # 银行卡
    WECHAT = "wechat"  # 微信支付
    ALIPAY = "alipay"  # 支付宝


EXTERNAL_TENDERS = frozenset({TenderKind.BANK_CARD, TenderKind.WECHAT, TenderKind.ALIPAY})


@dataclass(frozen=True, slots=True)
class Tender:
    kind: TenderKind
    amount: Fen
    reference: str = ""  # external trade number (交易单号) of a bank card, WeChat or Alipay payment

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", TenderKind(self.kind))
        except ValueError:
            raise TenderError("tender.unknown_kind", kind=str(self.kind)) from None

    @property
    def is_external(self) -> bool:
        return self.kind in EXTERNAL_TENDERS


@dataclass(frozen=True, slots=True)
class Settlement:
    tenders: tuple[Tender, ...]  # as applied: they sum to the amount due; cash at the part kept
    cash_received: Fen  # cash handed over (实收现金)
    change: Fen  # cash handed back (找零)

    def amount_of(self, kind: TenderKind) -> Fen:
        return sum(tender.amount for tender in self.tenders if tender.kind == kind)

    @property
    def total(self) -> Fen:
        return sum(tender.amount for tender in self.tenders)


def settle(amount_due: Fen, tenders: Sequence[Tender]) -> Settlement:
    """Check the tenders pay `amount_due` exactly (cash: at least) and record them as applied.

    Non-cash tenders are taken at their amount, in the order given; cash covers what they leave
    and the rest is change. Several cash tenders are recorded as one, where the first stood.
    """
    if amount_due < 0:
        raise TenderError("tender.amount_due_negative", amount_due=amount_due)
    for tender in tenders:
        if tender.amount <= 0:
            raise TenderError("tender.amount_not_positive", kind=tender.kind, amount=tender.amount)
    non_cash = sum(t.amount for t in tenders if t.kind is not TenderKind.CASH)
    cash_received = sum(t.amount for t in tenders if t.kind is TenderKind.CASH)
    if non_cash > amount_due:
        raise TenderError("tender.overpaid", amount_due=amount_due, paid=non_cash)
    left_for_cash = amount_due - non_cash
    if cash_received < left_for_cash:
        raise TenderError(
            "tender.short", amount_due=amount_due, short=left_for_cash - cash_received
        )
    if cash_received and not left_for_cash:
        raise TenderError("tender.cash_not_needed", cash=cash_received)
    return Settlement(
        tenders=_as_applied(tenders, left_for_cash),
        cash_received=cash_received,
        change=cash_received - left_for_cash,
    )


def _as_applied(tenders: Sequence[Tender], cash_applied: Fen) -> tuple[Tender, ...]:
    applied: list[Tender] = []
    cash_recorded = False
    for tender in tenders:
        if tender.kind is not TenderKind.CASH:
            applied.append(tender)
        elif not cash_recorded:
            applied.append(Tender(TenderKind.CASH, cash_applied, tender.reference))
            cash_recorded = True
    return tuple(applied)
