"""What counts towards a member level (会员等级): the spend and points of one event.

**Spend** is the money the member put into the store, net of what went back out:
- a top-up's principal (`card.topped_up` `paid`; its bonus is not money paid);
- what a sale, a count package, prepaid time, a period pass or a timed session was paid with in
  money (cash, bank card, WeChat, Alipay), less the change given;
- minus the money a refund or void paid back (`tender_refunds` in money tenders), a withdrawal
  (`card.withdrawn` `amount`) and the principal a cancellation paid back (`refund_to_member`).

What stored value pays is not spend again: that money was counted when it was topped up. Fees
(join, replacement, extension) are not spend. So a member who tops up ¥5,000 and spends it
counts ¥5,000 once, and a top-up withdrawn again counts nothing.

**Points** are the points entries of kind `earn` and `refund` (a clawback) on the card: what the
member earned, net of what refunds took back. Redeeming or expiry does not lower them.

Pure: `event_activities` reads an event as the wire carries it (type, time, payload) and is
used by the terminal (the upgrade at the counter) and by HQ (its daily level review).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from membership.levels import Activity, LevelChange

MONEY_TENDER_KINDS = frozenset({"cash", "bank_card", "wechat", "alipay"})
# Events whose money tenders pay for something the member gets (not a fee).
PAID_EVENTS = frozenset({"sale.completed", "package.purchased", "pass.purchased",
                         "time.purchased", "time.session_closed"})
REFUND_EVENTS = frozenset({"sale.refunded", "sale.voided"})
TOPUP_EVENT = "card.topped_up"
# Every event type that can change a card's level totals.
LEVEL_EVENTS = frozenset({*PAID_EVENTS, *REFUND_EVENTS, TOPUP_EVENT, "card.withdrawn",
                          "card.cancelled"})
_POINTS_KINDS = frozenset({"earn", "refund"})


def event_activities(event_type: str, at: datetime, payload: Mapping[str, Any]
                     ) -> dict[str, Activity]:
    """card_no -> the event's spend and points on that card (cards with neither left out).
    A malformed field counts as nothing: the payload comes from a terminal."""
    spend = _spend(event_type, payload)
    points = _points(payload.get("entries"))
    card_no = payload.get("card_no")
    if isinstance(card_no, str) and card_no and spend:
        points.setdefault(card_no, 0)
    activities = {card: Activity(at, spend if card == card_no else 0, earned)
                  for card, earned in points.items()}
    return {card: activity for card, activity in activities.items()
            if activity.spend or activity.points}


def totals_by_card(events: Iterable[tuple[str, datetime, Mapping[str, Any]]]
                   ) -> dict[str, list[Activity]]:
    """Every card's activities over `events` (type, time, payload), in the order given."""
    by_card: dict[str, list[Activity]] = {}
    for event_type, at, payload in events:
        for card_no, activity in event_activities(event_type, at, payload).items():
            by_card.setdefault(card_no, []).append(activity)
    return by_card


def _spend(event_type: str, payload: Mapping[str, Any]) -> int:
    if event_type == TOPUP_EVENT:
        return _amount(payload.get("paid"))
    if event_type in PAID_EVENTS:
        return max(0, _money_tenders(payload.get("tenders")) - _amount(payload.get("change")))
    if event_type in REFUND_EVENTS:
        return -_money_refunds(payload.get("tender_refunds"))
    if event_type == "card.withdrawn":
        return -_amount(payload.get("amount"))
    if event_type == "card.cancelled":
        return -_amount(payload.get("refund_to_member"))
    return 0


def _money_tenders(tenders: Any) -> int:
    if not isinstance(tenders, list):
        return 0
    return sum(_amount(tender.get("amount")) for tender in tenders
               if isinstance(tender, Mapping) and tender.get("kind") in MONEY_TENDER_KINDS)


def _money_refunds(pairs: Any) -> int:
    if not isinstance(pairs, list):
        return 0
    return sum(_amount(pair[1]) for pair in pairs
               if isinstance(pair, list | tuple) and len(pair) == 2
               and pair[0] in MONEY_TENDER_KINDS)


def _points(entries: Any) -> dict[str, int]:
    points: dict[str, int] = {}
    if not isinstance(entries, list):
        return points
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("account") != "points":
            continue
        card_no, delta = entry.get("card_no"), entry.get("delta")
        if entry.get("kind") in _POINTS_KINDS and isinstance(card_no, str) and card_no \
                and isinstance(delta, int) and not isinstance(delta, bool):
            points[card_no] = points.get(card_no, 0) + delta
    return points


def _amount(value: Any) -> int:
    return value if _is_int(value) and value > 0 else 0


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


LEVEL_CHANGED = "card.level_changed"
# The events after which a terminal evaluates an upgrade at the counter (a qualifying sale or
# top-up): money paid in, or points earned.
QUALIFYING_EVENTS = frozenset({*PAID_EVENTS, TOPUP_EVENT})


def level_changed_payload(card_no: str, change: LevelChange) -> dict[str, Any]:
    """The payload of a `card.level_changed` event (docs/protocol.md)."""
    return {"card_no": card_no, "from_level": change.from_code, "to_level": change.to_code,
            "reason": change.reason}
