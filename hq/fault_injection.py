"""A test-only switch to kill `hq serve` at a chosen point (issue 11, point 3).

`HQ_FAULT_EXIT_AFTER_COMMITS=N` makes the worker exit at once (`os._exit(137)`, as a kill -9
would leave it: nothing flushed, nothing acknowledged) right after its Nth group commit and
before any of that group's answers or acknowledgements: the window a fault test must hit to
show that a committed but unacknowledged group is neither lost nor doubled. Only
tests/integration/test_group_commit_faults.py sets it; nothing but this module reads it, and
unset (as in production) it does nothing. docs/operations.md lists it as test-only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

FAULT_EXIT_ENV = "HQ_FAULT_EXIT_AFTER_COMMITS"
FAULT_EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL

log = logging.getLogger("hq.fault_injection")


def exit_after_commits(environ: dict[str, str] | None = None) -> Callable[[], None]:
    """Called after each group commit: a no-op, or the exit on the Nth call."""
    text = (os.environ if environ is None else environ).get(FAULT_EXIT_ENV, "")
    if not text:
        return _nothing
    remaining = [int(text)]
    log.warning("%s=%s: this worker exits after that many group commits (tests only)",
                FAULT_EXIT_ENV, text)

    def count_commit() -> None:
        remaining[0] -= 1
        if remaining[0] == 0:
            os._exit(FAULT_EXIT_CODE)

    return count_commit


def _nothing() -> None:
    return None
