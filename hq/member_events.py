"""Member profiles from `member.registered` events into HQ's members table.

Registrations of one member may arrive from several terminals in any order: the newest one (on
the terminal's clock, never later than HQ received it: hq.ingest.future_times) wins, the same
rule as card status changes (hq.card_events). The first registration's store owns the member:
only it may change the profile (membership.store_rules, hq.ingest.ownership_screen). A profile
edit carries the details (address, gender, notes, consent); an enrolment's registration does
not, and leaves the ones stored as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peewee import EXCLUDED

from hq.db import HqDatabase
from membership.profiles import EXTRA_FIELDS, read_extras
from protocol.wire import WireEvent

MEMBER_REGISTERED = "member.registered"


def member_rows(events: Iterable[WireEvent], store_id: str = "") -> list[dict[str, Any]]:
    """One row per member registered by the events (of a terminal of `store_id`): the newest
    registration of each. protocol.wire has checked every member.registered payload."""
    newest: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.type != MEMBER_REGISTERED:
            continue
        payload = event.payload
        row = {"member_id": payload["member_id"], "name": payload.get("name", ""),
               "phone": payload.get("phone", ""), "birthday": payload.get("birthday", ""),
               "updated_at": event.at, "store_id": store_id}
        extras = read_extras(payload)
        if extras is not None:  # a profile edit: an enrolment keeps the details known
            row |= {"address": extras.address, "gender": extras.gender, "notes": extras.notes,
                    "consent": extras.consent}
        current = newest.get(row["member_id"])
        if current is None or current["updated_at"] <= row["updated_at"]:
            newest[row["member_id"]] = row
    return list(newest.values())


def store_members(db: HqDatabase, rows: Iterable[dict[str, Any]]) -> None:
    """Insert or update each profile unless a newer registration is stored already (the
    registering store stays the first one's). One statement per member, so two workers
    registering the same member cannot conflict."""
    members = db.members
    for row in rows:
        changed = [name for name in ("name", "phone", "birthday", "updated_at", *EXTRA_FIELDS)
                   if name in row]
        members.insert(**row).on_conflict(
            conflict_target=[members.member_id],
            update={getattr(members, name): getattr(EXCLUDED, name) for name in changed},
            where=members.updated_at <= EXCLUDED.updated_at,
        ).execute()
