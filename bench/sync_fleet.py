"""The price-book terminals of bench/sync_bench.py: SyncClients with their real stores, split over
a few worker processes.

Not all in the bench's own process: a terminal holds about ten file descriptors (its MQTT
socket, paho's wake-up socket pair, its SQLite file, WAL and shared memory on each thread's
connection), and paho's network loop calls select(), which cannot watch a descriptor numbered
1024 or above. With 200 terminals in one process only the first ~60 ever connect; the others
see their CONNECT go out and then reconnect forever. A fleet is 200 devices anyway.

Each worker process talks to the bench over a pipe: it opens its stores and says `ready`; on
`connect` it starts its clients and answers with the moment the last one came online; on
`watch` it polls its stores until every one has applied the given catalogue version and answers
with that moment; on `stop` (or when the pipe closes) it stops its clients and exits. Moments
are time.monotonic(), one clock for every process on the machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from terminal.store.store import TerminalStore, open_store
from terminal.sync.client import SyncClient
from terminal.sync.settings import SyncSettings

STEP_TIMEOUT_S = 60.0
POLL_PERIOD_S = 0.1


class FleetFailed(RuntimeError):
    """A worker process failed or did not answer in time."""


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


def _has_catalogue(store: TerminalStore, version: int) -> bool:
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


class Fleet:
    """Terminals in `processes` worker processes (spawned: the bench process has threads)."""

    def __init__(self, stack: ExitStack, folder: Path, port: int,
                 passwords: dict[str, str], processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        ids = sorted(passwords)
        self.pipes: list[Connection] = []
        for index in range(processes):
            share = {tid: passwords[tid] for tid in ids[index::processes]}
            ours, theirs = context.Pipe()
            process = context.Process(target=worker_main, name=f"fleet-{index}", daemon=True,
                                      args=(theirs, str(folder), port, share))
            process.start()
            stack.callback(_end, process, ours)
            self.pipes.append(ours)
        self.size, self.processes = len(ids), processes

    def tell(self, command: str, argument: Any = None) -> None:
        for pipe in self.pipes:
            pipe.send((command, argument))

    def ask(self, command: str, argument: Any = None) -> float:
        """Send a command to every worker; the latest moment they answer with."""
        self.tell(command, argument)
        return self.answers()

    def answers(self) -> float:
        """Every worker's answer to the last command; the latest moment among them."""
        moments = []
        for pipe in self.pipes:
            if not pipe.poll(STEP_TIMEOUT_S + 10):
                raise FleetFailed("a fleet worker did not answer")
            try:
                kind, value = pipe.recv()
            except EOFError:
                raise FleetFailed("a fleet worker exited without answering") from None
            if kind == "error":
                raise FleetFailed(f"a fleet worker failed:\n{value}")
            moments.append(value)
        return max(moments)


def _end(process: multiprocessing.process.BaseProcess, pipe: Connection) -> None:
    """Ask the worker to stop its clients; kill it if it does not within the time."""
    with contextlib.suppress(OSError):  # it is gone already
        pipe.send(("stop", None))
    process.join(timeout=30)
    if process.is_alive():
        process.kill()
        process.join(timeout=5)
    pipe.close()
