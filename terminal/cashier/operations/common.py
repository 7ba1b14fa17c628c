"""What every cashier operation does once the core has decided: check the member's PIN and the
manager's approval where money leaves a card or a sale is undone, ask the debit guard for every
card debit, commit in one transaction, wake the relay, hand the receipt to the printer.

Nothing is committed unless every check and every authorisation passed; once committed, the
operation has happened, whatever the printer does (a failed print leaves the receipt in the
reprint list, and the result's PrintOutcome says so).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from huiyuan_devices.errors import DeviceError

from membership.counter_operations import CounterDecision
from membership.errors import DomainError
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.offline_limits import DebitDecision
from membership.receipts import Receipt
from membership.refunds import RefundDecision
from membership.sale import SaleDecision
from terminal.cashier.context import CashierContext
from terminal.cashier.level_upgrade import note_level_up, with_level_upgrade
from terminal.cashier.ports import PinProof
from terminal.receipts.printing import PrintResult

log = logging.getLogger("terminal.cashier")

Decision = SaleDecision | CounterDecision | RefundDecision

# A proof is for the operation the member was asked about just now; one kept around on a
# screen must not authorise a later operation (approvals: terminal.cashier.permissions).
PIN_PROOF_MAX_AGE = timedelta(minutes=5)

STORED_VALUE = "stored_value"
COUNT = "count"
OFFLINE_FOOTER = "receipt.offline"

# Stored value leaving the card: paid to the store, or paid out to the member in cash.
# Transfers (a replacement) and forfeits (a cancellation's bonus) are not debits.
_STORED_VALUE_DEBITS = frozenset(
    {EntryKind.SPEND, EntryKind.WITHDRAW, EntryKind.CANCEL_REFUND, EntryKind.FEE})
_MONEY_ACCOUNTS = frozenset({Account.PRINCIPAL, Account.BONUS})


class DebitRefused(DomainError):
    """The debit guard (HQ, or the offline limits, or the blacklist) refused a card debit."""

    key = "debit.refused"


@dataclass(frozen=True)
class CardDebit:
    """One authorisation to ask for: `amount` fen of stored value, or uses of `service`."""

    card_no: str  # the account card, whose balance pays
    kind: str  # STORED_VALUE or COUNT
    amount: int
    service: str = ""
    provers: frozenset[str] = frozenset()  # cards whose PIN may allow it (account, presented)


def card_debits(entries: Iterable[LedgerEntry]) -> tuple[CardDebit, ...]:
    """The stored-value and count debits a decision makes, one per card (and service)."""
    totals: dict[tuple[str, str, str], int] = {}
    provers: dict[tuple[str, str, str], set[str]] = {}
    for entry in entries:
        key = _debit_key(entry)
        if key is None:
            continue
        totals[key] = totals.get(key, 0) - entry.delta
        provers.setdefault(key, set()).update({entry.card_no, entry.actor_card_no} - {""})
    return tuple(CardDebit(key[0], key[1], amount, key[2], frozenset(provers[key]))
                 for key, amount in totals.items())


def _debit_key(entry: LedgerEntry) -> tuple[str, str, str] | None:
    if entry.delta >= 0:
        return None
    if entry.account in _MONEY_ACCOUNTS and entry.kind in _STORED_VALUE_DEBITS:
        return (entry.card_no, STORED_VALUE, "")
    if entry.account is Account.COUNT and entry.kind is EntryKind.USE:
        return (entry.card_no, COUNT, entry.service)
    return None


def require_pin(
    ctx: CashierContext, proof: PinProof | None, debits: Sequence[CardDebit]
) -> None:
    """Money leaving a card needs the member's PIN, checked just now for that card (or for the
    subsidiary card presented to pay from it)."""
    for debit in debits:
        if debit.kind != STORED_VALUE:
            continue
        if proof is None or proof.card_no not in debit.provers or not _recent(
                ctx.clock(), proof.verified_at, PIN_PROOF_MAX_AGE):
            raise DomainError("pin.required", card_no=debit.card_no)


def _recent(now: datetime, then: datetime, max_age: timedelta) -> bool:
    return abs(now - then) <= max_age


def authorise(
    ctx: CashierContext, op_id: str, debits: Sequence[CardDebit]
) -> tuple[DebitDecision, ...]:
    """Ask the guard for each debit; the first refusal becomes a DebitRefused with its reason."""
    decisions = []
    for debit in debits:
        decision = ctx.guard.authorise(op_id, debit.card_no, debit.kind, debit.amount,
                                       debit.service)
        if not decision.approved:
            params: dict[str, object] = {"card_no": debit.card_no, "needed": debit.amount,
                                         "service": debit.service}
            if decision.available is not None:
                # Both names: balance.* templates say `available`, count.* say `remaining`.
                params.update(available=decision.available, remaining=decision.available)
            raise DebitRefused(decision.reason or None, **params)
        decisions.append(decision)
    return tuple(decisions)


class PrintOutcome:
    """How the receipt's printing went: the hook the UI holds. The print worker reports into
    it; `on_printed` listeners run on the worker thread (or at once, on the caller's thread,
    when the outcome is already known), so a Kivy screen passes them through Clock."""

    def __init__(self, op_id: str) -> None:
        self.op_id = op_id
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._result: PrintResult | None = None
        self._listeners: list[Callable[[PrintResult], None]] = []

    def report(self, result: PrintResult) -> None:
        with self._lock:
            self._result = result
            listeners, self._listeners = self._listeners, []
        self._done.set()
        for listener in listeners:
            listener(result)

    def on_printed(self, listener: Callable[[PrintResult], None]) -> None:
        with self._lock:
            result = self._result
            if result is None:
                self._listeners.append(listener)
                return
        listener(result)

    @property
    def result(self) -> PrintResult | None:
        """None while the receipt is still queued or printing."""
        with self._lock:
            return self._result

    def wait(self, timeout: float | None = None) -> PrintResult | None:
        self._done.wait(timeout)
        return self.result

    @property
    def kept_for_reprint(self) -> bool:
        """The printer failed: the receipt is in the reprint list (ctx.printing)."""
        result = self.result
        return result is not None and not result.ok


@dataclass(frozen=True)
class OperationResult:
    op_id: str
    receipt: Receipt
    decision: Decision
    seqs: tuple[int, ...]  # the events' seqs in this terminal's outbox
    printing: PrintOutcome
    debits: tuple[DebitDecision, ...] = field(default=())  # the guard's approvals

    @property
    def offline(self) -> bool:
        """A card was debited on the offline limits: HQ will check it when the events arrive."""
        return any(not debit.online for debit in self.debits)


def carry_out(
    ctx: CashierContext, decision: Decision, pin_proof: PinProof | None = None,
    commit: Callable[[Decision], tuple[int, ...]] | None = None,
) -> OperationResult:
    """Check, authorise, commit, notify, print: the shell's half of every operation. `commit`
    replaces the store's usual commit where one transaction must also change a row of the
    operation's own (closing a timed session with its bill)."""
    op_id = decision.record.op_id if isinstance(decision, RefundDecision) else decision.op_id
    debits = card_debits(decision.entries)
    require_pin(ctx, pin_proof, debits)
    approvals = authorise(ctx, op_id, debits)
    if any(not approval.online for approval in approvals):
        decision = _with_offline_note(decision)
    decision = with_level_upgrade(ctx, decision)  # in the same commit (cashier.level_upgrade)
    seqs = commit(decision) if commit is not None else _commit(ctx, decision)
    note_level_up(ctx, decision)
    # From here on the operation has happened: nothing may make it look failed to the cashier,
    # who would then do it again.
    _wake_relay(ctx)
    return OperationResult(op_id, decision.receipt, decision, seqs,
                           _print(ctx, decision.receipt), approvals)


def _wake_relay(ctx: CashierContext) -> None:
    try:
        ctx.notify_sync()
    except Exception:  # the relay also polls: a failed wake-up only delays the upload
        log.exception("waking the relay failed")


def _print(ctx: CashierContext, receipt: Receipt) -> PrintOutcome:
    outcome = PrintOutcome(receipt.op_id)
    try:
        ctx.printing.submit(receipt, outcome.report)
    except RuntimeError as error:  # the print service was closed (shutting down)
        # The journal stored the receipt unprinted: it stays in the reprint list.
        device = getattr(ctx.printing.printer, "name", "printer")
        outcome.report(PrintResult(receipt.op_id, DeviceError(device, "", detail=str(error))))
    return outcome


def _commit(ctx: CashierContext, decision: Decision) -> tuple[int, ...]:
    if isinstance(decision, SaleDecision):
        return ctx.store.commit_sale(decision)
    if isinstance(decision, RefundDecision):
        return ctx.store.commit_refund(decision)
    return ctx.store.commit_counter(decision)


def _with_offline_note(decision: Decision) -> Decision:
    receipt = decision.receipt
    if OFFLINE_FOOTER in receipt.footer_keys:
        return decision
    noted = dataclasses.replace(receipt, footer_keys=(*receipt.footer_keys, OFFLINE_FOOTER))
    return dataclasses.replace(decision, receipt=noted)
