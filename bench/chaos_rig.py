"""The processes of the chaos soak (bench/chaos_soak_bench.py) and what it reads of them.

Every terminal is its own OS process (`harness.fleet_terminal`, selling until a stop file
appears), every HQ worker is a real `hq serve` process, the broker is `harness.broker`'s
Mosquitto and PostgreSQL is `tests.support.postgres`'s cluster (fsync on), so each can be
killed -9 or restarted while the others carry on. A sampler thread reads, once a second,
how many events HQ has stored and the memory of the broker and the workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from harness.broker import MosquittoBroker
from terminal.store.access import ACK_WATERMARK, NEXT_SEQ

REPO = Path(__file__).resolve().parents[1]
SAMPLE_PERIOD_S = 1.0


def rss_kib(pid: int | None) -> int:
    """VmRSS of a live process in KiB; 0 when it is gone (killed, between restarts)."""
    if pid is None:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def kill_9(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def end(process: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not gone within the time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        kill_9(process)


class Terminals:
    """One `harness.fleet_terminal` process per terminal, its outbox in `folder/<id>.sqlite3`."""

    def __init__(self, folder: Path, broker: MosquittoBroker, pause_s: float,
                 timer_flags: list[str], seed: int) -> None:
        self.folder = folder
        self.broker = broker
        self.pause_s = pause_s
        self.timer_flags = timer_flags
        self.seed = seed
        self.stop_file = folder / "stop-selling"
        self.processes: dict[str, subprocess.Popen] = {}
        self.starts: dict[str, int] = {}

    def start(self, terminal_id: str) -> None:
        starts = self.starts.get(terminal_id, 0)
        self.starts[terminal_id] = starts + 1
        number = int(terminal_id[-3:])
        log = (self.folder / f"{terminal_id}.log").open("ab")
        self.processes[terminal_id] = subprocess.Popen(
            [sys.executable, "-m", "harness.fleet_terminal", terminal_id,
             "--folder", str(self.folder), "--port", str(self.broker.port),
             # One argument: a generated password may begin with "-".
             f"--password={self.broker.accounts.password_for(terminal_id)}",
             "--operations", str(10**9), "--pause", str(self.pause_s),
             "--seed", str(self.seed * 100_000 + number * 100 + starts),
             "--stop-file", str(self.stop_file), *self.timer_flags],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()

    def kill(self, terminal_id: str) -> None:
        kill_9(self.processes[terminal_id])

    def stop_selling(self) -> None:
        self.stop_file.touch()

    def outbox_depth(self, terminal_id: str) -> int | None:
        """Events HQ has not acknowledged, read from the terminal's store; None if unreadable."""
        path = self.folder / f"{terminal_id}.sqlite3"
        if not path.exists():
            return None
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                                    timeout=5)) as store:
                row = store.execute(
                    'SELECT count(*) FROM outbox WHERE seq > '
                    '(SELECT CAST("value" AS INTEGER) FROM setting WHERE "key" = ?)',
                    (ACK_WATERMARK,)).fetchone()
        except sqlite3.Error:
            return None
        return int(row[0])

    def has_sold(self, terminal_id: str) -> bool:
        """Whether the terminal's store has issued an event yet."""
        path = self.folder / f"{terminal_id}.sqlite3"
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                                    timeout=5)) as store:
                row = store.execute('SELECT CAST("value" AS INTEGER) FROM setting '
                                    'WHERE "key" = ?', (NEXT_SEQ,)).fetchone()
        except sqlite3.Error:
            return False
        return row is not None and int(row[0]) > 1

    def exited_badly(self) -> list[str]:
        """Terminals whose process ended with an error (not killed by us, not finished)."""
        return [tid for tid, process in self.processes.items()
                if process.poll() not in (None, 0)]

    def end_all(self) -> None:
        for process in self.processes.values():
            end(process)


class HqWorkers:
    """`hq serve` processes sharing the ingest, each restarted under its own worker id."""

    def __init__(self, folder: Path, broker: MosquittoBroker, database_url: str) -> None:
        self.folder = folder
        self.environment = {**os.environ, "HQ_DATABASE_URL": database_url,
                            "HQ_BROKER_PORT": str(broker.port),
                            "HQ_BROKER_PASSWORD": broker.accounts.hq_password,
                            "HQ_DATA_DIR": str(folder / "hq")}
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, worker_id: str) -> None:
        log = (self.folder / f"{worker_id}.log").open("ab")
        self.processes[worker_id] = subprocess.Popen(
            [sys.executable, "-m", "hq", "serve"], cwd=REPO,
            env={**self.environment, "HQ_WORKER_ID": worker_id},
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()

    def kill(self, worker_id: str) -> None:
        kill_9(self.processes[worker_id])

    def restart_the_dead(self) -> list[str]:
        """Start again every worker that exited on its own (as a service manager would);
        returns their ids. Workers the schedule kills are started again by the schedule."""
        dead = [wid for wid, process in self.processes.items() if process.poll() is not None]
        for worker_id in dead:
            self.start(worker_id)
        return dead

    def pids(self) -> dict[str, int | None]:
        return {wid: (p.pid if p.poll() is None else None) for wid, p in self.processes.items()}

    def end_all(self) -> None:
        for process in self.processes.values():
            end(process)


def count_events(database_url: str) -> int | None:
    """Rows in HQ's `events` table; None while the database cannot be reached."""
    try:
        if database_url.startswith("sqlite:///"):
            return _count_sqlite(database_url.removeprefix("sqlite:///"))
        return _count_postgres(database_url)
    except (sqlite3.Error, psycopg2.Error):
        return None


def _count_sqlite(path: str) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                            timeout=5)) as db:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


def _count_postgres(database_url: str) -> int | None:
    with contextlib.closing(psycopg2.connect(database_url, connect_timeout=2)) as db:
        cursor = db.cursor()
        cursor.execute("SELECT count(*) FROM events")
        row = cursor.fetchone()
        return int(row[0]) if row else None


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    events: int | None  # stored at HQ; None while the database was unreachable
    broker_rss_kib: int
    hq_rss_kib: dict[str, int]
    broker_file_bytes: int


@dataclass
class Sampler:
    """Samples once a second on its own thread until `stop()`."""

    database_url: str
    broker: MosquittoBroker
    workers: HqWorkers
    samples: list[Sample] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            self.samples.append(self.take())
            self._stopping.wait(max(0.0, SAMPLE_PERIOD_S - (time.monotonic() - started)))

    def take(self) -> Sample:
        saved = self.broker.persistence_dir / "mosquitto.db"
        try:
            file_bytes = saved.stat().st_size
        except OSError:
            file_bytes = 0
        return Sample(time.monotonic(), count_events(self.database_url),
                      rss_kib(self.broker.pid),
                      {wid: rss_kib(pid) for wid, pid in self.workers.pids().items()},
                      file_bytes)

    def last_count(self) -> int | None:
        counted = [s.events for s in self.samples if s.events is not None]
        return counted[-1] if counted else None
