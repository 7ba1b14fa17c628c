"""What bench/fleet_scale_bench.py reads of the processes it runs: CPU seconds from /proc, and
the events each `hq serve` worker stored.

CPU: a process's user + system time (`/proc/PID/stat`), its threads included. PostgreSQL is the
postmaster and every process it started (backends, WAL writer, checkpointer...); a backend that
exits moves its time into the postmaster's children's time, which is counted too, so a sum taken
before and after a period covers every process that ran in it.

Per worker: each worker connects to PostgreSQL with its worker id as `application_name`, and
the bench adds to its own database's `events` a column whose default is that name
(`events.stored_by`). HQ's inserts do not name the column, so every row records which worker
stored it; the bench reads `count(*) ... GROUP BY stored_by`. Only this bench's database has the
column.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from bench.chaos_rig import HqWorkers
from harness.broker import MosquittoBroker

CLOCK_TICKS_S = os.sysconf("SC_CLK_TCK")
_STORED_BY_COLUMN = ("ALTER TABLE events ADD COLUMN stored_by text "
                     "DEFAULT current_setting('application_name')")


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on; None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int, with_waited_children: bool = False) -> float:
    """User + system CPU seconds of a process (0.0 once it is gone)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if with_waited_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLOCK_TICKS_S


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                pids.append(int(entry.name))
    return pids


def postgres_cpu_seconds(postmaster: int) -> float:
    """The postmaster, its exited children and its live ones."""
    return (cpu_seconds(postmaster, with_waited_children=True)
            + sum(cpu_seconds(pid) for pid in children_of(postmaster)))


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of every core since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])  # guest time is already in user
    return (total - idle) / CLOCK_TICKS_S, total / CLOCK_TICKS_S


@dataclass(frozen=True)
class CpuReading:
    """Cumulative CPU seconds of each part at one moment."""

    broker: float
    postgres: float
    workers: dict[str, float]
    hosts: float
    bench: float
    machine_busy: float
    machine_total: float


@dataclass(frozen=True)
class Pids:
    broker: int
    postmaster: int
    workers: dict[str, int]
    hosts: list[int]


def read_cpu(pids: Pids) -> CpuReading:
    busy, total = machine_busy_seconds()
    return CpuReading(cpu_seconds(pids.broker), postgres_cpu_seconds(pids.postmaster),
                      {wid: cpu_seconds(pid) for wid, pid in pids.workers.items()},
                      sum(cpu_seconds(pid) for pid in pids.hosts),
                      cpu_seconds(os.getpid()), busy, total)


class NamedHqWorkers(HqWorkers):
    """`hq serve` processes whose PostgreSQL connections carry their worker id."""

    def __init__(self, folder: Path, broker: MosquittoBroker, database_url: str) -> None:
        super().__init__(folder, broker, database_url)
        self.database_url = database_url

    def start(self, worker_id: str) -> None:
        self.environment["HQ_DATABASE_URL"] = f"{self.database_url}?application_name={worker_id}"
        super().start(worker_id)


def add_stored_by(database_url: str) -> None:
    """The bench's own column (see above); the schema must exist already."""
    with contextlib.closing(psycopg2.connect(database_url)) as db, db.cursor() as cursor:
        cursor.execute(_STORED_BY_COLUMN)
        db.commit()


def shadow_writes(database_url: str) -> tuple[int, int]:
    """(terminals with a shadow at HQ, shadow rows written so far): a fleet that just came
    online reports one shadow per configuration document it applied, each its own write."""
    with contextlib.closing(psycopg2.connect(database_url)) as db, db.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM shadows), COALESCE((SELECT n_tup_ins + "
                       "n_tup_upd FROM pg_stat_user_tables WHERE relname = 'shadows'), 0)")
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def stored_by_worker(database_url: str) -> dict[str, int]:
    """Events stored so far, by the `application_name` of the connection that stored them."""
    with contextlib.closing(psycopg2.connect(database_url)) as db, db.cursor() as cursor:
        cursor.execute("SELECT stored_by, count(*) FROM events GROUP BY stored_by")
        return {str(name): int(count) for name, count in cursor.fetchall()}
