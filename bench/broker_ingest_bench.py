"""HQ ingest through the broker into SQLite and into PostgreSQL, as HQ runs: `hq serve` worker
processes sharing the terminals' messages through the shared subscription, 200 terminals each
on its own connection and topic, and the broker's own QoS 1 rate measured in the same run.

Per phase: a fresh database holding the configuration the events were priced with, N `hq serve`
processes (their own share group, so no other phase's worker takes a message), 200 fresh
terminals publishing 5 batches of 14 events (~14 KB) or of 50 (~50 KB) round-robin; timed from
the first publish until every terminal's retained ack carries its last seq. The events are made
by the real terminal core (bench/bench_events.py), so HQ verifies them as it does an honest
fleet's: a phase fails if any is quarantined. Printed as events/s and as the ratio of
messages/s to the baseline, measured with a message of the same size. Durable as HQ is:
SQLite WAL + synchronous=FULL, PostgreSQL with fsync on. After each phase the same rows are
written again by the database alone (bench/store_baseline.py: PostgreSQL's COPY, SQLite's
executemany) and HQ's rate is printed as a ratio of that too; and the workers' CPU seconds
(/proc) per event, which a busy machine disturbs far less than a rate.

While each phase ingests, one more terminal (a real SyncClient, in a process of its own:
bench/auth_probe.py) asks HQ to authorise a debit, one request after the other, and the round
trips are printed (p50, p99; issue 11 point 2 wants
p99 < 50 ms while the ingest runs). Its card is unknown to HQ, so each answer is a decline, but
it is decided as any other: in a write transaction, which on SQLite waits for the write lock
the ingest's group commits hold. `--group-max N` sets the workers' `ingest_group_max`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.bench_events import publish_configuration, terminal_batches
from bench.fleet_scale_rig import cpu_seconds
from bench.mqtt_rig import BenchFailed, Rig, start_rig, wait_until
from bench.store_baseline import postgres_copy_events_s, sqlite_insert_events_s
from bench.sync_bench import (
    AUTH_TARGET_P99_MS,
    INGEST_TERMINALS,
    STEP_TIMEOUT_S,
    broker_rate,
    publish_until_acknowledged,
)
from harness.broker import BrokerAccounts
from hq.db import open_database
from tests.support.postgres import TempPostgres

PHASES = (("sqlite", 1), ("sqlite", 2), ("postgresql", 1), ("postgresql", 2))
REPO = Path(__file__).resolve().parents[1]
WORKER_READY_S = 60.0
# A terminal coming back from an outage sends full batches (SyncSettings.batch_size, 200); 50
# events (~50 KB) is a catching-up fleet's message, 14 the size bench/sync_bench.py uses.
BATCH_SIZES = (14, 50)
BATCHES_PER_TERMINAL = 5
TARGET_EVENTS_S = 20_000  # issue 11, point 1: at most two hq serve processes, both databases
STORE_BASELINE = {"postgresql": "COPY, fsync on", "sqlite": "executemany, WAL FULL"}


@dataclass
class Settings:
    group_max: int | None = None  # None: hq serve's default
    batch_sizes: tuple[int, ...] = BATCH_SIZES


def phase_ids(phase: int) -> list[str]:
    return [f"B{phase}-{number:03d}" for number in range(INGEST_TERMINALS)]


def probe_id(phase: int) -> str:
    return f"B{phase}-auth"


def start_workers(rig: Rig, url: str, group: str, count: int,
                  settings: Settings) -> list[subprocess.Popen]:
    """`count` `hq serve` processes on `url` in share group `group`, each logging to a file;
    returned once each has logged its connection (plus a moment for the SUBACK)."""
    workers = []
    extra = "" if settings.group_max is None else f"ingest_group_max = {settings.group_max}\n"
    for number in range(count):
        config = rig.folder / f"{group}-{number}.toml"
        config.write_text(f'[hq]\nshare_group = "{group}"\nsession_expiry_s = 60\n{extra}',
                          encoding="utf-8")
        log = (rig.folder / f"{group}-{number}.log").open("w")
        environment = {**os.environ, "HQ_DATABASE_URL": url,
                       "HQ_BROKER_PORT": str(rig.broker.port),
                       "HQ_BROKER_PASSWORD": rig.accounts.hq_password,
                       "HQ_WORKER_ID": f"hq-{group}-{number}",
                       "HQ_DATA_DIR": str(rig.folder / "hq-data")}
        worker = subprocess.Popen([sys.executable, "-m", "hq", "--config", str(config), "serve"],
                                  cwd=REPO, env=environment, stdout=log, stderr=log)
        rig.stack.callback(_stop, worker, log)
        workers.append(worker)
    logs = [rig.folder / f"{group}-{number}.log" for number in range(count)]
    wait_until(lambda: all("connected" in path.read_text(encoding="utf-8") for path in logs),
               WORKER_READY_S, f"{count} hq serve processes to connect")
    time.sleep(0.5)
    return workers


def _stop(worker: subprocess.Popen, log) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


class AuthProbe:
    """A terminal asking HQ to authorise, one request after the other, until stopped: in a
    process of its own (bench/auth_probe.py), as a terminal is a device of its own."""

    def __init__(self, rig: Rig, terminal_id: str) -> None:
        self.terminal_id = terminal_id
        folder = rig.folder / "terminals"
        self._stop_file = folder / f"{terminal_id}.stop"
        self._out_file = folder / f"{terminal_id}.json"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.auth_probe", str(rig.broker.port), terminal_id,
             rig.accounts.password_for(terminal_id), str(folder / f"{terminal_id}.sqlite3"),
             str(self._stop_file), str(self._out_file)], cwd=REPO)
        rig.stack.callback(self._end)
        wait_until(lambda: self._out_file.with_suffix(".ready").exists()
                   or self._process.poll() is not None, STEP_TIMEOUT_S,
                   f"{terminal_id} to come online")
        if self._process.poll() is not None:
            raise BenchFailed(f"{terminal_id} did not come online")
        self.times_ms: list[float] = []
        self.unanswered = 0

    def __enter__(self) -> AuthProbe:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop_file.touch()
        self._process.wait(STEP_TIMEOUT_S)
        self.times_ms, self.unanswered = json.loads(self._out_file.read_text(encoding="utf-8"))

    def _end(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def summary(self) -> str:
        if len(self.times_ms) < 2:
            return "auth round trip during the ingest: too few requests to tell"
        cuts = statistics.quantiles(self.times_ms, n=100)
        return (f"auth round trip during the ingest: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} "
                f"ms, max {max(self.times_ms):.1f} ms (target p99 < {AUTH_TARGET_P99_MS:.0f} "
                f"ms; {len(self.times_ms)} sequential requests, {self.unanswered} unanswered)")


@dataclass(frozen=True)
class PhaseResult:
    messages_s: float
    auth: str  # the authorisation round trips, printed
    hq_cpu_s: float  # the workers' user + system CPU seconds during the phase
    events: int


def run_phase(rig: Rig, number: int, url: str, workers: int, events_per_batch: int,
              settings: Settings) -> PhaseResult:
    """Messages/s of one phase, its authorisation round trips and its workers' CPU."""
    group, ids = f"bench{number}", phase_ids(number)
    db = open_database(url)
    try:
        publish_configuration(db, ids)
    finally:
        db.close()
    batches = terminal_batches(ids, BATCHES_PER_TERMINAL, events_per_batch)
    with ExitStack() as stack:
        phase_rig = Rig(stack, rig.folder, rig.broker)
        pids = [worker.pid for worker in start_workers(phase_rig, url, group, workers,
                                                        settings)]
        probe = AuthProbe(phase_rig, probe_id(number))
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        with probe:
            elapsed = publish_until_acknowledged(phase_rig, batches, group)
        hq_cpu_s = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    db = open_database(url)
    try:
        stored = db.events.select().where(db.events.terminal_id != probe_id(number)).count()
        quarantined = db.quarantined_events.select().count()
    finally:
        db.close()
    messages = INGEST_TERMINALS * BATCHES_PER_TERMINAL
    if stored != messages * events_per_batch or quarantined:
        raise BenchFailed(f"{group}: {stored} of {messages * events_per_batch} events stored, "
                          f"{quarantined} quarantined")
    return PhaseResult(messages / elapsed, probe.summary(), hq_cpu_s, stored)


def main(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    phases = [(size, database, workers) for size in settings.batch_sizes
              for database, workers in PHASES]
    terminals = [tid for number in range(len(phases))
                 for tid in (*phase_ids(number), probe_id(number))]
    with ExitStack() as stack, TempPostgres(fsync=True) as cluster:
        rig = start_rig(stack, BrokerAccounts.generate(terminals), with_worker=False)
        (rig.folder / "terminals").mkdir(exist_ok=True)  # the probes' stores (auth_probe)
        if settings.group_max is not None:
            print(f"hq serve with ingest_group_max = {settings.group_max}")
        baselines: dict[int, float] = {}
        for number, (size, database, workers) in enumerate(phases):
            if size not in baselines:
                sample_id = phase_ids(number)[0]
                sample = terminal_batches([sample_id], 1, size)[sample_id][0]
                baselines[size] = broker_rate(rig, sample, f"baseline{size}")
                print(f"broker qos1: {baselines[size]:,.0f} msg/s ({len(sample) / 1024:.1f} KB "
                      f"= {size} events, one publisher, one subscriber)")
            url = (f"sqlite:///{rig.folder / f'phase{number}.sqlite3'}" if database == "sqlite"
                   else cluster.create_database(f"bench_phase{number}"))
            result = run_phase(rig, number, url, workers, size, settings)
            rate = result.messages_s
            print(f"hq ingest via broker into {database}, {workers} hq serve process(es), "
                  f"batches of {size}: {rate * size:,.0f} events/s, {rate:,.0f} msg/s, ratio to "
                  f"broker {rate / baselines[size]:.3f} (target >= {TARGET_EVENTS_S:,} "
                  f"events/s)")
            store_rate = (postgres_copy_events_s(url, cluster.create_database(
                f"bench_copy{number}"), result.events) if database == "postgresql"
                else sqlite_insert_events_s(url, f"sqlite:///{rig.folder}/copy{number}.sqlite3",
                                            result.events))
            print(f"  {database} alone, the same rows ({STORE_BASELINE[database]}): "
                  f"{store_rate:,.0f} events/s; hq / that {rate * size / store_rate:.3f}")
            print(f"  hq serve CPU: {result.hq_cpu_s * 1e6 / result.events:,.0f} us an event "
                  f"({result.events / max(result.hq_cpu_s, 1e-9):,.0f} events per CPU-second; "
                  "with the probe's authorisations)")
            print(f"  {result.auth}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--group-max", type=int, help="the workers' ingest_group_max")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=BATCH_SIZES,
                        help="events per batch, one set of phases each (default: 14 50)")
    arguments = parser.parse_args()
    main(Settings(arguments.group_max, tuple(arguments.batch_sizes)))
