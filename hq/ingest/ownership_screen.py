"""Quarantine what a terminal's store may not do to another store's cards and members
(membership.store_rules): the first screen of a batch's new events, before the mint rules
(hq.ingest.quarantine). Within the ingest transaction; reads who issued each card the events
name and who registered each member, and follows the batch's own first issues.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hq.db import HqDatabase
from hq.ingest.quarantine import Screened
from hq.ingest.rows import PreparedEvent
from hq.ownership import card_issuers, member_owners
from membership.store_rules import (
    JUDGED,
    MEMBER_REGISTERED,
    MemberOwner,
    cross_store_reason,
    issuer_after,
)

log = logging.getLogger("hq.ingest")
_CARD_FIELDS = ("card_no", "old_card_no", "new_card_no", "parent_card_no")


def screen_stores(db: HqDatabase, events: Sequence[PreparedEvent], store_id: str) -> Screened:
    """The events a terminal of `store_id` may send, and the others with their reason."""
    judged = [prepared for prepared in events if prepared.event.type in JUDGED]
    if not judged:  # sales and the like: every store may send them, no query
        return Screened(list(events), [])
    issuers = card_issuers(db, _named(judged, _CARD_FIELDS))
    members = member_owners(db, _named([e for e in judged if e.event.type == MEMBER_REGISTERED],
                                       ("member_id",)))
    allowed: list[PreparedEvent] = []
    refused: list[tuple[PreparedEvent, str]] = []
    for prepared in events:
        event = prepared.event
        reason = cross_store_reason(event.type, event.payload, store_id, issuers, members)
        if reason:
            log.warning("terminal of store %r: %s of another store's card or member refused "
                        "(%s)", store_id, event.type, reason)
            refused.append((prepared, reason))
            continue
        allowed.append(prepared)
        issuers.update(issuer_after(event.type, event.payload, store_id, issuers))
        member_id = event.payload.get("member_id")
        if event.type == MEMBER_REGISTERED and isinstance(member_id, str):
            members.setdefault(member_id, MemberOwner(store_id, {}))
    return Screened(allowed, refused)


def _named(events: Sequence[PreparedEvent], fields: tuple[str, ...]) -> set[str]:
    return {value for prepared in events for name in fields
            if isinstance(value := prepared.event.payload.get(name), str) and value}
