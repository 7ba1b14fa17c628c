"""What HQ learns about cards from the events: issue, loss, freeze, replacement, extension and
cancellation change a card's terms or its status; a level reached at the counter its level.

Pure: it works on CardState values that the ingest loads (locked) and writes back. Events from
different terminals arrive in any order, so a status change applies only if it happened (on the
terminal's clock) no earlier than the one already applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any

from hq.times import UTC, local_day
from membership.cards import CardStatus
from membership.profiles import is_uid
from protocol.wire import MAX_ID_LENGTH, WireEvent

# The status each card event leads to (membership.lifecycle.TRANSITIONS, seen from HQ).
_STATUS_AFTER = {
    "card.issued": CardStatus.ACTIVE,
    "card.lost": CardStatus.LOST,
    "card.found": CardStatus.ACTIVE,
    "card.frozen": CardStatus.FROZEN,
    "card.unfrozen": CardStatus.ACTIVE,
    "card.extended": CardStatus.ACTIVE,
    "card.cancelled": CardStatus.CANCELLED,
}
# A member level reached at the counter (membership.level_activity): the level, not the status.
LEVEL_CHANGED = "card.level_changed"
CARD_EVENT_TYPES = frozenset({*_STATUS_AFTER, "card.replaced", LEVEL_CHANGED})
# The statuses the `blacklist` document lists (hq.card_documents).
BLACKLISTED = (CardStatus.LOST.value, CardStatus.FROZEN.value, CardStatus.CANCELLED.value)
# Events that may also change the status of other cards: a subsidiary card follows its parent
# when the parent is replaced or cancelled (hq.subsidiaries).
MOVES_SUBSIDIARIES = frozenset({"card.replaced", "card.cancelled"})


@dataclass(frozen=True)
class CardState:
    card_no: str
    member_id: str = ""
    type_code: str = ""
    status: str = CardStatus.ACTIVE.value
    level: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    replaced_by: str = ""
    status_at: datetime | None = None
    uid: str | None = None
    parent_card_no: str = ""
    quota: int = 0
    issued_store_id: str = ""  # "" unknown (membership.store_rules); a replacement keeps it


# The events that date a card (its issue day, in its store's zone).
DATES_CARDS = frozenset({"card.issued", "card.replaced"})


def card_id(value: Any) -> str:
    """A usable card number from a payload field, or "" (a payload is never trusted)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        return ""
    return "" if "\x00" in value or not value.isprintable() else value


def cards_named(event: WireEvent) -> set[str]:
    """Card numbers a card event changes (a replacement names the old and the new card)."""
    if event.type not in CARD_EVENT_TYPES:
        return set()
    names = ("old_card_no", "new_card_no") if event.type == "card.replaced" else ("card_no",)
    return {card for card in (card_id(event.payload.get(name)) for name in names) if card}


def apply_card_events(
    cards: Mapping[str, CardState], events: Iterable[WireEvent], zone: tzinfo = UTC
) -> dict[str, CardState]:
    """The cards the events change, as they are after them. `cards` holds every card named;
    `zone` is the store's, whose local day is a card's issue day (hq.stores)."""
    current = dict(cards)
    changed: dict[str, CardState] = {}
    for event in events:
        for card in _after(current, event, zone):
            current[card.card_no] = changed[card.card_no] = card
    return changed


def _after(cards: Mapping[str, CardState], event: WireEvent, zone: tzinfo
           ) -> list[CardState]:
    if event.type == "card.replaced":
        return _replaced(cards, event, zone)
    card_no = card_id(event.payload.get("card_no"))
    if event.type == LEVEL_CHANGED:
        return _level_changed(cards.get(card_no), event.payload)
    if event.type not in _STATUS_AFTER or card_no not in cards:
        return []
    card = cards[card_no]
    if event.type == "card.issued":
        card = _issued(card, event, zone)
    elif event.type == "card.extended":
        card = replace(card, expires_on=_day(event.payload.get("expires_on")) or card.expires_on)
    return [_with_status(card, _STATUS_AFTER[event.type], event.at)]


def _issued(card: CardState, event: WireEvent, zone: tzinfo) -> CardState:
    payload = event.payload
    return replace(
        card, member_id=_text(payload, "member_id") or card.member_id,
        type_code=_text(payload, "type_code") or card.type_code,
        level=_text(payload, "level") or card.level,
        issued_on=local_day(event.at, zone), expires_on=_day(payload.get("expires_on")),
        uid=payload.get("uid") if is_uid(payload.get("uid")) else card.uid,
        parent_card_no=_text(payload, "parent_card_no") or card.parent_card_no,
        quota=_quota(payload.get("quota"), card.quota),
    )


def _replaced(cards: Mapping[str, CardState], event: WireEvent, zone: tzinfo
              ) -> list[CardState]:
    old_no = card_id(event.payload.get("old_card_no"))
    new_no = card_id(event.payload.get("new_card_no"))
    if not old_no or not new_no or old_no == new_no or old_no not in cards:
        return []
    old = cards[old_no]
    # The new plastic carries the old card's terms (membership.lifecycle.replace_card).
    # Not its UID: that belongs to the old plastic; a UID-only tag as the new card brings its own.
    bound = event.payload.get("uid")
    known = cards.get(new_no)
    new = replace(old, card_no=new_no, replaced_by="", issued_on=local_day(event.at, zone),
                  status=known.status if known else old.status,
                  status_at=known.status_at if known else None,
                  uid=bound if is_uid(bound) else (known.uid if known else None))
    return [
        _with_status(replace(old, replaced_by=new_no), CardStatus.REPLACED, event.at),
        _with_status(new, CardStatus.ACTIVE, event.at),
    ]


def _level_changed(card: CardState | None, payload: Mapping[str, Any]) -> list[CardState]:
    """The level the terminal moved the card to, if the card was still at the level it moved
    it from (or at none HQ knew): a change HQ made since (its daily review) is not undone by a
    terminal's older view."""
    before, after = _text(payload, "from_level"), _text(payload, "to_level")
    if card is None or not after or card.level not in (before, ""):
        return []
    return [replace(card, level=after)]


def _with_status(card: CardState, status: CardStatus, at: datetime) -> CardState:
    if card.status_at is not None and at < card.status_at:
        return card  # a later change is already applied; this one arrived late
    return replace(card, status=status.value, status_at=at)


def _text(payload: Mapping[str, Any], name: str) -> str:
    return card_id(payload.get(name))


def _quota(value: Any, current: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**62:
        return value
    return current


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
