"""Whose turn it is to write to SQLite within one HQ worker: a waiting request goes first.

SQLite has one write lock. A writer that finds it taken polls with sleeps that grow to 100 ms
(its busy handler), so a request on the network thread that waits for the ingest thread's
group commits both waits out a whole group and then oversleeps, and may lose the lock again
to the next group. Measured through the broker (bench/broker_ingest_bench.py, SQLite, 1 worker,
groups of up to 64): authorisation p99 510 ms. Within a worker the two threads take turns
here instead, on a Python lock that wakes a waiter at once: the network thread announces a
request before it waits, the ingest thread ends its group after the batch under way when one
is announced (hq.ingest.group), and does not begin another while one waits.

PostgreSQL locks rows, not the database: an authorisation waits only for the card it reads, so
there the turns are not taken (`enabled=False`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class WriteTurns:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._requests_waiting = 0

    @contextmanager
    def request(self) -> Iterator[None]:
        """Around a request's handling (the network thread): before the next batch."""
        if not self.enabled:
            yield
            return
        with self._changed:
            self._requests_waiting += 1
        try:
            with self._lock:
                yield
        finally:
            with self._changed:
                self._requests_waiting -= 1
                self._changed.notify_all()

    @contextmanager
    def ingest(self) -> Iterator[None]:
        """Around a group's transaction (the ingest thread), once no request waits."""
        if not self.enabled:
            yield
            return
        with self._changed:
            self._changed.wait_for(lambda: self._requests_waiting == 0)
        with self._lock:
            yield

    def request_waiting(self) -> bool:
        """A request waits: the group under way should commit after its current batch."""
        return self.enabled and self._requests_waiting > 0
