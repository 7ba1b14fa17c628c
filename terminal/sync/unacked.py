"""The relay's book of what HQ has not acknowledged yet (issue 11: no retry storm).

Three pieces, each shared by the relay thread and paho's network thread (HQ's acks and resend
requests arrive there), so each holds its own lock:

- AckWait: how long to wait for HQ's watermark to move before probing, backing off with full
  jitter while nothing moves and starting again at the first wait when it does. A fixed period
  would send copies at the same rate however far behind HQ is; those copies queue in the broker
  in front of HQ and slow it further.
- InFlight: the batches published from the relay's position and not yet acknowledged, so that
  the relay can stop publishing new ones when a window of them is out (the events wait safely
  in the outbox) and can name the newest one for a probe.
- ResendRequests: the ranges HQ asked for, waiting to be published again. HQ asks after every
  batch it stores above a gap, so a slow HQ asks for one range many times: a range asked for
  again within the current ack wait is not queued twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable

from terminal.sync.backoff import ReconnectBackoff


class AckWait:
    def __init__(self, first_s: float, ceiling_s: float,
                 uniform: Callable[[float, float], float] = random.uniform,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._backoff = ReconnectBackoff(first_s, max(first_s, ceiling_s), uniform)
        self._now = now
        self._lock = threading.Lock()
        self.wait_s = first_s
        self._since = now()
        self.progressed()

    def progressed(self) -> None:
        """HQ's watermark moved: wait the first wait again, from now."""
        with self._lock:
            self._backoff.reset()
            self.wait_s = self._backoff.next_wait()
            self._since = self._now()

    def idle(self) -> None:
        """Nothing is unacknowledged: the wait starts when something is."""
        with self._lock:
            self._since = self._now()

    def due(self) -> bool:
        with self._lock:
            return self._now() - self._since >= self.wait_s

    def probed(self) -> None:
        """A probe went out: wait longer (doubling ceiling, capped) before the next one."""
        with self._lock:
            self.wait_s = self._backoff.next_wait()
            self._since = self._now()


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batches: deque[tuple[int, int]] = deque()  # (first seq, last seq), oldest first

    def published(self, first: int, last: int) -> None:
        with self._lock:
            self._batches.append((first, last))

    def acknowledged(self, watermark: int) -> None:
        with self._lock:
            while self._batches and self._batches[0][1] <= watermark:
                self._batches.popleft()

    def count(self) -> int:
        with self._lock:
            return len(self._batches)

    def newest(self) -> tuple[int, int] | None:
        with self._lock:
            return self._batches[-1] if self._batches else None

    def clear(self) -> None:
        with self._lock:
            self._batches.clear()


class ResendRequests:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._pending: deque[tuple[int, int]] = deque()  # (publish after seq, up to seq)
        self._asked: list[tuple[int, int, float]] = []  # (first, last, when queued)

    def ask(self, first: int, last: int, within_s: float) -> bool:
        """Queue HQ's range unless the same range (or a wider one) was queued within
        `within_s` s: its copy may still be on its way. True when queued."""
        now = self._now()
        with self._lock:
            self._asked = [asked for asked in self._asked if now - asked[2] < within_s]
            if any(was_first <= first and last <= was_last
                   for was_first, was_last, _ in self._asked):
                return False
            self._asked.append((first, last, now))
            self._pending.append((first - 1, last))
            return True

    def next_range(self) -> tuple[int, int] | None:
        """The oldest range still to publish: (after seq, up to seq)."""
        with self._lock:
            return self._pending[0] if self._pending else None

    def advance(self, published_up_to: int) -> None:
        """The oldest range is published up to this seq; dropped once published to its end."""
        with self._lock:
            if not self._pending:
                return
            _, last = self._pending[0]
            if published_up_to >= last:
                self._pending.popleft()
            else:
                self._pending[0] = (published_up_to, last)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._asked.clear()
