"""The ingest thread of an HQ worker: event batches queue here and are stored in groups.

paho's network thread puts each event message on the queue and goes back to the socket, so
authorisations, lookups and PINs are answered while a group is being stored. The ingest thread
takes the first message (waiting for it), then whatever else is queued already, up to
`group_max` (waiting at most `group_wait_s` for more), hands the group to `store_group` (one
transaction, hq.ingest.group), then to `finish` once it has committed: the answers are
published and the messages acknowledged only then. A message still queued when the worker
stops is never acknowledged: the broker delivers it again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger("hq.ingest_queue")

STOP_WAIT_S = 60.0
Message = TypeVar("Message")
Result = TypeVar("Result")


class IngestQueue(Generic[Message, Result]):
    def __init__(self, store_group: Callable[[Sequence[Message]], Sequence[Result]],
                 finish: Callable[[Sequence[Message], Sequence[Result]], None],
                 group_max: int, group_wait_s: float = 0.0,
                 on_exit: Callable[[], None] = lambda: None) -> None:
        """`on_exit` runs on the ingest thread as it ends (to close its own connection)."""
        self._store_group = store_group
        self._finish = finish
        self._group_max = group_max
        self._group_wait_s = group_wait_s
        self._on_exit = on_exit
        self._queue: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hq-ingest", daemon=True)
            self._thread.start()

    def put(self, message: Message) -> None:
        self._queue.put(message)

    def stop(self) -> None:
        """Let the group under way commit and be acknowledged, then end the thread."""
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(STOP_WAIT_S)
            self._thread = None

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                group = self._next_group()
                if group:
                    self._handle(group)
        finally:
            self._on_exit()

    def _handle(self, group: list[Message]) -> None:
        try:
            results = self._store_group(group)
            self._finish(group, results)
        except Exception:  # a bug: log it, leave the group unacknowledged, keep ingesting
            log.exception("a group of %d event batches failed; left unacknowledged",
                          len(group))

    def _next_group(self) -> list[Message]:
        """The first message (waited for), then what is queued, up to group_max."""
        first = self._queue.get()
        if first is None:
            return []
        group = [first]
        deadline = time.monotonic() + self._group_wait_s
        while len(group) < self._group_max:
            remaining = deadline - time.monotonic()
            try:
                message = (self._queue.get(timeout=remaining) if remaining > 0
                           else self._queue.get_nowait())
            except queue.Empty:
                break
            if message is None:  # stopping: this group is still stored and acknowledged
                break
            group.append(message)
        return group
