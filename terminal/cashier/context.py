"""What every cashier service shares: the terminal's identity, its store, the configuration it
applied, the debit guard, the print service, HQ's directory and PIN service, and the clock.

Built once by the bootstrap (terminal/bootstrap.py), passed to every service. Services run on
one worker thread at a time (the UI queues them), so an operation's id, taken from the store's
next seq when the operation starts, is not taken twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from membership.config_documents import StoreConfiguration
from membership.counter_operations import Operation
from membership.permissions import Action
from membership.sale import StoreContext
from terminal.cashier import permissions
from terminal.cashier.ports import (
    CardPinChecker,
    DebitAuthoriser,
    MemberDirectory,
    MemberPinService,
)
from terminal.cashier.store_ports import CashierStore
from terminal.receipts.printing import ReceiptPrintService


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    role: str  # "cashier" or "manager" (terminal.store.models.STAFF_ROLES)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


@dataclass
class CashierContext:
    terminal_id: str
    store_id: str
    store_name: str
    store: CashierStore  # the TerminalStore, seen through the ports the services use
    configuration: Callable[[], StoreConfiguration]  # the documents applied now, decoded
    guard: DebitAuthoriser  # terminal.sync.debit_guard.DebitGuard
    printing: ReceiptPrintService
    directory: MemberDirectory | None = None  # None: no HQ configured (a stand-alone demo)
    pins: MemberPinService | None = None
    card_pins: CardPinChecker | None = None  # cards that check their own PIN (member app)
    clock: Callable[[], datetime] = datetime.now
    language: str = "zh_CN"
    notify_sync: Callable[[], None] = field(default=lambda: None)  # wake the relay after a commit
    # A manager's approval typed on the spot, waiting for the next operation of its action.
    held_approval: tuple[Action, ManagerApproval] | None = None
    # Levels reached at this counter today: card -> (level code, day); the member panel
    # announces them (terminal.cashier.level_upgrade).
    level_ups: dict[str, tuple[str, date]] = field(default_factory=dict)

    def store_context(self, staff: StaffMember | None) -> StoreContext:
        return StoreContext(self.store_id, self.terminal_id, self.store_name,
                            staff.name if staff else "")

    def operation(self, staff: StaffMember | None, action: Action | None = None,
                  approval: ManagerApproval | None = None) -> Operation:
        """A new operation now: its id is this terminal's next seq, e.g. SH001-T1-000042.
        `action`: what it does, checked against the permission table first (every operation
        names one; tests/unit/test_operation_permissions.py holds them to it)."""
        if action is not None:
            permissions.require(self, staff, action, approval)
        op_id = operation_id(self.terminal_id, self.store.next_seq())
        return Operation(op_id, self.clock(), self.store_context(staff),
                         staff.staff_id if staff else "")


    def hold_approval(self, action: Action, approval: ManagerApproval) -> None:
        """Keep a manager's approval for the next operation of `action` (and only that one):
        an operation refused before it asked must not leave it for another action."""
        self.held_approval = (action, approval)

    def take_held_approval(self, action: Action) -> ManagerApproval | None:
        held, self.held_approval = self.held_approval, None
        return held[1] if held is not None and held[0] is action else None


def operation_id(terminal_id: str, seq: int) -> str:
    """Zero-padded, so that op_ids sort in the order they were made: the store's op_id indexes
    then grow at their end instead of splitting pages in the middle at every sale."""
    return f"{terminal_id}-{seq:06d}"


@dataclass(frozen=True)
class ManagerApproval:
    """A store manager entered their PIN to approve one operation (a refund, a void)."""

    manager: StaffMember
    approved_at: datetime
