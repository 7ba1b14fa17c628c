"""The chaos soak's faults: a seeded schedule, how each is done, and how long HQ took to recover.

Recovery after a fault is the time from the moment it began until HQ's stored rate, over a
sliding window of RECOVERY_WINDOW_S, is back to at least half the rate of the PRE_FAULT_S
before it. The window is also the floor: a fault HQ does not feel reads as the window.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.chaos_rig import HqWorkers, Sample, Terminals
from harness.broker import MosquittoBroker
from tests.support.postgres import TempPostgres

TERMINAL_KILL = "terminal-kill"
HQ_WORKER_KILL = "hq-worker-kill"
BROKER_RESTART = "broker-restart"
BROKER_KILL = "broker-kill"
POSTGRES_RESTART = "postgres-restart"
ALL_KINDS = (TERMINAL_KILL, HQ_WORKER_KILL, BROKER_RESTART, BROKER_KILL, POSTGRES_RESTART)
REPEATABLE = (TERMINAL_KILL, HQ_WORKER_KILL, BROKER_RESTART, POSTGRES_RESTART)  # one kill -9
TERMINAL_DOWN_S = 3.0
WORKER_DOWN_S = 2.0
BROKER_DOWN_S = 2.0
PRE_FAULT_S = 30.0
RECOVERY_WINDOW_S = 5.0


@dataclass(frozen=True)
class PlannedFault:
    offset_s: float  # from the start of selling
    kind: str


@dataclass(frozen=True)
class DoneFault:
    kind: str
    target: str
    began: float  # time.monotonic()
    back: float  # the moment the killed or stopped part was started again


def plan(rng: random.Random, count: int, duration_s: float, period_s: float,
         kinds: Sequence[str]) -> list[PlannedFault]:
    """`count` faults spread over the run between its first and last period (the first and
    last periods are the ones compared), each kind of `kinds` once before any repeats, the
    broker's kill -9 only once."""
    if count <= 0:
        return []
    start, stop = (period_s, duration_s - period_s) if duration_s >= 3 * period_s \
        else (duration_s * 0.25, duration_s * 0.75)
    spacing = (stop - start) / count
    offsets = [start + spacing * (n + 0.5 + rng.uniform(-0.2, 0.2)) for n in range(count)]
    once = list(kinds)
    rng.shuffle(once)
    again = [kind for kind in REPEATABLE if kind in kinds] or list(kinds)
    chosen = once[:count] + [rng.choice(again) for _ in range(count - len(once))]
    rng.shuffle(chosen)
    return [PlannedFault(offset, kind) for offset, kind in zip(offsets, chosen, strict=True)]


@dataclass
class FaultDoer:
    rng: random.Random
    terminals: Terminals
    workers: HqWorkers
    broker: MosquittoBroker
    postgres: TempPostgres | None

    def do(self, kind: str) -> DoneFault:
        began = time.monotonic()
        target = self._actions()[kind]()
        return DoneFault(kind, target, began, time.monotonic())

    def _actions(self) -> dict[str, Callable[[], str]]:
        return {TERMINAL_KILL: self._kill_terminal, HQ_WORKER_KILL: self._kill_worker,
                BROKER_RESTART: self._restart_broker, BROKER_KILL: self._kill_broker,
                POSTGRES_RESTART: self._restart_postgres}

    def _kill_terminal(self) -> str:
        terminal_id = self.rng.choice(sorted(self.terminals.processes))
        self.terminals.kill(terminal_id)
        time.sleep(TERMINAL_DOWN_S)  # its outbox waits in its SQLite file meanwhile
        self.terminals.start(terminal_id)
        return terminal_id

    def _kill_worker(self) -> str:
        worker_id = self.rng.choice(sorted(self.workers.processes))
        self.workers.kill(worker_id)
        time.sleep(WORKER_DOWN_S)
        self.workers.start(worker_id)  # the same id: its persistent session is waiting
        return worker_id

    def _restart_broker(self) -> str:
        self.broker.restart()  # SIGTERM: Mosquitto saves on the way out
        return "mosquitto"

    def _kill_broker(self) -> str:
        self.broker.kill()  # what it queued since its last autosave is gone
        time.sleep(BROKER_DOWN_S)
        self.broker.start()
        return "mosquitto"

    def _restart_postgres(self) -> str:
        if self.postgres is None:
            raise ValueError("no PostgreSQL to restart (the soak runs on SQLite)")
        self.postgres.restart()
        return "postgresql"


def count_at(samples: Sequence[Sample], moment: float) -> int:
    """HQ's stored count at the last successful sample at or before `moment` (0 before any)."""
    count = 0
    for sample in samples:
        if sample.at > moment:
            break
        if sample.events is not None:
            count = sample.events
    return count


def rate(samples: Sequence[Sample], start: float, stop: float) -> float:
    return (count_at(samples, stop) - count_at(samples, start)) / max(stop - start, 1e-9)


def recovery_s(samples: Sequence[Sample], fault: DoneFault, selling_began: float
               ) -> tuple[float, float | None]:
    """(the stored rate before the fault, seconds until it was back to half) — None: never."""
    before = rate(samples, max(selling_began, fault.began - PRE_FAULT_S), fault.began)
    for sample in samples:
        end = sample.at
        if end < fault.began + RECOVERY_WINDOW_S:
            continue
        if sample.events is not None and \
                rate(samples, end - RECOVERY_WINDOW_S, end) >= before / 2:
            return before, end - fault.began
    return before, None
