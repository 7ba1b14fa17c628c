"""Staff at the terminal: signing in with a PIN, signing out, and a manager's approval.

Staff and their PIN verifiers come from HQ's `staff` document (terminal.store.staff); a PIN is
checked against the verifier (membership.pin_hash) and wiped at once, never logged, never put in
an error. STAFF_LOCK_AFTER wrong PINs in a row lock that staff member on this terminal for
STAFF_LOCK_FOR; the count is kept in the store, so restarting the terminal does not lift it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from huiyuan_devices.keypad.base import Pin

from membership.errors import DomainError
from membership.permissions import Action, Grant
from membership.pin_hash import matches
from terminal.cashier import permissions
from terminal.cashier.context import CashierContext, ManagerApproval, StaffMember
from terminal.cashier.permissions import permits
from terminal.cashier.store_ports import PrivilegedAction, StaffStore

STAFF_LOCK_AFTER = 5
STAFF_LOCK_FOR = timedelta(minutes=5)
MANAGER_ROLE = "manager"


class StaffError(DomainError):
    """A sign-in or an approval was refused: unknown, wrong PIN, locked, not a manager."""

    key = "staff.refused"


class StaffDesk:
    def __init__(self, ctx: CashierContext) -> None:
        self.ctx = ctx
        self.store: StaffStore = ctx.store
        self._on_duty: StaffMember | None = None

    @property
    def on_duty(self) -> StaffMember | None:
        """Who is signed in at this terminal now."""
        return self._on_duty

    def roster(self) -> list[StaffMember]:
        """Who may sign in here (active staff of the staff document), for the sign-in screen."""
        return [StaffMember(record.staff_id, record.name, record.role)
                for record in self.store.staff_members() if record.active]

    def login(self, staff_id: str, pin: Pin) -> StaffMember:
        """Sign in; the PIN is wiped whatever happens."""
        member = self._checked(staff_id, pin, manager_only=False)
        self._on_duty = member
        return member

    def logout(self) -> None:
        self._on_duty = None
        self.ctx.held_approval = None

    def grant(self, action: Action) -> Grant | None:
        """What the signed-in role may do about `action` (the `staff` document's table): ALLOW,
        APPROVAL (with a manager's PIN on the spot), or None; None when nobody is signed in."""
        return permits(self.store.permission_table(), self._on_duty, action)

    def authorise(self, action: Action,
                  approval: ManagerApproval | None = None) -> ManagerApproval | None:
        """For what commits nothing (the settings screen): the signed-in role may `action`, or
        PermissionRefused; journaled like an operation's check."""
        return permissions.require(self.ctx, self._on_duty, action, approval)

    def privileged_actions(self, limit: int = 50) -> list[PrivilegedAction]:
        """The journal of privileged actions, newest first (the settings' approvals log)."""
        return self.store.privileged_actions(limit)

    def hold_approval(self, action: Action, approval: ManagerApproval) -> None:
        """A manager approved on the spot: the next operation that needs it may go ahead."""
        self.ctx.hold_approval(action, approval)

    def approve_as_manager(self, staff_id: str, pin: Pin) -> ManagerApproval:
        """A store manager's PIN, for one operation that needs it (a refund, a void)."""
        manager = self._checked(staff_id, pin, manager_only=True)
        return ManagerApproval(manager, self.ctx.clock())

    def _checked(self, staff_id: str, pin: Pin, manager_only: bool) -> StaffMember:
        try:
            record = self.store.staff_member(staff_id)
            if record is None or not record.active:
                raise StaffError("staff.unknown", staff_id=staff_id)
            if manager_only and record.role != MANAGER_ROLE:
                raise StaffError("staff.not_manager", staff_id=staff_id)
            subject = f"staff:{staff_id}"
            now = self.ctx.clock()
            self._refuse_if_locked(subject, now)
            if matches(pin.reveal(), record.pin_verifier):
                self.store.clear_pin_failures(subject)
                return StaffMember(record.staff_id, record.name, record.role)
            failed = self.store.record_pin_failure(subject, STAFF_LOCK_AFTER,
                                                       STAFF_LOCK_FOR, now)
            if failed.locked_until is not None:
                raise _locked(failed.locked_until, now)
            raise StaffError("staff.pin_wrong", tries_left=STAFF_LOCK_AFTER - failed.failures)
        finally:
            pin.wipe()

    def _refuse_if_locked(self, subject: str, now: datetime) -> None:
        locked_until = self.store.pin_failures(subject).locked_until
        if locked_until is not None and now < locked_until:
            raise _locked(locked_until, now)


def _locked(until: datetime, now: datetime) -> StaffError:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))  # rounded up
    return StaffError("staff.locked", until=until.strftime("%H:%M"), minutes=minutes)
