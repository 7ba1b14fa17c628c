"""The receipt model of a sale: items with their reductions, totals, tenders, balances after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, derive_balances_after
from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow, mask_card_no

if TYPE_CHECKING:
    from membership.pricing import PricedLine, PricedSale
    from membership.sale import MemberContext, StoreContext
    from membership.sale_record import SaleRecord
    from membership.tenders import Settlement

REDUCTION_NOTE_KEYS = {
    "member_discount": "receipt.member_discount",
    "promotion": "receipt.promotion",
    "order_promotion": "receipt.promotion",
    "coupon": "receipt.coupon",
    "points": "receipt.points_offset",
}


def sale_receipt(
    record: SaleRecord,
    priced: PricedSale,
    settlement: Settlement,
    store: StoreContext,
    member: MemberContext | None,
    entries: Sequence[LedgerEntry],
) -> Receipt:
    items = tuple(
        ReceiptLine(
            name=line.line.product.name,
            qty=line.line.qty,
            unit_price=line.line.product.unit_price,
            amount=line.gross if line.line.use_count else line.net,
            notes=_notes(line),
        )
        for line in priced.lines
    )
    return Receipt(
        kind=ReceiptKind.SALE,
        op_id=record.op_id,
        at=record.at,
        store_name=store.store_name,
        terminal_id=store.terminal_id,
        cashier=store.cashier,
        card_no_masked=mask_card_no(member.card.card_no) if member else "",
        member_name=member.member_name if member else "",
        lines=items,
        totals=_totals(priced),
        tenders=_tender_rows(settlement),
        balances=balance_rows(member.balances, entries, record.at.date()) if member else (),
        footer_keys=("receipt.thanks",),
    )


def _totals(priced: PricedSale) -> tuple[ReceiptRow, ...]:
    totals = [ReceiptRow("receipt.subtotal", priced.gross)]
    if priced.total_reduction:
        totals.append(ReceiptRow("receipt.discount", -priced.total_reduction))
    if priced.points_used:
        totals.append(ReceiptRow("receipt.points_used", value=str(priced.points_used)))
    if priced.count_value:
        totals.append(ReceiptRow("tender.count", priced.count_value))
    totals.append(ReceiptRow("receipt.amount_due", priced.amount_due))
    return tuple(totals)


def _tender_rows(settlement: Settlement) -> tuple[ReceiptRow, ...]:
    tenders = [ReceiptRow(f"tender.{t.kind.value}", t.amount) for t in settlement.tenders]
    if settlement.change:
        tenders.append(ReceiptRow("receipt.cash_received", settlement.cash_received))
        tenders.append(ReceiptRow("receipt.change", settlement.change))
    return tuple(tenders)


def _notes(line: PricedLine) -> tuple[str, ...]:
    keys = [REDUCTION_NOTE_KEYS.get(str(reduction.kind), "receipt.discount")
            for reduction in line.reductions]
    if line.line.use_count:
        keys.append("receipt.paid_by_count")
    return tuple(dict.fromkeys(keys))


def balance_rows(
    before: CardBalances, entries: Sequence[LedgerEntry], day: date
) -> tuple[ReceiptRow, ...]:
    """Balances after the operation, as usable on `day`: principal, bonus, points (expired lots
    left out, points owed after a refund counted), points earned this time, package uses left."""
    after = derive_balances_after(before, entries)
    points_now = sum(lot.remaining for lot in after.points_lots
                     if lot.usable_on(day) or lot.remaining < 0)
    earned = sum(e.delta for e in entries
                 if e.account is Account.POINTS and e.kind is EntryKind.EARN)
    rows = [
        ReceiptRow("receipt.principal", after.principal),
        ReceiptRow("receipt.bonus", after.bonus),
        ReceiptRow("receipt.points", value=str(points_now)),
    ]
    if earned:
        rows.append(ReceiptRow("receipt.points_earned", value=str(earned)))
    for service in sorted({lot.service for lot in after.count_lots}):
        left = after.counts_for(service, day)
        rows.append(ReceiptRow("receipt.counts_left", value=f"{service} {left}"))
    if after.time_minutes:
        rows.append(ReceiptRow("receipt.minutes_left", value=str(after.time_minutes)))
    return tuple(rows)

