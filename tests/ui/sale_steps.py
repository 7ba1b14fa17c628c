"""Steps the checkout tests share beyond tests/ui/test_sale.py: reading the ledger a sale left,
the prompt over the screen, and the state of the card before and after a refusal."""

from __future__ import annotations

from dataclasses import dataclass

from membership.ledger import Account, LedgerEntry
from membership.sale_record import SaleRecord
from tests.support.ui_driver import UiDriver
from tests.ui.member_steps import modal_has, modal_text, no_prompt_open


@dataclass(frozen=True)
class Committed:
    """What the store holds for a card and in the outbox: compared before and after a refusal."""

    entries: int
    balances: object  # as the terminal decides with them: HQ's last answer and its own entries
    sales: int
    outbox: int


def committed(ui: UiDriver, card_no: str) -> Committed:
    store = ui.app.runtime.store
    return Committed(len(store.ledger_entries(card_no)), store.balances_for_decision(card_no),
                     len(store.recent_sales()), store.outbox_depth())


def last_sale(ui: UiDriver) -> SaleRecord:
    """The newest sale this terminal committed."""
    store = ui.app.runtime.store
    sales = store.recent_sales(1)
    assert sales, "no sale was committed"
    record = store.sale_record(sales[0].op_id)
    assert record is not None
    return record


def entries_of(ui: UiDriver, card_no: str, op_id: str,
               account: Account | None = None) -> list[LedgerEntry]:
    return [entry for entry in ui.app.runtime.store.ledger_entries(card_no)
            if entry.op_id == op_id and (account is None or entry.account is account)]


def tender_totals(record: SaleRecord) -> dict[str, int]:
    """Fen per tender kind, summed over the sale's lines."""
    totals: dict[str, int] = {}
    for line in record.lines:
        for kind, amount in line.tender_parts:
            totals[kind] = totals.get(kind, 0) + amount
    return totals


def pin_prompt_says(ui: UiDriver, *words: str) -> str:
    """Wait for the member-PIN prompt to show all of `words`."""
    ui.until(lambda: modal_has(ui, "pin_prompt.text")
             and all(word in modal_text(ui, "pin_prompt.text") for word in words),
             f"the PIN prompt to say {words}")
    return modal_text(ui, "pin_prompt.text")


def message_shows(ui: UiDriver, *words: str) -> str:
    return ui.wait_for_text("message", lambda text: all(word in text for word in words),
                            f"the message line with {words}")


def pin_refused(ui: UiDriver, *words: str) -> str:
    """The PIN prompt closed on a refusal (not an earlier message left on the line)."""
    ui.until(lambda: no_prompt_open(ui), "the PIN prompt to close")
    assert ui.app.ui.session.member is not None and ui.screen_name() == "sale"
    text = ui.text_of("message")
    assert all(word in text for word in words), text
    return text
