"""Receipts owed to customers: every receipt the store holds stays unprinted until the printer
has printed it (`mark_printed`), so a printer error, or the terminal going down between the
commit and the paper, never loses one. The print service (terminal.receipts.printing) reads this
list.

Operations' receipts are written by the journal with the operation; receipts of no operation
(a shift report) are kept here before they are printed.
"""

from __future__ import annotations

from peewee import SQL

from membership.receipts import Receipt
from terminal.store.access import StoreAccess
from terminal.store.codec import json_ready
from terminal.store.errors import UnknownOperation
from terminal.store.records import StoredReceipt, stored_receipt_from_row


class ReprintQueue(StoreAccess):
    def keep_receipt(self, receipt: Receipt) -> bool:
        """Store a receipt for printing unless one with its op_id is stored already (the
        journal's copy is the one that counts); True when this call stored it."""
        table = self.tables.receipt
        with self.writing():
            inserted = table.insert(
                op_id=receipt.op_id, kind=receipt.kind.value, body=json_ready(receipt),
                printed=False, created_at=self.clock(),
            ).on_conflict_ignore().execute()
        return bool(inserted)

    def record_print_failure(self, op_id: str, message_key: str) -> None:
        """The printer refused the receipt: it stays owed, and the list says why."""
        table = self.tables.receipt
        with self.writing():
            updated = (table.update(print_error=message_key)
                       .where(table.op_id == op_id).execute())
        if not updated:
            raise UnknownOperation(op_id=op_id)

    def unprinted_receipts(self) -> tuple[StoredReceipt, ...]:
        """Receipts that never came out of the printer, oldest first."""
        table = self.tables.receipt
        with self.reading():
            rows = list(table.select().where(table.printed == False)  # noqa: E712 (SQL)
                        .order_by(table.created_at, SQL("rowid")))
        return tuple(stored_receipt_from_row(row) for row in rows)

    def last_receipt_op_id(self) -> str | None:
        """The receipt stored most recently, printed or not: what 重打上一张 prints."""
        table = self.tables.receipt
        with self.reading():
            row = (table.select(table.op_id)
                   .order_by(table.created_at.desc(), SQL("rowid").desc()).first())
        return None if row is None else row.op_id
