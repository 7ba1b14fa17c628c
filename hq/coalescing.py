"""Run an action at most once per interval however often it is asked for, and never miss a
request: the first request after a quiet interval runs the action at once; requests within the
interval (or while it runs) get one run at the end of the interval, which starts after all of
them, so it sees everything committed before them.

HQ uses it for the `coupons_used` document (hq.service): many coupon sales a second across the
fleet would otherwise republish the whole list to every terminal after every batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


STOP_WAIT_S = 30.0

# schedule(delay_s, run): call `run` once, in its own thread, after `delay_s` seconds.
Schedule = Callable[[float, Callable[[], None]], Cancellable]


def start_timer(delay_s: float, run: Callable[[], None]) -> threading.Timer:
    timer = threading.Timer(delay_s, run)
    timer.daemon = True  # a pending run must not keep a stopping process alive
    timer.start()
    return timer


class Coalescer:
    """`action` must not raise (it logs its own failures). Thread-safe: `request` may come from
    any thread, and never waits for a run in another thread."""

    def __init__(self, action: Callable[[], None], interval_s: float,
                 schedule: Schedule = start_timer,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._action = action
        self._interval_s = interval_s
        self._schedule = schedule
        self._clock = clock
        self._lock = threading.Condition()
        self._last_start: float | None = None
        self._running = False
        self._asked_while_running = False
        self._pending: Cancellable | None = None
        self._stopped = False

    def request(self) -> None:
        """Run the action now, or once at the end of the interval since the last run began."""
        with self._lock:
            if self._stopped or self._pending is not None:
                return  # the scheduled run starts after this request: it covers it
            if self._running:
                self._asked_while_running = True  # the run under way may have begun before
                return
            wait = self._wait()
            if wait > 0:
                self._pending = self._schedule(wait, self._run_scheduled)
                return
            self._begin()
        self._run()

    def stop(self, timeout_s: float = STOP_WAIT_S) -> None:
        """Cancel the scheduled run, if any, and wait (up to `timeout_s`) for a run under way in
        another thread to end; later requests do nothing."""
        with self._lock:
            self._stopped = True
            if self._pending is not None:
                self._pending.cancel()
                self._pending = None
            self._lock.wait_for(lambda: not self._running, timeout_s)

    def _wait(self) -> float:
        if self._last_start is None:
            return 0.0
        return self._last_start + self._interval_s - self._clock()

    def _begin(self) -> None:
        self._running = True
        self._last_start = self._clock()

    def _run_scheduled(self) -> None:
        with self._lock:
            self._pending = None
            if self._stopped:
                return
            if self._running:
                self._asked_while_running = True
                return
            self._begin()
        self._run()

    def _run(self) -> None:
        try:
            self._action()
        finally:
            with self._lock:
                self._running = False
                self._lock.notify_all()
                if self._asked_while_running and not self._stopped:
                    self._asked_while_running = False
                    self._pending = self._schedule(max(self._wait(), 0.0), self._run_scheduled)
