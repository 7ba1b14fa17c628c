"""The price-book terminals of bench/sync_bench.py: SyncClients with their real stores, split over
a few worker processes (harness/worker_processes.py says why not threads).

Each worker process talks to the bench over a pipe: it opens its stores and says `ready`; on
`connect` it starts its clients and answers with the moment the last one came online; on
`watch` it polls its stores until every one has applied the given catalogue version and answers
with that moment; on `stop` (or when the pipe closes) it stops its clients and exits. Moments
are time.monotonic(), one clock for every process on the machine.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path

from harness.worker_processes import FleetFailed, WorkerProcesses
from terminal.store.store import open_store
from terminal.sync.client import SyncClient
from terminal.sync.ports import HeldDocuments
from terminal.sync.settings import SyncSettings

STEP_TIMEOUT_S = 60.0
POLL_PERIOD_S = 0.1


def _store_id(terminal_id: str) -> str:
    return f"SH{terminal_id[1:4]}"


def _open_clients(stack: ExitStack, folder: Path, port: int, passwords: dict[str, str]
                  ) -> list[SyncClient]:
    clients = []
    for terminal_id, password in passwords.items():
        store = open_store(folder / f"{terminal_id}.sqlite3")
        stack.callback(store.close)
        settings = SyncSettings(terminal_id, password, store_id=_store_id(terminal_id),
                                port=port)
        clients.append(SyncClient(store, settings))
    return clients


def _stop_all(clients: Sequence[SyncClient]) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda client: client.stop(), clients))


def _until(condition: Callable[[], bool], what: str) -> float:
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise FleetFailed(f"timed out waiting for {what}")
        time.sleep(POLL_PERIOD_S)
    return time.monotonic()


def _has_catalogue(store: HeldDocuments, version: int) -> bool:
    return store.applied_versions().get("catalogue", {}).get("version") == version


def _watch(clients: Sequence[SyncClient], version: int) -> float:
    """The moment every store has applied catalogue `version` (polled; done ones skipped)."""
    pending = {client.store for client in clients}

    def all_applied() -> bool:
        pending.difference_update([store for store in list(pending)
                                   if _has_catalogue(store, version)])
        return not pending

    return _until(all_applied, f"catalogue v{version} everywhere")


def _serve(pipe: Connection, clients: list[SyncClient], stack: ExitStack) -> None:
    pipe.send(("ready", time.monotonic()))
    while True:
        command, argument = pipe.recv()
        if command == "connect":
            for client in clients:
                client.start()
            stack.callback(_stop_all, clients)
            pipe.send(("online", _until(lambda: all(c.online.is_set() for c in clients),
                                        "the terminals to come online")))
        elif command == "watch":
            pipe.send(("applied", _watch(clients, argument)))
        else:
            return


def worker_main(pipe: Connection, folder: str, port: int, passwords: dict[str, str]) -> None:
    """A worker process: its terminals, driven by the bench over `pipe`."""
    try:
        with ExitStack() as stack:
            _serve(pipe, _open_clients(stack, Path(folder), port, passwords), stack)
    except EOFError:
        pass  # the bench went away: stop the clients (done above) and exit
    except Exception:
        pipe.send(("error", traceback.format_exc()))


def start_fleet(stack: ExitStack, folder: Path, port: int, passwords: dict[str, str],
                processes: int) -> WorkerProcesses:
    """The terminals dealt round-robin over `processes` workers."""
    ids = sorted(passwords)
    shares = [(str(folder), port, {tid: passwords[tid] for tid in ids[index::processes]})
              for index in range(processes)]
    return WorkerProcesses(stack, worker_main, shares)
