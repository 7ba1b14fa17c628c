"""The daily level review (会员等级): for every card, the upgrade its window's spend or points
reach (an upgrade a terminal could not see: the member spent at other stores too), else the
periodic review's downgrade (保级 / 降级), with the core's rules (membership.levels) and what
counts as spend and points (membership.level_activity).

The levels are the newest `levels` document in force for the card's issuing store (store
scope, else its region's, else `all`); a card of a store without one is not reviewed. The
window's activity comes from the events HQ applied (a quarantined one counts for nothing), on
the terminals' clocks. HQ writes the new level into `cards`; the terminals get it with the
card's record (hq.card_updates), a sale priced at it is then accepted (hq.ingest.redecide).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from peewee import fn

from hq.db import HqDatabase
from membership.cards import CardStatus
from membership.config_codec_cards import decode_levels
from membership.errors import DomainError
from membership.level_activity import LEVEL_EVENTS, totals_by_card
from membership.levels import Activity, LevelChange, LevelPolicy, review, upgrade_for

log = logging.getLogger("hq.jobs")

LEVELS = "levels"
_NOT_REVIEWED = (CardStatus.REPLACED.value, CardStatus.CANCELLED.value)


Activities = dict[str, list[Activity]]


def read_activity(db: HqDatabase, at: datetime) -> Activities | None:
    """Before the job's transaction: every card's activities over the longest window in force
    (None: no store has levels). Read outside the write lock, which the ingest and the
    authorisations wait for: the applied events up to the start of the day change little."""
    policies = PolicyFinder(db)
    cards = db.cards
    windows = {policy.window_days for (store_id,) in cards.select(cards.issued_store_id)
               .distinct().tuples() if (policy := policies.for_store(store_id)) is not None}
    return window_activity(db, at, max(windows)) if windows else None


def review_levels(db: HqDatabase, day: date, at: datetime,
                  activity: Activities | None = None) -> list[str]:
    """Within the job's transaction: the cards whose level changed, in card order.
    `activity`: read_activity's, else read here."""
    activity = read_activity(db, at) if activity is None else activity
    if activity is None:
        return []
    policies = PolicyFinder(db)
    cards = db.cards
    rows = list(db.locking(cards.select(cards.card_no, cards.level, cards.issued_store_id)
                           .where(cards.status.not_in(_NOT_REVIEWED))
                           .order_by(cards.card_no)))
    changed = []
    for row in rows:
        policy = policies.for_store(row.issued_store_id)
        change = None if policy is None else level_change(policy, row.level,
                                                          activity.get(row.card_no, []), at)
        if change is not None:
            cards.update(level=change.to_code).where(cards.card_no == row.card_no).execute()
            log.info("card %s: level %s -> %s (%s)", row.card_no, change.from_code,
                     change.to_code, change.reason)
            changed.append(row.card_no)
    return changed


def level_change(policy: LevelPolicy, level: str, activities: list[Activity], at: datetime
                 ) -> LevelChange | None:
    """An upgrade if one is reached, else the review's verdict; a level the document does not
    have is left alone (an operator's, or an older document's)."""
    current = level or policy.base.code
    try:
        return upgrade_for(policy, current, activities, at) or review(policy, current,
                                                                       activities, at)
    except DomainError:
        return None


def window_activity(db: HqDatabase, at: datetime, window_days: int) -> Activities:
    """Every card's activities in (at - window_days, at], from the applied events."""
    events = db.events
    quarantined = db.quarantined_events
    rows = (events.select(events.type, events.terminal_at, events.payload)
            .where(events.type.in_(sorted(LEVEL_EVENTS)),
                   events.terminal_at > at - timedelta(days=window_days),
                   events.terminal_at <= at,
                   ~_quarantined(quarantined, events))
            .tuples().iterator())
    return totals_by_card((kind, moment, stored_payload(text)) for kind, moment, text in rows)


def _quarantined(quarantined: Any, events: Any) -> Any:
    """SQL: the event is quarantined (kept whole, applied to nothing)."""
    return fn.EXISTS(quarantined.select(quarantined.id).where(
        (quarantined.terminal_id == events.terminal_id) & (quarantined.seq == events.seq)))


def stored_payload(text: str) -> Mapping[str, Any]:
    """An event's stored payload text as an object ({} if it is not one)."""
    try:
        payload = json.loads(text)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


class PolicyFinder:
    """The level policy in force for a store, decoded once per job run."""

    def __init__(self, db: HqDatabase) -> None:
        self._db = db
        self._by_scope: dict[str, LevelPolicy | None] = {}
        self._regions = {row.store_id: row.region_id for row in db.stores.select()}

    def for_store(self, store_id: str) -> LevelPolicy | None:
        scopes = [f"store:{store_id}"] if store_id else []
        region = self._regions.get(store_id, "")
        scopes += [f"region:{region}"] if region else []
        for scope in [*scopes, "all"]:
            policy = self._policy(scope)
            if policy is not None:
                return policy
        return None

    def _policy(self, scope: str) -> LevelPolicy | None:
        if scope not in self._by_scope:
            rows = self._db.config_documents
            newest = (rows.select(rows.body).where((rows.name == LEVELS) & (rows.scope == scope))
                      .order_by(rows.version.desc()).first())
            self._by_scope[scope] = None if newest is None else _decoded(scope, newest.body)
        return self._by_scope[scope]


def _decoded(scope: str, body: str) -> LevelPolicy | None:
    try:
        return decode_levels(json.loads(body))
    except (DomainError, ValueError) as error:
        log.warning("levels document of %s does not decode, not reviewed: %s", scope, error)
        return None
