"""Whose turn it is to write to SQLite within one HQ worker: a waiting request goes first.

SQLite has one write lock. A writer that finds it taken polls with sleeps that grow to 100 ms
(its busy handler), so a request on the network thread that waits for the ingest thread's
group commits both waits out a whole group and then oversleeps, and may lose the lock again
to the next group. Measured through the broker (bench/broker_ingest_bench.py, SQLite, 1 worker,
groups of up to 64): authorisation p99 510 ms. Within a worker the two threads take turns
here instead, on a Python lock that wakes a waiter at once: the network thread announces a
request before it waits, the ingest thread ends its group after the batch under way when one
is announced (hq.ingest.group), and does not begin another while one waits.

Several worker processes on one SQLite file (`lock_path`): SQLite's own lock is no queue, and a
request that found it taken slept in its busy handler while the other worker's ingest began its
next group, again and again (bench/broker_ingest_bench.py, SQLite, 2 workers: authorisation p99
1.8 s). The workers take turns on two files beside the database too, with flock: a request holds
`.waiting` shared until it has `.writer`; an ingest group passes through `.waiting` exclusive (so
does not begin while any worker's request waits) before it takes `.writer`, and between its
batches commits early when it cannot take `.waiting` at once. The kernel wakes a waiter as a
lock is released, and frees a killed worker's locks.

PostgreSQL locks rows, not the database: an authorisation waits only for the card it reads, so
there the turns are not taken (`enabled=False`).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


class WriteTurns:
    def __init__(self, enabled: bool = True, lock_path: Path | None = None) -> None:
        """`lock_path`: the SQLite file, for turns with other worker processes on it too."""
        self.enabled = enabled
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._requests_waiting = 0
        self._files = FileTurns(lock_path) if enabled and lock_path is not None else None

    @contextmanager
    def request(self) -> Iterator[None]:
        """Around a request's handling (the network thread): before the next batch."""
        if not self.enabled:
            yield
            return
        with self._changed:
            self._requests_waiting += 1
        try:
            with self._lock, ExitStack() as across:
                if self._files is not None:
                    across.enter_context(self._files.request())
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
        with self._lock, ExitStack() as across:
            if self._files is not None:
                across.enter_context(self._files.ingest())
            yield

    def request_waiting(self) -> bool:
        """A request waits (this worker's, or another's on the same file): the group under
        way should commit after its current batch."""
        if not self.enabled:
            return False
        return self._requests_waiting > 0 or (self._files is not None
                                              and self._files.request_waiting())


class FileTurns:
    """The turns between worker processes: flock on `<database>.waiting` and `.writer`. Each
    thread opens the files itself: flock locks belong to an open file, so two threads of one
    process are two lockers."""

    def __init__(self, database: Path) -> None:
        self._paths = (database.with_name(database.name + ".waiting"),
                       database.with_name(database.name + ".writer"))
        self._opened = threading.local()

    def _files(self) -> tuple[int, int]:
        files: tuple[int, int] | None = getattr(self._opened, "files", None)
        if files is None:
            waiting, writer = (os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                               for path in self._paths)
            files = self._opened.files = (waiting, writer)
        return files

    @contextmanager
    def request(self) -> Iterator[None]:
        waiting, writer = self._files()
        fcntl.flock(waiting, fcntl.LOCK_SH)  # seen by every worker's ingest as a request waiting
        try:
            fcntl.flock(writer, fcntl.LOCK_EX)
        finally:
            fcntl.flock(waiting, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(writer, fcntl.LOCK_UN)

    @contextmanager
    def ingest(self) -> Iterator[None]:
        waiting, writer = self._files()
        # A gate, not held while waiting for the writer: a request that comes meanwhile must
        # not queue behind this group (it makes the group commit after one batch instead).
        fcntl.flock(waiting, fcntl.LOCK_EX)  # once no request of any worker waits
        fcntl.flock(waiting, fcntl.LOCK_UN)
        fcntl.flock(writer, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(writer, fcntl.LOCK_UN)

    def request_waiting(self) -> bool:
        waiting, _ = self._files()
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(waiting, fcntl.LOCK_UN)
        return False
