"""A far-future time never wins a last-writer-wins (issue 10, point 3).

A member's profile (`members.updated_at`, hq.member_events) and a card's status
(`cards.status_at`, hq.card_events) keep the change with the latest terminal time. A terminal
could date a change years ahead so that every true later change loses; so, for these
comparisons only, a terminal time beyond HQ's receive time plus the allowed clock skew
(`max_clock_skew_s`) counts as the receive time. A terminal whose clock is a little fast (within
the skew) is taken as it is, and nothing is quarantined for it: the event is applied, dated no
later than HQ received it. The event's own row keeps the time the terminal sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta

from hq.times import aware_time, stored_time
from protocol.wire import WireEvent


def not_after_receipt(at: datetime, received_at: datetime, max_skew_s: int) -> datetime:
    """`at`, or the receive time when `at` is beyond it by more than the allowed skew (in the
    form `at` came in: aware or stored naive UTC)."""
    if stored_time(at) <= stored_time(received_at) + timedelta(seconds=max_skew_s):
        return at
    return aware_time(received_at) if at.tzinfo is not None else stored_time(received_at)


def clamped_events(events: Iterable[WireEvent], received_at: datetime, max_skew_s: int
                   ) -> list[WireEvent]:
    """The events as the last-writer-wins rules date them."""
    clamped = []
    for event in events:
        at = not_after_receipt(event.at, received_at, max_skew_s)
        clamped.append(event if at is event.at else dataclasses.replace(event, at=at))
    return clamped
