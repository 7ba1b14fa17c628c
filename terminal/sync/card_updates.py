"""Cards HQ changed itself (a points expiry, a level change: hq.jobs), as HQ pushes them on
`hy/v1/t/{terminal}/cards`: each message a lookup answer whose records the terminal caches as
it caches a lookup's (terminal.store.members), so its offline balances and the member panel
agree with HQ's ledger. A card changed here and not yet acknowledged keeps its local state and
takes HQ's balances (the cache's rule).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from membership.member_records import MemberProfile, MemberRecord
from protocol.wire_members import LookupRecord, parse_lookup_response

log = logging.getLogger("terminal.sync")


class CardCache(Protocol):
    def cache_member_record(self, record: MemberRecord) -> bool: ...


def member_record(record: LookupRecord, as_of: datetime) -> MemberRecord:
    """HQ's record of a card as the cashier's ports carry it; `as_of` is HQ's time."""
    profile = record.profile
    return MemberRecord(
        profile=MemberProfile(profile.member_id, profile.name, profile.phone, profile.birthday,
                              profile.extras),
        card=record.card, balances=record.balances, as_of=as_of, uid=record.uid,
        offline_pin_verifier=record.offline_pin_verifier, coupons=record.coupons,
        other_cards=record.other_cards, last_visit=record.last_visit)


def apply_card_updates(store: CardCache, payload: bytes) -> int:
    """Cache every record of HQ's message; how many. A malformed one raises WireError."""
    update = parse_lookup_response(payload)
    for record in update.records:
        store.cache_member_record(member_record(record, update.as_of))
    log.info("HQ updated %d cards: %s", len(update.records),
             ", ".join(record.card.card_no for record in update.records))
    return len(update.records)
