"""HQ ingest throughput, in process (no broker), with HQ's event verification and without it
(issue 10, point 9: verifying costs CPU; target: verified / unverified >= 0.7).

200 simulated terminals send 5 batches of 50 events each into SQLite and into a throw-away
PostgreSQL, with 1 and 2 ingest worker processes. The events are made by the real terminal
core and store (bench/bench_events.py: enrolments, top-ups, sales paid by stored value or cash
earning points, sales with a coupon or with points, count packages and their uses, refunds)
and HQ holds the configuration documents they were priced with, so verification passes every
one: the bench fails if any is quarantined. The same batches are ingested twice per worker
count, each time into a fresh database: by `Ingestor(db)` as `hq serve` runs it, and by
`Ingestor(db, verify_events=False)`, which skips the screen (a constructor argument only this
bench passes; no setting reaches it). With `--repeats 2` (the default) the pair runs once in
each order and the best figure of each side counts.

On a machine shared with other work the wall-clock figures swing by half from run to run, so
the CPU time the ingest processes used (time.process_time: Python, and SQLite, which runs in
the process; not PostgreSQL's server) is printed too, as events per CPU second, with its ratio.

A worker is a process with its own connection, as an `hq serve` process sharing the broker's
subscription is: threads in one process would share one core's worth of Python, and the ingest
is mostly Python. Each worker takes a fixed share of the terminals, so that each terminal's
batches stay in order, and loads its payloads before the clock starts; parsing and validation
are timed, as in HQ. The figure is all the events over the time from the moment every worker is
ready to the moment the last one has committed its last batch.

Every figure is durable: SQLite runs as HQ does (WAL, synchronous=FULL) on a file on disk, and
the PostgreSQL cluster keeps fsync on (TempPostgres(fsync=True)).

    .venv/bin/python -m bench hq_ingest_bench
    .venv/bin/python -m bench.hq_ingest_bench --terminals 4 --batches 2 --events-per-batch 10
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
import queue
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.bench_events import publish_configuration, terminal_batches
from hq.db import open_database
from hq.ingest import Ingestor
from protocol.wire import terminal_topic
from tests.support.postgres import TempPostgres

TARGET_RATIO = 0.7
READY_TIMEOUT_S = 120  # loading a worker's payloads takes a second or two
DATABASES = ("sqlite", "postgresql")

Batch = tuple[str, bytes]  # (topic, payload)


@dataclass(frozen=True)
class Shape:
    terminals: int = 200
    batches: int = 5  # per terminal
    events_per_batch: int = 50
    workers: tuple[int, ...] = (1, 2)
    repeats: int = 2  # runs of each side; the order alternates

    @property
    def events(self) -> int:
        return self.terminals * self.batches * self.events_per_batch

    def terminal_ids(self) -> list[str]:
        return [f"S{number // 4:03d}-T{number % 4}" for number in range(self.terminals)]


@dataclass(frozen=True)
class Run:
    rate: float  # events/s
    cpu_rate: float  # events per CPU second of the ingest processes


def ingest_rate(url: str, workers: int, shape: Shape, batches_path: Path, verify: bool) -> Run:
    """Events stored per second by `workers` processes into the (empty) database at `url`."""
    database = open_database(url)
    try:
        publish_configuration(database, shape.terminal_ids())
    finally:
        database.close()
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [context.Process(target=_work,
                                 args=(url, index, workers, batches_path, verify, ready, results))
                 for index in range(workers)]
    for process in processes:
        process.start()
    ready.wait(timeout=READY_TIMEOUT_S)  # BrokenBarrierError if a worker died before it
    started = time.perf_counter()
    outcomes = _collect(processes, results)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    stored = sum(count for count, _, _ in outcomes)
    failures = [failure for _, failed, _ in outcomes for failure in failed]
    if failures or stored != shape.events:
        raise SystemExit(f"ingest went wrong: {stored} of {shape.events} stored; {failures[:3]}")
    _check_none_quarantined(url)
    return Run(shape.events / elapsed, shape.events / sum(cpu for _, _, cpu in outcomes))


def _check_none_quarantined(url: str) -> None:
    """An honest fleet's events: none may be quarantined."""
    database = open_database(url, migrate=False)
    try:
        rows = database.quarantined_events
        reasons = [row.reason for row in rows.select(rows.reason).limit(3)]
        count = rows.select().count()
    finally:
        database.close()
    if count:
        raise SystemExit(f"{count} honest events quarantined, e.g. {reasons}")


Outcome = tuple[int, list[str], float]  # a worker's events stored, failures, CPU seconds


def _collect(processes: list[Any], results: Any) -> list[Outcome]:
    """Each worker's outcome, as they finish; stops if one died instead."""
    outcomes: list[Outcome] = []
    while len(outcomes) < len(processes):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(process.exitcode not in (None, 0) for process in processes):
                raise SystemExit("an ingest worker died (its traceback is above)") from None
    return outcomes


def _work(url: str, index: int, workers: int, batches_path: Path, verify: bool, ready: Any,
          results: Any) -> None:
    """One worker process: its share of the terminals, round by round."""
    with batches_path.open("rb") as file:
        per_terminal: dict[str, list[bytes]] = pickle.load(file)
    share = [[(terminal_topic(terminal_id, "events"), payload) for payload in batches]
             for terminal_id, batches in list(per_terminal.items())[index::workers]]
    database = open_database(url, migrate=False)
    ingestor = Ingestor(database, verify_events=verify)
    ready.wait(timeout=READY_TIMEOUT_S)
    results.put(_ingest_share(ingestor, share))
    database.close()


def _ingest_share(ingestor: Ingestor, share: list[list[Batch]]) -> Outcome:
    stored, failures = 0, []
    cpu_started = time.process_time()
    for round_no in range(len(share[0]) if share else 0):
        for batches in share:
            topic, payload = batches[round_no]
            result = ingestor.handle_events(topic, payload, datetime.now())
            if result.dead_letter_reason or result.resend:
                failures.append(f"{topic}: {result}")
            stored += result.stored
    return stored, failures, time.process_time() - cpu_started


def compare(label: str, shape: Shape, workers: int, new_url: Callable[[str], str],
            batches_path: Path) -> float:
    """Print the verified and unverified figures and their ratio; returns the ratio."""
    best = {True: 0.0, False: 0.0}
    best_cpu = {True: 0.0, False: 0.0}
    for repeat in range(shape.repeats):
        for verify in ((True, False) if repeat % 2 == 0 else (False, True)):
            name = f"w{workers}_{'v' if verify else 'u'}{repeat}"
            run = ingest_rate(new_url(name), workers, shape, batches_path, verify)
            best[verify] = max(best[verify], run.rate)
            best_cpu[verify] = max(best_cpu[verify], run.cpu_rate)
    ratio, cpu_ratio = best[True] / best[False], best_cpu[True] / best_cpu[False]
    print(f"hq ingest into {label}, {workers} worker process(es) on {os.cpu_count()} cores: "
          f"{best[True]:,.0f} events/s ({shape.terminals} terminals, batches of "
          f"{shape.events_per_batch}, quarantined=0)", flush=True)
    print(f"  the same without verification: {best[False]:,.0f} events/s; verified/unverified "
          f"{ratio:.2f} ({_verdict(ratio)})", flush=True)
    print(f"  per CPU second of the ingest processes: {best_cpu[True]:,.0f} verified, "
          f"{best_cpu[False]:,.0f} unverified events; ratio {cpu_ratio:.2f} "
          f"({_verdict(cpu_ratio)})", flush=True)
    return ratio


def _verdict(ratio: float) -> str:
    return f"target >= {TARGET_RATIO}: {'PASS' if ratio >= TARGET_RATIO else 'FAIL'}"


@contextmanager
def _database_factory(database: str, folder: Path) -> Iterator[tuple[str, Callable[[str], str]]]:
    """A label and a function giving a fresh, empty database's URL for a name."""
    if database == "sqlite":
        yield ("SQLite (WAL, synchronous=FULL)",
               lambda name: f"sqlite:///{folder / f'{name}.sqlite3'}")
        return
    with TempPostgres(fsync=True) as cluster:
        yield "PostgreSQL (fsync on)", lambda name: cluster.create_database(f"bench_{name}")


def run(shape: Shape, databases: tuple[str, ...] = DATABASES) -> dict[tuple[str, int], float]:
    """Every comparison; the ratios by (database, workers)."""
    folder = Path(tempfile.mkdtemp(prefix="hq-bench-", dir=Path.cwd()))
    ratios = {}
    try:
        started = time.perf_counter()
        batches_path = folder / "batches.pickle"
        with batches_path.open("wb") as file:
            pickle.dump(terminal_batches(shape.terminal_ids(), shape.batches,
                                         shape.events_per_batch), file)
        print(f"{shape.events:,} events made by the terminal core in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        for database in databases:
            with _database_factory(database, folder) as (label, new_url):
                for workers in shape.workers:
                    ratios[(database, workers)] = compare(label, shape, workers, new_url,
                                                          batches_path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return ratios


def main(argv: list[str] | None = None) -> None:
    defaults = Shape()
    parser = argparse.ArgumentParser(prog="bench.hq_ingest_bench",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=defaults.terminals)
    parser.add_argument("--batches", type=int, default=defaults.batches)
    parser.add_argument("--events-per-batch", type=int, default=defaults.events_per_batch)
    parser.add_argument("--workers", type=int, nargs="+", default=list(defaults.workers))
    parser.add_argument("--repeats", type=int, default=defaults.repeats)
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    arguments = parser.parse_args(argv if argv is not None else [])
    if min(arguments.terminals, arguments.batches, arguments.events_per_batch,
           arguments.repeats, *arguments.workers) < 1:
        parser.error("every number must be at least 1")
    run(Shape(arguments.terminals, arguments.batches, arguments.events_per_batch,
              tuple(arguments.workers), arguments.repeats), tuple(arguments.databases))


if __name__ == "__main__":
    main(sys.argv[1:])
