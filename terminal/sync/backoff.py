"""Waits that back off with full jitter: after a broker restart a fleet must not come back in
step, and while HQ is slow a fleet must not ask it again in step.

paho doubles one fixed delay; this draws each wait at random between the first delay and the
doubled ceiling of that attempt (capped). The sync client hands a draw to paho before every
reconnect attempt (`reconnect_delay_set` with min = max = the wait), and draws the relay's wait
for HQ's acknowledgement the same way (terminal.sync.unacked.AckWait)."""

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

    def reset(self) -> None:
        """The last attempt worked: the next wait is the first again."""
        self.attempts = 0

    def connected(self) -> None:
        self.reset()
