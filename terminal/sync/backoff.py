"""Reconnect delays with full jitter: after a broker restart a fleet must not come back in step.

paho doubles one fixed delay; this draws each wait at random between the first delay and the
doubled ceiling of that attempt (capped), and the sync client hands it to paho before every
attempt (`reconnect_delay_set` with min = max = the wait)."""

from __future__ import annotations

import random
from collections.abc import Callable


class ReconnectBackoff:
    def __init__(self, first_s: float = 1.0, ceiling_s: float = 30.0,
                 uniform: Callable[[float, float], float] = random.uniform) -> None:
        if not 0 < first_s <= ceiling_s:
            raise ValueError("need 0 < first_s <= ceiling_s")
        self.first_s, self.ceiling_s = first_s, ceiling_s
        self._uniform = uniform
        self.attempts = 0

    def next_wait(self) -> float:
        """The wait before the next attempt: uniform in [first, min(ceiling, first * 2^n)]."""
        top = min(self.ceiling_s, self.first_s * 2 ** min(self.attempts, 32))
        self.attempts += 1
        return self._uniform(self.first_s, top)

    def connected(self) -> None:
        self.attempts = 0
