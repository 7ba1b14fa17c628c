"""A terminal's `card.level_changed` is applied only when HQ reaches the same level itself.

A level is money: a higher one prices every later sale lower (and HQ's sale re-decision, hq.ingest
.redecide, prices at the level HQ holds). So a terminal's upgrade, like any of its events, is a
claim HQ checks (DESIGN.md decision 11): with the levels document in force for the card's issuing
store (hq.job_level_review.PolicyFinder) and the card's activity as HQ knows it — the applied
events in the window that moved the card's ledger, and the batch's own events allowed before
this one — the core's `upgrade_for` must reach at least the level the terminal moved the card
to. Otherwise the event is quarantined and the card keeps its level:

- `level_not_reached`: HQ's activity does not reach it, or it is not above the level moved from;
- `level_unknown`: no levels document is in force for the card's store, or it has no such level;
- `level_card_unknown`: HQ does not know the card.

HQ counts what moved the card's ledger (a top-up's principal, a sale paid in part by the card or
earning points on it): a sale paid all in cash that earned no points is not found by the card,
so an upgrade resting on such sales alone waits for HQ's daily review (hq.jobs), which reads
every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hq.card_events import card_id
from hq.db import HqDatabase
from hq.ingest.batch_facts import BatchCards
from hq.ingest.rows import PreparedEvent
from hq.job_level_review import PolicyFinder, stored_payload
from membership.errors import DomainError
from membership.level_activity import LEVEL_EVENTS, event_activities
from membership.levels import Activity, upgrade_for

LEVEL_CHANGED = "card.level_changed"
NOT_REACHED = "level_not_reached"
UNKNOWN_LEVEL = "level_unknown"
UNKNOWN_CARD = "level_card_unknown"


class LevelChecks:
    """The batch's level changes judged against HQ's own view; reads only for such events."""

    def __init__(self, db: HqDatabase, cards: BatchCards, store_id: str) -> None:
        """`cards`: the batch's cards; `store_id`: the store of the batch's terminal, which
        issues a card the batch enrols."""
        self._db = db
        self._cards = cards
        self._store_id = store_id
        self._policies = PolicyFinder(db)

    def reason(self, prepared: PreparedEvent, allowed: Sequence[PreparedEvent]) -> str:
        """"" when HQ reaches the level the event moves the card to; `allowed`: the batch's
        events allowed before it."""
        payload = prepared.event.payload
        card_no = card_id(payload.get("card_no"))
        before, after = card_id(payload.get("from_level")), card_id(payload.get("to_level"))
        store_id = self._issuing_store(card_no) if card_no else None
        if store_id is None:
            return UNKNOWN_CARD
        policy = self._policies.for_store(store_id)
        ranks = {} if policy is None else {level.code: level.rank for level in policy.levels}
        if policy is None or after not in ranks or (before and before not in ranks):
            return UNKNOWN_LEVEL
        current = before or policy.base.code
        at = prepared.event.at
        activities = [*self._applied(card_no, at, policy.window_days),
                      *_batch_activities(card_no, allowed)]
        try:
            change = upgrade_for(policy, current, activities, at)
        except DomainError:
            return UNKNOWN_LEVEL
        reached = ranks[change.to_code] if change is not None else ranks[current]
        if ranks[after] <= ranks[current] or ranks[after] > reached:
            return NOT_REACHED
        return ""

    def _issuing_store(self, card_no: str) -> str | None:
        """The store that issued the card, this batch's if the batch enrolled it; None when
        HQ does not know the card."""
        if self._cards.get(card_no) is None:
            return None
        cards = self._db.cards
        row = (cards.select(cards.issued_store_id)
               .where((cards.card_no == card_no) & (cards.type_code != "")).tuples().first())
        return self._store_id if row is None else row[0]

    def _applied(self, card_no: str, at: datetime, window_days: int) -> list[Activity]:
        """The card's activities in the window from the applied events that moved its ledger
        (the ledger holds only applied events' entries)."""
        param = self._db.database.param
        start = at - timedelta(days=window_days)
        rows = self._db.database.execute_sql(
            'SELECT "type", "terminal_at", "payload" FROM "events" WHERE "op_id" IN '
            f'(SELECT "op_id" FROM "ledger_entries" WHERE "card_no" = {param} AND "at" > {param}) '
            f'AND "terminal_at" > {param} AND "terminal_at" <= {param}',
            [card_no, start, start, at]).fetchall()
        return [activity for event_type, moment, text in rows if event_type in LEVEL_EVENTS
                for card, activity in event_activities(event_type, _time(moment),
                                                       stored_payload(text)).items()
                if card == card_no]


def _batch_activities(card_no: str, allowed: Sequence[PreparedEvent]) -> list[Activity]:
    return [activity for prepared in allowed if prepared.event.type in LEVEL_EVENTS
            for card, activity in event_activities(prepared.event.type, prepared.event.at,
                                                   prepared.event.payload).items()
            if card == card_no]


def _time(moment: datetime | str) -> datetime:
    """SQLite hands a plain query's times back as text."""
    return moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
