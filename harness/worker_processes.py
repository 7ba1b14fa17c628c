"""Worker processes driven over pipes, for fleets of simulated terminals.

Why processes and not threads: a terminal holds about ten file descriptors (its MQTT socket,
paho's wake-up socket pair, its SQLite file, WAL and shared memory on each thread's connection),
and paho's network loop calls select(), which cannot watch a descriptor numbered 1024 or above.
With 200 terminals in one process only the first ~60 ever connect; the others see their CONNECT
go out and then reconnect forever. A fleet is 200 devices anyway.

Each worker runs `target(pipe, *arguments)` in a spawned process (the parent has threads, so no
fork). The protocol on the pipe is the caller's: tuples `(command, argument)` one way and
`(kind, value)` the other, where kind "error" carries a traceback and fails the whole fleet.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from multiprocessing.connection import Connection
from typing import Any

ANSWER_TIMEOUT_S = 70.0
STOP_TIMEOUT_S = 30.0
TERMINALS_PER_PROCESS = 50  # ~500 descriptors: well below select()'s 1024


class FleetFailed(RuntimeError):
    """A worker process failed or did not answer in time."""


def processes_for(terminals: int, at_most: int = 8) -> int:
    """How many worker processes `terminals` terminals need."""
    return max(1, min(at_most, -(-terminals // TERMINALS_PER_PROCESS)))


class WorkerProcesses:
    """One spawned process per argument tuple; stopped (then killed) when `stack` closes."""

    def __init__(self, stack: ExitStack, target: Callable[..., None],
                 arguments: Sequence[tuple[Any, ...]], name: str = "fleet") -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        for index, worker_arguments in enumerate(arguments):
            ours, theirs = context.Pipe()
            process = context.Process(target=target, name=f"{name}-{index}", daemon=True,
                                      args=(theirs, *worker_arguments))
            process.start()
            theirs.close()  # the child's copy: a dead child then reads as EOF here
            stack.callback(_end, process, ours)
            self.pipes.append(ours)

    def tell(self, command: str, argument: Any = None) -> None:
        for pipe in self.pipes:
            pipe.send((command, argument))

    def ask(self, command: str, argument: Any = None,
            timeout_s: float = ANSWER_TIMEOUT_S) -> list[Any]:
        """Send a command to every worker; their answers' values, in worker order."""
        self.tell(command, argument)
        return self.answers(timeout_s)

    def answers(self, timeout_s: float = ANSWER_TIMEOUT_S) -> list[Any]:
        """Every worker's next answer, in worker order."""
        values = []
        for pipe in self.pipes:
            if not pipe.poll(timeout_s):
                raise FleetFailed("a fleet worker did not answer in time")
            try:
                kind, value = pipe.recv()
            except EOFError:
                raise FleetFailed("a fleet worker exited without answering") from None
            if kind == "error":
                raise FleetFailed(f"a fleet worker failed:\n{value}")
            values.append(value)
        return values


def _end(process: multiprocessing.process.BaseProcess, pipe: Connection) -> None:
    """Ask the worker to stop; kill it if it does not within the time."""
    with contextlib.suppress(OSError):  # it is gone already
        pipe.send(("stop", None))
    process.join(timeout=STOP_TIMEOUT_S)
    if process.is_alive():
        process.kill()
        process.join(timeout=5)
    pipe.close()
