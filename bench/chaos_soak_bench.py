"""The chaos soak (issue 11, point 4): terminals sell continuously through Mosquitto into
`hq serve` workers while a seeded schedule kills and restarts terminals, workers, the broker and
PostgreSQL; then selling stops, every outbox must drain and every terminal is reconciled.

    .venv/bin/python -m bench chaos_soak_bench          (10 minutes, 50 terminals, 2 workers)
    .venv/bin/python -m bench.chaos_soak_bench --minutes 2 --terminals 10 [--database sqlite]

Prints, per period (a minute by default): events stored at HQ, the broker's and each worker's
peak VmRSS, the broker's save file; per fault: the recovery time (bench/chaos_faults.py); at
the end: the drain time, the reconciliation and PASS/FAIL against each of the issue's criteria.
A bench prints; it never asserts. Every terminal is its own OS process, production sync timers
unless --fast-timers.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path

from bench import chaos_faults
from bench.chaos_faults import ALL_KINDS, POSTGRES_RESTART, DoneFault, FaultDoer
from bench.chaos_report import print_period, print_verdict
from bench.chaos_rig import HqWorkers, Sample, Sampler, Terminals
from harness.broker import BrokerAccounts, MosquittoBroker
from harness.demo_config import publish_demo_documents
from harness.reconcile import Reconciliation, reconcile_terminal
from hq.db import open_database
from terminal.store.store import open_store
from tests.support.postgres import TempPostgres
from tests.support.timers import fast_sync_flags

READY_TIMEOUT_S = 180.0
EXIT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class SoakShape:
    minutes: float = 10.0
    terminals: int = 50
    workers: int = 2
    seed: int = 11
    database: str = "postgresql"
    period_s: float = 60.0
    faults: int | None = None  # None: one a period, none in the first and last
    fault_kinds: tuple[str, ...] = ALL_KINDS
    pause_s: float = 0.5
    drain_timeout_s: float = 180.0
    fast_timers: bool = False

    @property
    def duration_s(self) -> float:
        return self.minutes * 60

    @property
    def fault_count(self) -> int:
        if self.faults is not None:
            return self.faults
        return max(1, round(self.duration_s / self.period_s) - 2)


@dataclass
class SoakResult:
    selling_began: float = 0.0
    faults: list[DoneFault] = field(default_factory=list)
    drained_s: float | None = None
    reconciliation: Reconciliation = field(default_factory=Reconciliation)
    terminal_ids: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)  # the sampler's, once a second
    periods: int = 0
    terminal_starts: int = 0  # processes started, restarts after a kill included
    terminals_failed: list[str] = field(default_factory=list)  # exited with an error
    workers_died: list[tuple[float, str]] = field(default_factory=list)  # on their own


def run(shape: SoakShape, folder: Path) -> SoakResult:
    ids = [f"SOAK{n:03d}" for n in range(1, shape.terminals + 1)]
    accounts = BrokerAccounts.generate(ids)
    result = SoakResult(terminal_ids=ids)
    with ExitStack() as stack:
        postgres = None
        if shape.database == "postgresql":
            postgres = stack.enter_context(TempPostgres(fsync=True))
            url = postgres.url
        else:
            url = f"sqlite:///{folder / 'hq.sqlite3'}"
        with closing(open_database(url)) as db:  # the schema once, before the workers race
            publish_demo_documents(db)
        broker = stack.enter_context(MosquittoBroker(folder / "broker", accounts))
        workers = HqWorkers(folder, broker, url)
        stack.callback(workers.end_all)
        for number in range(shape.workers):
            workers.start(f"hq-{number + 1}")
        flags = fast_sync_flags() if shape.fast_timers else []
        terminals = Terminals(folder, broker, shape.pause_s, flags, shape.seed)
        stack.callback(terminals.end_all)
        sampler = Sampler(url, broker, workers)
        stack.callback(sampler.stop)
        _soak(shape, result, terminals, sampler,
              FaultDoer(random.Random(shape.seed + 1), terminals, workers, broker, postgres))
        result.drained_s = _drain(shape, terminals, workers, result)
        result.terminals_failed = _wait_for_exits(terminals)
        result.terminal_starts = sum(terminals.starts.values())
        sampler.stop()
        result.samples = sampler.samples
        result.reconciliation = _reconcile(url, folder, ids)
    return result


def _soak(shape: SoakShape, result: SoakResult, terminals: Terminals, sampler: Sampler,
          doer: FaultDoer) -> None:
    for terminal_id in result.terminal_ids:
        terminals.start(terminal_id)
    sampler.start()
    _wait_until_all_sell(terminals, result.terminal_ids)
    began = result.selling_began = time.monotonic()
    kinds = tuple(k for k in shape.fault_kinds
                  if k != POSTGRES_RESTART or shape.database == "postgresql")
    schedule = chaos_faults.plan(random.Random(shape.seed), shape.fault_count,
                                 shape.duration_s, shape.period_s, kinds)
    periods = result.periods = max(1, round(shape.duration_s / shape.period_s))
    printed = 0
    while printed < periods:
        now = time.monotonic() - began
        result.workers_died += [(now, wid) for wid in doer.workers.restart_the_dead()]
        if schedule and schedule[0].offset_s <= now:
            result.faults.append(doer.do(schedule.pop(0).kind))
        elif now >= (printed + 1) * shape.period_s:
            print_period(printed, shape.period_s, began, sampler.samples, result.faults,
                         _backlog(terminals, result.terminal_ids))
            printed += 1
        else:
            time.sleep(0.2)
    terminals.stop_selling()


def _wait_until_all_sell(terminals: Terminals, ids: list[str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not all(terminals.has_sold(tid) for tid in ids):
        if failed := terminals.exited_badly():
            log = (terminals.folder / f"{failed[0]}.log").read_text(errors="replace")
            raise RuntimeError(f"terminal {failed[0]} exited:\n{log[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError("the terminals did not all start selling in time")
        time.sleep(0.5)


def _backlog(terminals: Terminals, ids: list[str]) -> int:
    return sum(terminals.outbox_depth(tid) or 0 for tid in ids)


def _drain(shape: SoakShape, terminals: Terminals, workers: HqWorkers,
           result: SoakResult) -> float | None:
    """Seconds from the stop of selling until every outbox is empty; None: not within time."""
    stopped = time.monotonic()
    ids = sorted(terminals.processes)
    while time.monotonic() - stopped < shape.drain_timeout_s:
        result.workers_died += [(time.monotonic() - result.selling_began, wid)
                                for wid in workers.restart_the_dead()]
        if all(terminals.outbox_depth(tid) == 0 for tid in ids):
            return time.monotonic() - stopped
        time.sleep(0.25)
    return None


def _wait_for_exits(terminals: Terminals) -> list[str]:
    """A terminal process exits once its outbox is empty; a stuck one is ended here. Returns
    the terminals whose last process exited with an error."""
    deadline = time.monotonic() + EXIT_TIMEOUT_S
    for process in terminals.processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    failed = terminals.exited_badly()
    terminals.end_all()
    return failed


def _reconcile(url: str, folder: Path, ids: list[str]) -> Reconciliation:
    total = Reconciliation()
    with closing(open_database(url)) as db:
        for terminal_id in ids:
            with open_store(folder / f"{terminal_id}.sqlite3") as store:
                total += reconcile_terminal(db, terminal_id, store)
    return total


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.chaos_soak_bench",
                                     description=__doc__.split("\n")[0])
    defaults = SoakShape()
    parser.add_argument("--minutes", type=float, default=defaults.minutes)
    parser.add_argument("--terminals", type=int, default=defaults.terminals)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--database", choices=("postgresql", "sqlite"),
                        default=defaults.database)
    parser.add_argument("--period-s", type=float, default=defaults.period_s,
                        help="length of a reported period (a minute)")
    parser.add_argument("--faults", type=int, default=None,
                        help="how many (default: one a period, none in the first and last)")
    parser.add_argument("--fault-kinds", nargs="+", choices=ALL_KINDS, default=ALL_KINDS)
    parser.add_argument("--pause-s", type=float, default=defaults.pause_s,
                        help="each terminal's pause between operations")
    parser.add_argument("--drain-timeout-s", type=float, default=defaults.drain_timeout_s)
    parser.add_argument("--fast-timers", action="store_true",
                        help="the tests' short sync timers instead of production's")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(sys.argv[1:] if argv is None and __name__ == "__main__"
                                     else argv or [])
    shape = SoakShape(arguments.minutes, arguments.terminals, arguments.workers, arguments.seed,
                      arguments.database, arguments.period_s, arguments.faults,
                      tuple(arguments.fault_kinds), arguments.pause_s,
                      arguments.drain_timeout_s, arguments.fast_timers)
    print(f"chaos soak: {shape.minutes:g} min, {shape.terminals} terminal processes, "
          f"{shape.workers} hq serve workers, {shape.database}, seed {shape.seed}, "
          f"{shape.fault_count} faults, pause {shape.pause_s} s", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="chaos-soak-", dir="/tmp"))
    folder.chmod(0o755)  # the broker runs as the `mosquitto` user and keeps its files here
    status = 1
    try:
        status = print_verdict(shape.period_s, run(shape, folder))
    finally:
        if status == 0:
            shutil.rmtree(folder, ignore_errors=True)
        else:  # the terminals' stores and every process's log, for whoever looks next
            print(f"kept {folder}")
    return status


if __name__ == "__main__":
    sys.exit(main())
