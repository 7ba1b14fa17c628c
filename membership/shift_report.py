"""Shifts (班次): what one cashier's shift took in and paid out, the cash the drawer should hold,
the shift report (交班报表) and the `shift.opened` / `shift.closed` decisions.

Pure. The terminal's store feeds a `ShiftTally` with the operations committed between the
shift's opening and its closing (sales, refunds, counter operations, count uses) and commits
the decisions like any counter operation: the events go to HQ through the outbox.

What counts:
- takings: every tender of sales and counter operations, per tender kind (stored value and
  count are listed too: the report shows how the shift's business was paid);
- top-ups: money paid in (the bonus given is not takings);
- refunds: the amount refunded, and per tender kind how it went back;
- cash out: refunds in cash, withdrawals (取款) and the principal returned at a card's
  cancellation (退卡);
- expected cash = opening float + cash taken - cash paid out;
- count uses: uses of count packages (计次) per service, refunds not deducted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from membership.counter_operations import CounterDecision, Operation
from membership.events import DomainEvent
from membership.money import Fen, format_fen
from membership.receipts import Receipt, ReceiptKind, ReceiptRow
from membership.tenders import TenderKind

CASH = TenderKind.CASH.value
SHIFT_EVENTS = frozenset({"shift.opened", "shift.closed"})
TIME_FORMAT = "%Y-%m-%d %H:%M"
_TENDER_ORDER = [kind.value for kind in TenderKind]


@dataclass(frozen=True)
class ShiftTotals:
    opening_float: Fen = 0  # 备用金: cash in the drawer when the shift opened
    takings: Mapping[str, Fen] = field(default_factory=dict)  # tender kind -> fen
    sales_count: int = 0
    sales_total: Fen = 0  # the amount due of the sales
    topups_count: int = 0
    topups_amount: Fen = 0  # money paid in, without the bonus given
    refunds_count: int = 0  # refunds and voids
    refunds_amount: Fen = 0
    refunds_by_tender: Mapping[str, Fen] = field(default_factory=dict)
    withdrawals_count: int = 0
    withdrawals_amount: Fen = 0
    cash_paid_out: Fen = 0  # principal returned in cash when cards were cancelled
    count_uses: Mapping[str, int] = field(default_factory=dict)  # service -> uses

    def __post_init__(self) -> None:
        for name in ("takings", "refunds_by_tender", "count_uses"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def cash_out(self) -> Fen:
        return self.refunds_by_tender.get(CASH, 0) + self.withdrawals_amount + self.cash_paid_out

    @property
    def expected_cash(self) -> Fen:
        """What the drawer should hold at the close: the float, plus cash in, less cash out."""
        return self.opening_float + self.takings.get(CASH, 0) - self.cash_out

    def to_payload(self) -> dict[str, Any]:
        """Plain JSON data, as the `shift.closed` event and the store's shift row carry it."""
        return {
            "opening_float": self.opening_float, "takings": dict(self.takings),
            "sales_count": self.sales_count, "sales_total": self.sales_total,
            "topups_count": self.topups_count, "topups_amount": self.topups_amount,
            "refunds_count": self.refunds_count, "refunds_amount": self.refunds_amount,
            "refunds_by_tender": dict(self.refunds_by_tender),
            "withdrawals_count": self.withdrawals_count,
            "withdrawals_amount": self.withdrawals_amount, "cash_paid_out": self.cash_paid_out,
            "count_uses": dict(self.count_uses), "expected_cash": self.expected_cash,
        }


class ShiftTally:
    """Adds up a shift's operations, in any order; `totals()` gives the result so far."""

    def __init__(self, opening_float: Fen) -> None:
        self._totals: dict[str, Any] = {"opening_float": opening_float}
        self._takings: dict[str, Fen] = {}
        self._refunded: dict[str, Fen] = {}
        self._uses: dict[str, int] = {}

    def add_sale(self, amount_due: Fen, tenders: Iterable[tuple[str, Fen]]) -> None:
        self._count("sales_count", "sales_total", amount_due)
        _add_all(self._takings, tenders)

    def add_refund(self, amount: Fen, tender_refunds: Iterable[tuple[str, Fen]]) -> None:
        self._count("refunds_count", "refunds_amount", amount)
        _add_all(self._refunded, tender_refunds)

    def add_counter_event(self, event_type: str, payload: Mapping[str, Any]) -> None:
        """A counter operation's event (membership.counter_operations, membership.card_service)."""
        if event_type in SHIFT_EVENTS:
            return
        _add_all(self._takings, ((tender["kind"], tender["amount"])
                                 for tender in payload.get("tenders", ())))
        if event_type == "card.topped_up":
            self._count("topups_count", "topups_amount", payload.get("paid", 0))
        elif event_type == "card.withdrawn":
            self._count("withdrawals_count", "withdrawals_amount", payload.get("amount", 0))
        elif event_type == "card.cancelled":
            self._count(None, "cash_paid_out", payload.get("refund_to_member", 0))

    def add_count_use(self, service: str, uses: int) -> None:
        self._uses[service] = self._uses.get(service, 0) + uses

    def totals(self) -> ShiftTotals:
        return ShiftTotals(**self._totals, takings=_in_tender_order(self._takings),
                           refunds_by_tender=_in_tender_order(self._refunded),
                           count_uses=dict(sorted(self._uses.items())))

    def _count(self, count_name: str | None, amount_name: str, amount: Fen) -> None:
        if count_name is not None:
            self._totals[count_name] = self._totals.get(count_name, 0) + 1
        self._totals[amount_name] = self._totals.get(amount_name, 0) + amount


def _add_all(into: dict[str, Fen], amounts: Iterable[tuple[str, Fen]]) -> None:
    for kind, amount in amounts:
        into[kind] = into.get(kind, 0) + amount


def _in_tender_order(amounts: Mapping[str, Fen]) -> dict[str, Fen]:
    def rank(kind: str) -> tuple[int, str]:
        return (_TENDER_ORDER.index(kind) if kind in _TENDER_ORDER else len(_TENDER_ORDER), kind)

    return {kind: amounts[kind] for kind in sorted(amounts, key=rank) if amounts[kind]}


@dataclass(frozen=True)
class ShiftClose:
    """What the cashier states at the close, with when the shift opened."""

    opened_at: datetime
    counted_cash: Fen  # cash counted in the drawer (实点现金)


def shift_opened_decision(op: Operation, opening_float: Fen) -> CounterDecision:
    """开班: the opening float, on a slip and in a `shift.opened` event."""
    receipt = _receipt(op, (
        ReceiptRow("receipt.shift_opened"),
        ReceiptRow("receipt.shift_started", value=op.at.strftime(TIME_FORMAT)),
        ReceiptRow("receipt.opening_float", opening_float),
    ))
    event = DomainEvent("shift.opened", op.op_id, op.at, {
        "store_id": op.store.store_id, "staff_id": op.staff_id, "opening_float": opening_float})
    return CounterDecision(op.op_id, (), receipt, (event,))


def shift_closed_decision(
    op: Operation, totals: ShiftTotals, close: ShiftClose,
    commissions: Mapping[str, Fen] | None = None,
) -> CounterDecision:
    """交班: the shift report, and a `shift.closed` event with the totals for HQ.
    `commissions`: what each staff member (by the name to print) earned in the shift; printed
    on the report only, the events already carry every commission line."""
    receipt = shift_receipt(totals, op, close, commissions or {})
    difference = close.counted_cash - totals.expected_cash
    event = DomainEvent("shift.closed", op.op_id, op.at, {
        "store_id": op.store.store_id, "staff_id": op.staff_id,
        "opened_at": close.opened_at.isoformat(), **totals.to_payload(),
        "counted_cash": close.counted_cash, "cash_difference": difference})
    return CounterDecision(op.op_id, (), receipt, (event,))


def shift_receipt(
    totals: ShiftTotals, op: Operation, close: ShiftClose,
    commissions: Mapping[str, Fen] | None = None,
) -> Receipt:
    """The shift report: business first, then how it was paid, then the drawer's cash."""
    rows = [
        ReceiptRow("receipt.shift_started", value=close.opened_at.strftime(TIME_FORMAT)),
        ReceiptRow("receipt.shift_ended", value=op.at.strftime(TIME_FORMAT)),
        ReceiptRow("receipt.sales_count", value=str(totals.sales_count)),
        ReceiptRow("receipt.sales_total", totals.sales_total),
        ReceiptRow("receipt.topups_count", value=str(totals.topups_count)),
        ReceiptRow("receipt.topups_total", totals.topups_amount),
        ReceiptRow("receipt.refunds_count", value=str(totals.refunds_count)),
        ReceiptRow("receipt.refunds_total", totals.refunds_amount),
        # How the refunds went back: the cash among them leaves the drawer.
        *(ReceiptRow(f"receipt.refunded.{kind}", amount)
          for kind, amount in totals.refunds_by_tender.items()),
        ReceiptRow("receipt.withdrawals_count", value=str(totals.withdrawals_count)),
        ReceiptRow("receipt.withdrawals_total", totals.withdrawals_amount),
    ]
    if totals.cash_paid_out:
        rows.append(ReceiptRow("receipt.cash_paid_out", totals.cash_paid_out))
    rows += [ReceiptRow("receipt.count_uses", value=f"{service} ×{uses}")
             for service, uses in totals.count_uses.items()]
    rows += [ReceiptRow("receipt.staff_commission", value=f"{who} {format_fen(amount)}")
             for who, amount in (commissions or {}).items()]
    cash = (
        ReceiptRow("receipt.opening_float", totals.opening_float),
        ReceiptRow("receipt.expected_cash", totals.expected_cash),
        ReceiptRow("receipt.counted_cash", close.counted_cash),
        ReceiptRow("receipt.cash_difference", close.counted_cash - totals.expected_cash),
    )
    tenders = tuple(ReceiptRow(f"tender.{kind}", amount)
                    for kind, amount in totals.takings.items())
    return _receipt(op, tuple(rows), tenders=tenders, cash=cash)


def _receipt(
    op: Operation, totals: tuple[ReceiptRow, ...], *, tenders: tuple[ReceiptRow, ...] = (),
    cash: tuple[ReceiptRow, ...] = (),
) -> Receipt:
    # The drawer's cash goes where a member receipt has its balances: after the tenders.
    return Receipt(
        kind=ReceiptKind.SHIFT, op_id=op.op_id, at=op.at, store_name=op.store.store_name,
        terminal_id=op.store.terminal_id, cashier=op.store.cashier, totals=totals,
        tenders=tenders, balances=cash, footer_keys=("receipt.shift_signature",),
    )
