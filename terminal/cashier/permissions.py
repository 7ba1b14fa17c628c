"""The one place the terminal enforces who may do what (membership.permissions).

Every operation names its Action when it starts (CashierContext.operation); the guard looks up
the signed-in role in the permission table of the `staff` document in force. An action the role
may do alone goes ahead; one it may do with a store manager's approval goes ahead only with a
recent ManagerApproval (given to the operation, or held for the next operation after the
manager typed their PIN on the spot: `hold_approval`); anything else is refused. Every refusal,
every approval used, and every action a manager did that a cashier may not do alone is written
to the journal of privileged actions (terminal.store.privileged). The UI asks the same guard
which buttons to show: hiding a button is a convenience, this is the check.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from membership.errors import DomainError
from membership.permissions import (
    CASHIER,
    MANAGER,
    Action,
    Grant,
    PermissionTable,
    grant_for,
)
from terminal.store.privileged import (
    APPROVED,
    BY_MANAGER,
    REFUSED,
    PrivilegedAction,
)

if TYPE_CHECKING:
    from terminal.cashier.context import CashierContext, ManagerApproval, StaffMember

# An approval is for the operation the manager was asked about just now; one kept around on a
# screen must not authorise a later operation.
APPROVAL_MAX_AGE = timedelta(minutes=5)

NOT_PERMITTED = "permission.refused"
APPROVAL_NEEDED = "permission.approval_needed"


class PermissionRefused(DomainError):
    """The signed-in role may not do this action (alone)."""

    key = NOT_PERMITTED


class PermissionStore(Protocol):
    def permission_table(self) -> PermissionTable: ...
    def record_privileged(self, entry: PrivilegedAction) -> None: ...


def permits(table: PermissionTable, staff: StaffMember | None, action: Action) -> Grant | None:
    return None if staff is None else grant_for(table, staff.role, action)


def require(
    ctx: CashierContext, staff: StaffMember | None, action: Action,
    approval: ManagerApproval | None = None,
) -> ManagerApproval | None:
    """Let `action` go ahead for `staff`, or raise PermissionRefused; returns the approval used
    (None when the role may do it alone). A held approval is used up here."""
    store: PermissionStore = ctx.store
    table = store.permission_table()
    grant = permits(table, staff, action)
    now = ctx.clock()
    staff_id, role = (staff.staff_id, staff.role) if staff else ("", "")
    if grant is Grant.ALLOW:
        if role == MANAGER and grant_for(table, CASHIER, action) is not Grant.ALLOW:
            store.record_privileged(PrivilegedAction(now, action, staff_id, role, BY_MANAGER))
        return None
    used = approval or ctx.take_held_approval(action)
    if grant is Grant.APPROVAL and used is not None and _valid(used, now):
        store.record_privileged(PrivilegedAction(now, action, staff_id, role, APPROVED,
                                                 approved_by=used.manager.staff_id))
        return used
    key = APPROVAL_NEEDED if grant is Grant.APPROVAL else NOT_PERMITTED
    store.record_privileged(PrivilegedAction(now, action, staff_id, role, REFUSED, reason=key))
    raise PermissionRefused(key, action=action.value)


def require_manager_approval(
    ctx: CashierContext, staff: StaffMember | None, action: Action,
    approval: ManagerApproval | None,
) -> ManagerApproval:
    """For what needs a store manager's approval whoever asks, whatever the table says (a timed
    session billed in money because its card became unusable): a recent approval by a
    manager, or PermissionRefused; journaled either way."""
    store: PermissionStore = ctx.store
    now = ctx.clock()
    staff_id, role = (staff.staff_id, staff.role) if staff else ("", "")
    if approval is not None and _valid(approval, now):
        store.record_privileged(PrivilegedAction(now, action, staff_id, role, APPROVED,
                                                 approved_by=approval.manager.staff_id))
        return approval
    store.record_privileged(PrivilegedAction(now, action, staff_id, role, REFUSED,
                                             reason=APPROVAL_NEEDED))
    raise PermissionRefused(APPROVAL_NEEDED, action=action.value)


def _valid(approval: ManagerApproval, now: datetime) -> bool:
    return approval.manager.is_manager and abs(now - approval.approved_at) <= APPROVAL_MAX_AGE
