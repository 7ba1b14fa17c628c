"""What a batch's checks read from HQ's tables, read once a batch (hq.ingest.quarantine).

The top-up bonus, purchase, timed-session, card-service and sale checks each read the card
types HQ has published (every version: an honest terminal may still price with an older one)
and the type of the cards they judge. Each used to read them itself, so a batch paid four
copies of the same queries, and the published bodies grew with every version (bench: the
verification's per-batch reads were a fifth of its cost). Now:

- `published_card_types(db)`: every published version of the card types and of the points
  rules' gifts, decoded once per database and process; a batch asks only how many versions
  there are (one aggregate query) and reloads a name when that changed;
- `BatchCards`: the cards the batch names, from one query, as the batch's own earlier card
  events leave them (a card enrolled or replaced offline, used before HQ applied it).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hq.db import HqDatabase
from hq.ingest.published import PerDatabase
from hq.ingest.rows import PreparedEvent
from membership.cards import Card, CardType
from membership.config_codec_cards import CARD_TYPES, decode_card_types
from membership.config_codec_rules import POINTS_RULES, decode_points_rules
from membership.errors import ConfigError
from membership.points import Gift

_CARD_FIELDS = ("card_no", "actor_card_no", "old_card_no", "new_card_no")
_WATCHED = (CARD_TYPES, POINTS_RULES)


@dataclass(frozen=True)
class PublishedRules:
    """Every published version's card types, and gifts, in publishing order."""

    card_types: tuple[CardType, ...] = ()
    gifts: tuple[Gift, ...] = ()


class _PublishedCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, int]] = {}  # name -> (versions, highest id)
        self._rules = PublishedRules()

    def rules(self, db: HqDatabase) -> PublishedRules:
        # Count and highest id together: on PostgreSQL two publishes may commit out of id
        # order, so a higher id alone could hide a lower one committed later.
        seen = {name: (int(count), int(highest)) for name, count, highest in
                db.database.execute_sql(
                    'SELECT "name", COUNT(*), MAX("id") FROM "config_documents" '
                    f'WHERE "name" IN ({db.database.param}, {db.database.param}) GROUP BY "name"',
                    list(_WATCHED)).fetchall()}
        with self._lock:
            if seen == self._seen:
                return self._rules
        rules = _read_rules(db)
        with self._lock:
            self._seen, self._rules = seen, rules
        return rules


def _read_rules(db: HqDatabase) -> PublishedRules:
    types: list[CardType] = []
    gifts: list[Gift] = []
    docs = db.config_documents
    for name, body in docs.select(docs.name, docs.body).where(docs.name.in_(_WATCHED)).order_by(
            docs.id).tuples():
        if name == CARD_TYPES:
            types.extend(decoded_card_types(body))
        else:
            gifts.extend(_decoded_gifts(body))
    return PublishedRules(tuple(types), tuple(gifts))


_RULES = PerDatabase(_PublishedCache)


def published_rules(db: HqDatabase) -> PublishedRules:
    """The card types and gifts of every version `db` holds."""
    return _RULES.of(db).rules(db)


@functools.lru_cache(maxsize=64)
def decoded_card_types(body: str) -> tuple[CardType, ...]:
    """By the body's text: each published version is decoded once per process."""
    try:
        return tuple(decode_card_types(json.loads(body)))
    except (ConfigError, ValueError, TypeError, KeyError):  # unreadable: it offers nothing
        return ()


@functools.lru_cache(maxsize=64)
def _decoded_gifts(body: str) -> tuple[Gift, ...]:
    try:
        return decode_points_rules(json.loads(body)).gifts
    except (ConfigError, ValueError, TypeError, KeyError):  # unreadable: it offers nothing
        return ()


class BatchCards:
    """The cards a batch's events name, as HQ knows them, then as the batch's
    `card.issued` and `card.replaced` leave them, and its `card.level_changed` once the screen
    allows it (`reach_level`): a sale after a level reached at the counter is priced at it.
    A card HQ has only as a bare row, made for a balance before its enrolment arrived, counts
    as unknown."""

    def __init__(self, db: HqDatabase, events: Sequence[PreparedEvent]) -> None:
        wanted = {value for prepared in events for name in _CARD_FIELDS
                  if isinstance(value := prepared.event.payload.get(name), str) and value}
        self._cards: dict[str, Card] = {}
        if wanted:
            rows = db.database.execute_sql(  # plain SQL: it runs in every ingest transaction
                'SELECT "card_no", "member_id", "type_code", "level" FROM "cards" '
                f'WHERE {db.among("card_no")} AND "type_code" <> \'\'',
                [db.list_parameter(sorted(wanted))])
            for card_no, member_id, type_code, level in rows.fetchall():
                self._cards[card_no] = Card(card_no, member_id, type_code, level=level)
        for prepared in events:
            _follow(self._cards, prepared.event.type, prepared.event.payload)

    def get(self, card_no: str) -> Card | None:
        return self._cards.get(card_no)

    def reach_level(self, payload: dict[str, Any]) -> None:
        """A `card.level_changed` the screen allowed (hq.ingest.level_checks), as
        hq.card_events applies it: a later sale of the batch is priced at the new level. Only
        an allowed one: a terminal's claim of a level would otherwise price its own sales."""
        card = self._cards.get(_text(payload.get("card_no")))
        after = _text(payload.get("to_level"))
        if card is not None and after and card.level in (_text(payload.get("from_level")), ""):
            self._cards[card.card_no] = replace(card, level=after)

    def type_of(self, card_no: str) -> str | None:
        """The card's type code; None when HQ does not know the card's type."""
        card = self._cards.get(card_no)
        return card.type_code if card is not None else None

    def types_of(self, card_no: str, published: Iterable[CardType]) -> list[CardType]:
        """Every published version of the card's type; of every type when unknown (its
        enrolment may be in a gap still coming)."""
        code = self.type_of(card_no)
        return [card_type for card_type in published if code in (None, card_type.code)]


def _follow(cards: dict[str, Card], event_type: str, payload: dict[str, Any]) -> None:
    if event_type == "card.issued":
        card_no, type_code = _text(payload.get("card_no")), _text(payload.get("type_code"))
        if card_no and type_code and card_no not in cards:
            cards[card_no] = Card(card_no, _text(payload.get("member_id")), type_code,
                                  level=_text(payload.get("level")))
    elif event_type == "card.replaced":
        old = cards.get(_text(payload.get("old_card_no")))
        new_no = _text(payload.get("new_card_no"))
        if old is not None and new_no and new_no not in cards:
            cards[new_no] = Card(new_no, old.member_id, old.type_code, level=old.level)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
