"""Per-terminal bounds on what one terminal may ask of HQ (issue 10, point 7), counted in this
worker's memory: member lookups per minute, offline PIN verifiers handed out per hour, and the
distinct cards on which it may count wrong PINs per day.

In memory, not in the database: a lookup stays a read, and a count costs no write. Each `hq
serve` process counts only the requests it answers, so with W workers sharing a terminal's
requests the terminal reaches at most W times each bound; a restart forgets the counts. Terminal
ids come from the broker's per-account topics, so the maps hold at most one entry per terminal
of the fleet. Thread-safe: paho's callbacks and timers may call from different threads.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from hq.times import stored_time

LOOKUPS_PER_MINUTE = 30  # a busy counter serves a member every 20 s or so
VERIFIERS_PER_HOUR = 60  # offline PIN verifiers: only for cards read at the terminal
FAILED_CARDS_PER_DAY = 10  # distinct cards a terminal may count wrong PINs on


class RateLimit:
    """At most `limit` uses per terminal in any `period` (a sliding window)."""

    def __init__(self, limit: int, period: timedelta) -> None:
        self.limit, self.period = limit, period
        self._uses: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def take(self, terminal_id: str, now: datetime) -> bool:
        """Counts one use and returns True, or returns False (uncounted) when over the limit."""
        now = stored_time(now)  # HQ's clock as stored: naive UTC, whatever it was given as
        with self._lock:
            uses = self._uses.setdefault(terminal_id, deque())
            while uses and uses[0] <= now - self.period:
                uses.popleft()
            if len(uses) >= self.limit:
                return False
            uses.append(now)
            return True


class FailedCardLimit:
    """At most `limit` distinct cards per terminal on which it counted a wrong PIN in the last
    `period`. A card already among them may still be checked: its own lockout bounds it."""

    def __init__(self, limit: int, period: timedelta) -> None:
        self.limit, self.period = limit, period
        self._failed: dict[str, dict[str, datetime]] = {}  # terminal -> card -> last failure
        self._lock = threading.Lock()

    def allows(self, terminal_id: str, card_no: str, now: datetime) -> bool:
        now = stored_time(now)
        with self._lock:
            cards = self._recent(terminal_id, now)
            return card_no in cards or len(cards) < self.limit

    def count_failure(self, terminal_id: str, card_no: str, now: datetime) -> None:
        now = stored_time(now)
        with self._lock:
            self._recent(terminal_id, now)[card_no] = now

    def _recent(self, terminal_id: str, now: datetime) -> dict[str, datetime]:
        """The terminal's cards failed within the period; `now` as stored_time gives it."""
        cards = self._failed.setdefault(terminal_id, {})
        for card_no in [card for card, at in cards.items() if at <= now - self.period]:
            del cards[card_no]
        return cards


def lookup_limit() -> RateLimit:
    return RateLimit(LOOKUPS_PER_MINUTE, timedelta(minutes=1))


def verifier_limit() -> RateLimit:
    return RateLimit(VERIFIERS_PER_HOUR, timedelta(hours=1))


def failed_card_limit() -> FailedCardLimit:
    return FailedCardLimit(FAILED_CARDS_PER_DAY, timedelta(days=1))
