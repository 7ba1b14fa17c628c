"""Reading back what the journal wrote: ledger entries and the balances derived from them,
debits HQ has not acknowledged, sale and refund records for refunds (and the recent sales to
choose one from), the coupons this terminal's sales used, receipts for reprint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from peewee import JOIN, fn

from membership.ledger import Account, CardBalances, LedgerEntry, derive_balances
from membership.receipts import Receipt
from membership.refunds import RefundRecord
from membership.sale_record import SaleRecord
from terminal.store.access import ACK_WATERMARK, StoreAccess
from terminal.store.codec import (
    decoding,
    entry_from_row,
    receipt_from_plain,
    refund_record_from_plain,
    sale_record_from_plain,
)
from terminal.store.errors import UnknownOperation


@dataclass(frozen=True)
class UnsyncedDebits:
    """What this terminal took from a card in operations HQ has not acknowledged yet, as
    positive amounts: the part of the card's balance HQ does not know is gone (decision 6)."""

    principal: int = 0  # fen
    bonus: int = 0  # fen
    counts: Mapping[str, int] = field(default_factory=dict)  # service -> uses

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))

    @property
    def stored_value(self) -> int:
        return self.principal + self.bonus


@dataclass(frozen=True)
class SaleSummary:
    """One sale in the list a refund starts from."""

    op_id: str
    at: datetime
    amount_due: int  # fen
    card_no: str  # "" for a guest
    member_name: str  # "" for a guest or a card this store no longer knows
    refunded: int = 0  # fen refunded or voided so far


@dataclass(frozen=True)
class StoredReceipt:
    receipt: Receipt
    printed: bool
    reprint_count: int
    print_error: str | None = None  # message key of the last failed print, until one succeeds


class RecordsReader(StoreAccess):
    def ledger_entries(self, card_no: str) -> tuple[LedgerEntry, ...]:
        """The card's entries in the order they were written."""
        entry = self.tables.ledger_entry
        with self.reading():
            rows = entry.select().where(entry.card_no == card_no).order_by(entry.id)
            return tuple(entry_from_row(row) for row in rows)

    def card_balances(self, card_no: str) -> CardBalances:
        """Folded from the stored entries every time (decision 2): no balance is kept here."""
        return derive_balances(self.ledger_entries(card_no), card_no)

    def unsynced_debits(self, card_no: str) -> UnsyncedDebits:
        entry, outbox = self.tables.ledger_entry, self.tables.outbox
        debit_accounts = [Account.PRINCIPAL.value, Account.BONUS.value, Account.COUNT.value]
        with self.reading():
            unacknowledged = outbox.select(outbox.op_id).where(
                outbox.seq > self.int_setting(ACK_WATERMARK))
            totals = (
                entry.select(entry.account, entry.service, fn.SUM(entry.delta))
                .where(entry.card_no == card_no, entry.delta < 0,
                       entry.account.in_(debit_accounts), entry.op_id.in_(unacknowledged))
                .group_by(entry.account, entry.service)
                .tuples()
            )
            taken = {(account, service): -total for account, service, total in totals}
        return UnsyncedDebits(
            principal=taken.get((Account.PRINCIPAL.value, ""), 0),
            bonus=taken.get((Account.BONUS.value, ""), 0),
            counts={service: uses for (account, service), uses in taken.items()
                    if account == Account.COUNT.value},
        )

    def sale_record(self, op_id: str) -> SaleRecord | None:
        sale = self.tables.sale
        with self.reading():
            row = sale.get_or_none(sale.op_id == op_id)
            entries = self._entries_of([op_id])
        if row is None:
            return None
        with decoding("sale", op_id):
            return sale_record_from_plain(row.record, entries.get(op_id, ()))

    def recent_sales(self, limit: int = 30) -> tuple[SaleSummary, ...]:
        """This terminal's newest sales first, with the member's name and what was refunded."""
        sale, card, member, refund = (self.tables.sale, self.tables.card, self.tables.member,
                                      self.tables.refund)
        refunded = (refund.select(refund.original_op, fn.SUM(refund.amount).alias("total"))
                    .group_by(refund.original_op).alias("refunded"))
        with self.reading():
            rows = list(
                sale.select(sale.op_id, sale.at, sale.amount_due, sale.card_no, member.name,
                            refunded.c.total)
                .join(card, JOIN.LEFT_OUTER, on=(card.card_no == sale.card_no))
                .join(member, JOIN.LEFT_OUTER, on=(member.member_id == card.member))
                .join(refunded, JOIN.LEFT_OUTER, on=(refunded.c.original_op == sale.op_id),
                      src=sale)
                .order_by(sale.seq.desc()).limit(limit).tuples())
        return tuple(SaleSummary(op_id, at, amount_due, card_no or "", name or "", total or 0)
                     for op_id, at, amount_due, card_no, name, total in rows)

    def coupons_used_here(self, codes: Iterable[str]) -> frozenset[str]:
        """Those of the codes a sale committed on this terminal used, refunded or not (a refund
        does not give a coupon back)."""
        wanted = sorted({code for code in codes if code})
        if not wanted:
            return frozenset()
        sale = self.tables.sale
        with self.reading():
            # `!= ''` repeats the partial index's condition, so that SQLite may use it.
            rows = (sale.select(sale.coupon_used).distinct()
                    .where(sale.coupon_used != "", sale.coupon_used.in_(wanted)).tuples())
            return frozenset(code for (code,) in rows)

    def refund_records(self, original_op: str) -> tuple[RefundRecord, ...]:
        """Refunds of a sale made here, oldest first: the `prior_refunds` of the next one."""
        refund = self.tables.refund
        with self.reading():
            rows = list(refund.select().where(refund.original_op == original_op)
                        .order_by(refund.seq))
            entries = self._entries_of([row.op_id for row in rows])
        with decoding("refund", original_op):
            return tuple(refund_record_from_plain(row.record, entries.get(row.op_id, ()))
                         for row in rows)

    def _entries_of(self, op_ids: list[str]) -> dict[str, list[LedgerEntry]]:
        """The entries of these operations, each operation's in the order it decided them."""
        entry = self.tables.ledger_entry
        by_op: dict[str, list[LedgerEntry]] = {}
        rows = (entry.select().where(entry.op_id.in_(op_ids))
                .order_by(entry.op_id, entry.entry_index))
        for row in rows:
            by_op.setdefault(row.op_id, []).append(entry_from_row(row))
        return by_op

    def stored_receipt(self, op_id: str) -> StoredReceipt | None:
        receipt = self.tables.receipt
        with self.reading():
            row = receipt.get_or_none(receipt.op_id == op_id)
        return None if row is None else stored_receipt_from_row(row)

    def mark_printed(self, op_id: str) -> int:
        """Note that the receipt came out of the printer; returns how many reprints there have
        been (0 after the first print)."""
        receipt = self.tables.receipt
        with self.writing():
            row = receipt.get_or_none(receipt.op_id == op_id)
            if row is None:
                raise UnknownOperation(op_id=op_id)
            if row.printed:
                row.reprint_count += 1
            row.printed = True
            row.print_error = None
            row.save()
            return row.reprint_count


def stored_receipt_from_row(row: Any) -> StoredReceipt:
    with decoding("receipt", row.op_id):
        return StoredReceipt(receipt_from_plain(row.body), row.printed, row.reprint_count,
                             row.print_error)
