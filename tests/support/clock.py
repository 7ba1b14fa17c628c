"""A clock a test sets and moves: handed to the app's bootstrap (terminal.bootstrap.Overrides)
it is the cashier's, the store's and the sync's "now", so dates the app shows follow the test's
"today" rather than the machine's."""

from __future__ import annotations

from datetime import datetime, timedelta


class SetClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
