"""A member's history at the counter (消费记录): the operations this terminal recorded on the card,
newest first, a page at a time (terminal.store.history). Other terminals' operations are HQ's."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.cashier.context import CashierContext
from terminal.store.access import StoreAccess
from terminal.store.history import MAX_PAGE, HistoryItem, card_history

__all__ = ["HistoryItem", "HistoryPage", "MemberHistory"]


@dataclass(frozen=True)
class HistoryPage:
    items: tuple[HistoryItem, ...]
    page: int  # from 0, the newest
    has_more: bool  # an older page follows


class MemberHistory:
    def __init__(self, ctx: CashierContext) -> None:
        self.ctx = ctx

    def page(self, card_no: str, page: int, per_page: int) -> HistoryPage:
        per_page = max(1, min(per_page, MAX_PAGE - 1))
        page = max(0, page)
        # One more than shown: whether an older page exists, without counting them all.
        store = self.ctx.store
        if not isinstance(store, StoreAccess):  # the history reads the terminal's own file
            raise TypeError(f"a terminal store, not {type(store).__name__}")
        found = card_history(store, card_no, page * per_page, per_page + 1)
        return HistoryPage(found[:per_page], page, len(found) > per_page)
