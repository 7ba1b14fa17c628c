"""The one place where worker threads reach the UI (DESIGN.md: threads reach Kivy in exactly one
place).

`run(task, on_done, on_error)` runs a task on the cashier worker (one thread: operations never
overlap, so an operation's id is never taken twice) and hands its result or its error to the UI
thread; `post(callback, ...)` hands anything else (a card event, a keypad digit count, a printer
outcome, a sync status change) to the UI thread. The UI never waits on the network, a device or
the disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from huiyuan_devices.errors import DeviceError

from membership.errors import DomainError
from terminal.cashier.store_ports import StoreError

log = logging.getLogger("terminal.ui")
# Errors a cashier can be told about in their language; anything else is a bug, logged in full,
# and shown as a generic failure so that the app keeps running.
EXPECTED_ERRORS = (DomainError, DeviceError, StoreError)
Scheduler = Callable[[Callable[[float], None], float], Any]


def kivy_scheduler(callback: Callable[[float], None], delay: float) -> Any:
    from kivy.clock import Clock

    return Clock.schedule_once(callback, delay)


class UiBridge:
    def __init__(self, schedule: Scheduler = kivy_scheduler) -> None:
        self._schedule = schedule
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cashier")
        self._closed = False

    def post(self, callback: Callable[..., None], *args: Any) -> None:
        """Call `callback(*args)` on the UI thread at the next frame."""
        self._schedule(lambda _dt: callback(*args), 0)

    def run(self, task: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None]) -> Future:
        """Run `task` on the cashier worker; its result or error comes back on the UI thread.
        After close() (the app is stopping) a late card event's task is dropped, not run."""
        if self._closed:
            log.info("app closing: a late task was not run")
            future: Future = Future()
            future.cancel()
            return future
        future = self._worker.submit(task)
        future.add_done_callback(lambda done: self._deliver(done, on_done, on_error))
        return future

    def _deliver(self, done: Future, on_done: Callable[[Any], None],
                 on_error: Callable[[Exception], None]) -> None:
        error = done.exception()
        if error is None:
            self.post(on_done, done.result())
            return
        if not isinstance(error, EXPECTED_ERRORS):
            log.error("unexpected failure in a cashier task", exc_info=error)
        self.post(on_error, error)

    def close(self) -> None:
        self._closed = True
        self._worker.shutdown(wait=True, cancel_futures=True)
