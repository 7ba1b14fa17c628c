"""The sales made on this terminal, read back for the refund screen: the latest ones, and what
is left to refund of one (the refund itself is operations.refund_sale)."""

from __future__ import annotations

from membership.refunds import refunded_units
from membership.sale_record import SaleRecord
from terminal.cashier.context import CashierContext
from terminal.cashier.store_ports import SaleRecords, SaleSummary


class SaleHistory:
    def __init__(self, ctx: CashierContext) -> None:
        self.store: SaleRecords = ctx.store

    def recent(self, limit: int) -> tuple[SaleSummary, ...]:
        """The latest sales, newest first."""
        return self.store.recent_sales(limit)

    def refundable(self, op_id: str) -> tuple[SaleRecord | None, dict[int, int]]:
        """The sale and the units of each of its lines not refunded yet; (None, {}) if none."""
        sale = self.store.sale_record(op_id)
        if sale is None:
            return None, {}
        refunded = refunded_units(sale, self.store.refund_records(op_id))
        return sale, {line.line_no: line.qty - refunded.get(line.line_no, 0)
                      for line in sale.lines}
