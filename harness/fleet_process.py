"""One worker process of the fleet simulator: its share of the terminals, driven over a pipe.

Commands, each answered once: (on start) `ready` once every terminal is online; `go` sells the
operations on one thread per terminal and answers `drained` with the moment every outbox was
empty (HQ acknowledges only after its commit, so drained means stored at HQ); `reconcile`
compares each terminal's journal with HQ's database and answers with the counts; `stop` closes.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from harness.fleet_terminal import SimulatedTerminal
from harness.reconcile import Reconciliation, reconcile_terminal
from hq.db import open_database
from terminal.sync.settings import SyncSettings

ONLINE_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 600.0
STORE_ID = "SH001"


def fleet_process_main(pipe: Connection, folder: str, port: int, passwords: dict[str, str],
                       seeds: dict[str, int], operations: int, database_url: str,
                       timers: dict[str, Any] | None = None) -> None:
    """`timers`: SyncSettings' timers for every terminal (production's when None)."""
    try:
        with ExitStack() as stack:
            fleet = [open_terminal(stack, Path(folder), port, tid, password, seeds[tid],
                                    timers or {})
                     for tid, password in passwords.items()]
            _serve(pipe, fleet, operations, database_url)
    except EOFError:
        pass  # the simulator went away: the terminals were closed above
    except Exception:
        pipe.send(("error", traceback.format_exc()))


def open_terminal(stack: ExitStack, folder: Path, port: int, terminal_id: str, password: str,
                  seed: int, timers: dict[str, Any]) -> SimulatedTerminal:
    """A simulated terminal of the fleet's store, its sync started, closed with `stack`."""
    settings = SyncSettings(terminal_id, password, store_id=STORE_ID, port=port, **timers)
    terminal = SimulatedTerminal.open(terminal_id, folder, settings, seed)
    stack.callback(terminal.close)
    terminal.configured_sync.start()
    return terminal


def _serve(pipe: Connection, fleet: list[SimulatedTerminal], operations: int,
           database_url: str) -> None:
    wait_until(lambda: all(t.configured_sync.online.is_set() for t in fleet), ONLINE_TIMEOUT_S)
    pipe.send(("ready", None))
    while True:
        command, _ = pipe.recv()
        if command == "go":
            _sell(fleet, operations)
            wait_until(lambda: all(t.store.outbox_depth() == 0 for t in fleet),
                        DRAIN_TIMEOUT_S)
            pipe.send(("drained", time.monotonic()))
        elif command == "reconcile":
            pipe.send(("result", reconcile_fleet(fleet, database_url)))
        else:
            return


def _sell(fleet: list[SimulatedTerminal], operations: int) -> None:
    def sell(terminal: SimulatedTerminal) -> None:
        for _ in range(operations):
            terminal.step()

    threads = [threading.Thread(target=sell, args=(terminal,)) for terminal in fleet]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def reconcile_fleet(fleet: list[SimulatedTerminal], database_url: str) -> Reconciliation:
    """Every terminal's outbox and ledger against HQ's (the database HQ's workers migrated)."""
    db = open_database(database_url, migrate=False)
    try:
        total = Reconciliation()
        for terminal in fleet:
            total += reconcile_terminal(db, terminal.terminal_id, terminal.store,
                                        sorted(terminal.cards))
        return total
    finally:
        db.close()


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll; False on time-out (the reconciliation then shows what did not arrive)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
