"""Many simulated terminals in one host process, for bench/fleet_scale_bench.py.

Each terminal is `harness.fleet_terminal.SimulatedTerminal`: its own client id and broker
account, its own SQLite store and outbox, its own SyncClient (paho's network thread and the
outbox relay). What a host shares is the process and a few selling threads, each stepping its
share of the terminals round-robin at a paced rate: 1,000 terminal processes would not fit on 2
cores, and one selling thread per terminal only adds switching.

Why paho's select() is replaced here: paho's network loop calls select.select(), which cannot
watch a descriptor numbered 1024 or above (about 60 terminals a process; harness/
worker_processes.py). `use_poll_for_paho()` gives paho's module a select() with the same
meaning built on poll(), which has no such ceiling, so a host holds hundreds of terminals. It
replaces only the name paho's module calls, in the bench's host processes.

The protocol on the pipe (harness/worker_processes.py): on start the host answers `ready` (its
process id) once every terminal is online; `sell` (operations per second for this host) starts
its selling threads and answers at once; `halt` stops selling and answers with the operations
done; `drain` answers the moment every outbox is empty (None after the timeout); `reconcile`
answers the host's `Reconciliation` against HQ's database; `stop` (or anything else) ends the
host.
"""

from __future__ import annotations

import os
import select
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any

import paho.mqtt.client as paho_client

from harness.fleet_process import open_terminal, reconcile_fleet, wait_until
from harness.fleet_terminal import SimulatedTerminal

ONLINE_TIMEOUT_S = 180.0
# Selling threads a host: a step waits for its store's fsync (synchronous=FULL), so one thread
# alone would cap a host's rate at one fsync at a time.
SELLERS_PER_HOST = 4
OPENING_THREADS = 8
HOST_NICENESS = 10  # a new store's migrations wait on fsync, not on the CPU
_READ_READY = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR | select.POLLNVAL
_WRITE_READY = select.POLLOUT | select.POLLHUP | select.POLLERR | select.POLLNVAL


def _descriptor(item: Any) -> int:
    if item is None:
        raise TypeError("select() on None (a socket paho has closed)")
    return item if isinstance(item, int) else item.fileno()


def select_by_poll(readers: list[Any], writers: list[Any], exceptional: list[Any],
                   timeout: float | None = None) -> tuple[list[Any], list[Any], list[Any]]:
    """select.select()'s contract (the ready items of each list) on poll(); `exceptional` is
    watched for nothing, as paho passes it empty. Raises what select() raises for a closed
    socket (ValueError for descriptor -1, TypeError for None), which paho handles."""
    poller = select.poll()
    wanted: dict[int, int] = {}
    for item in readers:
        descriptor = _descriptor(item)
        wanted[descriptor] = wanted.get(descriptor, 0) | select.POLLIN | select.POLLPRI
    for item in writers:
        descriptor = _descriptor(item)
        wanted[descriptor] = wanted.get(descriptor, 0) | select.POLLOUT
    for descriptor, mask in wanted.items():
        poller.register(descriptor, mask)  # ValueError for a negative descriptor, as select()
    ready = dict(poller.poll(None if timeout is None else timeout * 1000))
    return ([item for item in readers if ready.get(_descriptor(item), 0) & _READ_READY],
            [item for item in writers if ready.get(_descriptor(item), 0) & _WRITE_READY],
            [])


def use_poll_for_paho() -> None:
    """Make paho's network loop, in this process, call `select_by_poll`."""
    polling_select = ModuleType("select")  # paho uses this one function of the module
    polling_select.select = select_by_poll  # type: ignore[attr-defined]  # a fresh module
    paho_client.select = polling_select


class PacedSeller:
    """One thread stepping the host's terminals in turn, `rate` operations a second. Behind
    schedule (the machine is saturated) it steps without pausing, never more than a second's
    worth at once, so `done` against the time tells the rate achieved."""

    def __init__(self, fleet: list[SimulatedTerminal], rate: float) -> None:
        self.fleet, self.interval = fleet, 1.0 / rate
        self.done = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paced-seller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> int:
        self._stopping.set()
        self._thread.join()
        return self.done

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stopping.is_set():
            self.fleet[self.done % len(self.fleet)].step()
            self.done += 1
            due = max(due + self.interval, time.monotonic() - 1.0)
            wait = due - time.monotonic()
            if wait > 0:
                self._stopping.wait(wait)


def host_main(pipe: Connection, folder: str, port: int, passwords: dict[str, str],
              seeds: dict[str, int], database_url: str, timers: dict[str, Any]) -> None:
    """A host process: its terminals, driven by the bench over `pipe`."""
    # Below HQ, the broker and PostgreSQL: real terminals run on their own boards, and here a
    # thousand of them would otherwise take the CPU from what the bench measures (seen: an
    # HQ worker's network thread runnable 97 % of the time and running 3 %).
    os.nice(HOST_NICENESS)
    use_poll_for_paho()
    try:
        with ExitStack() as stack, ThreadPoolExecutor(max_workers=OPENING_THREADS) as pool:
            fleet = list(pool.map(
                lambda tid: open_terminal(stack, Path(folder), port, tid, passwords[tid],
                                           seeds[tid], timers), passwords))
            _serve(pipe, fleet, database_url)
    except EOFError:
        pass  # the bench went away: the terminals were closed above
    except Exception:
        pipe.send(("error", traceback.format_exc()))




def _serve(pipe: Connection, fleet: list[SimulatedTerminal], database_url: str) -> None:
    if not wait_until(lambda: all(t.configured_sync.online.is_set() for t in fleet),
                       ONLINE_TIMEOUT_S):
        offline = sum(1 for t in fleet if not t.configured_sync.online.is_set())
        raise RuntimeError(f"{offline} of {len(fleet)} terminals did not come online")
    pipe.send(("ready", os.getpid()))
    sellers: list[PacedSeller] = []
    while True:
        command, argument = pipe.recv()
        if command == "sell":
            count = min(SELLERS_PER_HOST, len(fleet))
            sellers = [PacedSeller(fleet[index::count], float(argument) / count)
                       for index in range(count)]
            for seller in sellers:
                seller.start()
            pipe.send(("selling", time.monotonic()))
        elif command == "halt":
            pipe.send(("sold", sum(seller.stop() for seller in sellers)))
        elif command == "drain":
            drained = wait_until(lambda: all(t.store.outbox_depth() == 0 for t in fleet),
                                  float(argument))
            pipe.send(("drained", time.monotonic() if drained else None))
        elif command == "reconcile":
            pipe.send(("result", reconcile_fleet(fleet, database_url)))
        else:
            return


