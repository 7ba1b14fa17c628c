"""The journal of privileged actions: every time the permission table (membership.permissions)
refused an action, a store manager approved one on the spot with their PIN, or a manager did
one a cashier may not do alone. Kept in the terminal's file with the operations, so that a
store manager can see who asked for what and who let it happen (terminal.cashier.permissions
writes it; nothing here is sent to HQ).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from terminal.store.access import StoreAccess

CREATE_TABLE = """CREATE TABLE IF NOT EXISTS "privileged_action" (
    "id" INTEGER NOT NULL PRIMARY KEY, "at" TEXT NOT NULL, "action" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL, "role" TEXT NOT NULL, "outcome" TEXT NOT NULL,
    "approved_by" TEXT NOT NULL, "reason" TEXT NOT NULL)"""

REFUSED = "refused"  # the role may not, and no manager approved
APPROVED = "approved"  # a store manager approved it with their PIN
BY_MANAGER = "by_manager"  # a manager on duty did what a cashier may not do alone


@dataclass(frozen=True)
class PrivilegedAction:
    at: datetime  # this terminal's clock
    action: str  # membership.permissions.Action
    staff_id: str  # who was signed in
    role: str
    outcome: str  # REFUSED, APPROVED or BY_MANAGER
    approved_by: str = ""  # the manager's staff_id for APPROVED
    reason: str = ""  # the refusal's message key


class PrivilegedJournal(StoreAccess):
    def record_privileged(self, entry: PrivilegedAction) -> None:
        with self.writing():
            self.database.execute_sql(
                'INSERT INTO "privileged_action" ("at", "action", "staff_id", "role", "outcome", '
                '"approved_by", "reason") VALUES (?, ?, ?, ?, ?, ?, ?)',
                (entry.at.isoformat(), entry.action, entry.staff_id, entry.role, entry.outcome,
                 entry.approved_by, entry.reason))

    def privileged_actions(self, limit: int = 100) -> list[PrivilegedAction]:
        """The newest first."""
        with self.reading():
            rows = self.database.execute_sql(
                'SELECT "at", "action", "staff_id", "role", "outcome", "approved_by", "reason" '
                'FROM "privileged_action" ORDER BY "id" DESC LIMIT ?', (limit,)).fetchall()
        return [PrivilegedAction(datetime.fromisoformat(at), *rest) for at, *rest in rows]
