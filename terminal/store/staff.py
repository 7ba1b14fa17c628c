"""The store's staff (from HQ's `staff` configuration document) and wrong-PIN counters.

The `staff` document (docs/protocol.md, "Configuration document bodies") lists who may sign in
at the terminal, with a PIN verifier made by membership.pin_hash, never a PIN (decision 9):
    {"staff": [{"staff_id": "S01", "name": "王小丽", "role": "cashier",
                "pin_verifier": "scrypt$14$8$1$...$...", "active": true}]}
Applying it (directly, or through `apply_config("staff", ...)`, which keeps the table in step
with the document in force) replaces the staff table whole.

Wrong-PIN counters are per subject ("staff:S01", "card:8800..."): kept in the file, so that
restarting the terminal does not lift a lockout. What a count means is the caller's rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from membership.config_codec_permissions import PERMISSIONS_KEY, decode_permissions
from membership.errors import ConfigError
from membership.permissions import DEFAULT_PERMISSIONS, PermissionTable
from protocol.wire_config import scope_rank
from terminal.store.access import StoreAccess
from terminal.store.errors import InvalidConfig
from terminal.store.models import STAFF_ROLES, Tables

STAFF_DOCUMENT = "staff"
_STAFF_FIELDS = {"staff_id", "name", "role", "pin_verifier", "active"}
_MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class StaffRecord:
    staff_id: str
    name: str
    role: str  # terminal.store.models.STAFF_ROLES
    pin_verifier: str  # membership.pin_hash verifier; never the PIN
    active: bool = True


@dataclass(frozen=True)
class PinFailures:
    failures: int = 0  # wrong PINs in a row
    locked_until: datetime | None = None  # a timed lockout's end, None when none


def decode_staff_document(body: Mapping[str, Any]) -> tuple[StaffRecord, ...]:
    """The staff of a `staff` document body, strictly: InvalidConfig names what is wrong."""
    if not set(body) <= {"staff", PERMISSIONS_KEY} or not isinstance(body.get("staff"), list):
        raise InvalidConfig("store.config_body_invalid", name=STAFF_DOCUMENT, field="staff")
    staff_permissions(body)  # refused whole, like the staff themselves
    members = tuple(_staff_record(item, index) for index, item in enumerate(body["staff"]))
    ids = [member.staff_id for member in members]
    if len(set(ids)) != len(ids):
        raise InvalidConfig("store.config_body_invalid", name=STAFF_DOCUMENT,
                            field="staff_id", detail="repeated")
    return members


def staff_permissions(body: Mapping[str, Any]) -> PermissionTable:
    """Who may do what (membership.permissions); a document without a table keeps the
    defaults."""
    try:
        return decode_permissions(body)
    except ConfigError as error:
        raise InvalidConfig("store.config_body_invalid", name=STAFF_DOCUMENT, reason=error.key,
                            item=error.params.get("item"),
                            field=error.params.get("field")) from error


def _staff_record(item: Any, index: int) -> StaffRecord:
    def refuse(field: str) -> InvalidConfig:
        return InvalidConfig("store.config_body_invalid", name=STAFF_DOCUMENT,
                             item=f"staff[{index}]", field=field)

    if not isinstance(item, Mapping):
        raise refuse("item")
    unknown = sorted(set(item) - _STAFF_FIELDS)
    if unknown:
        raise refuse(unknown[0])
    for name in ("staff_id", "name", "role", "pin_verifier"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise refuse(name)
    if len(item["staff_id"]) > _MAX_ID_LENGTH:
        raise refuse("staff_id")
    if item["role"] not in STAFF_ROLES:
        raise refuse("role")
    if not isinstance(item.get("active", True), bool):
        raise refuse("active")
    return StaffRecord(item["staff_id"], item["name"], item["role"], item["pin_verifier"],
                       item.get("active", True))


def replace_staff(tables: Tables, members: tuple[StaffRecord, ...], now: datetime) -> None:
    """Inside the caller's write transaction: the staff table becomes exactly `members`."""
    staff = tables.staff
    staff.delete().execute()
    if members:
        staff.insert_many([
            {"staff_id": m.staff_id, "name": m.name, "role": m.role,
             "pin_verifier": m.pin_verifier, "active": m.active, "updated_at": now}
            for m in members]).execute()


class StaffRoster(StoreAccess):
    def staff_members(self) -> tuple[StaffRecord, ...]:
        """Everyone the staff document lists, active or not, by staff_id."""
        staff = self.tables.staff
        with self.reading():
            rows = list(staff.select().order_by(staff.staff_id))
        return tuple(_record(row) for row in rows)

    def staff_member(self, staff_id: str) -> StaffRecord | None:
        staff = self.tables.staff
        with self.reading():
            row = staff.get_or_none(staff.staff_id == staff_id)
        return None if row is None else _record(row)

    # Every operation asks for the table: it is read once, and again after a `staff` document
    # was applied (terminal.store.cache forgets it).
    _permission_table: PermissionTable | None = None

    def permission_table(self) -> PermissionTable:
        """The permissions of the `staff` document in force; the defaults without one."""
        table = self._permission_table
        if table is None:
            table = self._permission_table = self._read_permission_table()
        return table

    def _read_permission_table(self) -> PermissionTable:
        config = self.tables.config
        with self.reading():
            rows = list(config.select().where(config.name == STAFF_DOCUMENT))
        if not rows:
            return DEFAULT_PERMISSIONS
        return staff_permissions(max(rows, key=lambda row: scope_rank(row.scope)).body)

    def apply_staff(self, body: Mapping[str, Any]) -> int:
        """Replace the staff with those of a `staff` document body; returns how many."""
        members = decode_staff_document(body)
        with self.writing():
            replace_staff(self.tables, members, self.clock())
        return len(members)

    def pin_failures(self, subject: str) -> PinFailures:
        table = self.tables.pin_failure
        with self.reading():
            row = table.get_or_none(table.subject == subject)
        return PinFailures() if row is None else PinFailures(row.failures, row.locked_until)

    def record_pin_failure(
        self, subject: str, lock_after: int, lock_for: timedelta | None, now: datetime
    ) -> PinFailures:
        """One more wrong PIN. The `lock_after`-th in a row sets a lockout ending `lock_for`
        from `now` (None: no end; the caller clears it). A timed lockout that has ended starts
        the count again."""
        table = self.tables.pin_failure
        with self.writing():
            row = table.get_or_none(table.subject == subject)
            failures = 0 if row is None or _lock_ended(row.locked_until, now) else row.failures
            failures += 1
            locked_until = now + lock_for if failures >= lock_after and lock_for else None
            (table.insert(subject=subject, failures=failures, locked_until=locked_until,
                          updated_at=now)
             .on_conflict(conflict_target=[table.subject],
                          preserve=[table.failures, table.locked_until, table.updated_at])
             .execute())
        return PinFailures(failures, locked_until)

    def clear_pin_failures(self, subject: str) -> None:
        table = self.tables.pin_failure
        with self.writing():
            table.delete().where(table.subject == subject).execute()


def _lock_ended(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now >= locked_until


def _record(row: Any) -> StaffRecord:
    return StaffRecord(row.staff_id, row.name, row.role, row.pin_verifier, row.active)
