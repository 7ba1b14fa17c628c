"""HQ's scheduled jobs: the daily points expiry (hq.job_points_expiry) and level review
(hq.job_level_review), each run once per day, by `hq serve` at `jobs_hour` or by an operator
(`hq jobs run NAME [--day D]`).

Once per (job, day) whoever runs it: the `job_runs` row (unique on job and day) is inserted in
the same transaction that writes the job's changes. A second worker, or an operator, running
the same day either waits for the first transaction and then fails on the unique key (nothing
written: reported as already run) or finds the row (the same). A run that fails leaves nothing,
not even its row, and is tried again at the next tick.

A day is a calendar day in HQ's `default_time_zone`; its job runs as of the start of that day
there (a lot whose last valid day was the day before expires; a level's window ends then).
After downtime the scheduler runs every missed day, oldest first, up to `jobs_catch_up_days`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import peewee

from hq.db import HqDatabase
from hq.errors import HqError
from hq.job_level_review import read_activity, review_levels
from hq.job_points_expiry import expire_points
from hq.settings import HqSettings
from hq.stores import time_zone
from hq.times import local_day, stored_time, utc_now

log = logging.getLogger("hq.jobs")

POINTS_EXPIRY = "points_expiry"
LEVEL_REVIEW = "level_review"


@dataclass(frozen=True)
class Job:
    """`work(db, day, at, prepared)` in the run's write transaction, after `prepare(db, at)`
    read what it can before it (outside the write lock)."""

    work: Callable[[HqDatabase, date, datetime, Any], list[str]]
    prepare: Callable[[HqDatabase, datetime], Any] = lambda db, at: None


# In the order they run on a day: points expire first, so a review never counts them.
JOBS: dict[str, Job] = {
    POINTS_EXPIRY: Job(lambda db, day, at, _: expire_points(db, day, at)),
    LEVEL_REVIEW: Job(review_levels, read_activity),
}


class UnknownJob(HqError, LookupError):
    """No job has this name."""


@dataclass(frozen=True)
class JobOutcome:
    job: str
    day: date
    ran: bool  # False: the day had run already (here or on another worker)
    cards: tuple[str, ...] = ()  # the cards whose balances or level changed


def day_start(day: date, zone: tzinfo) -> datetime:
    """The first moment of `day` in `zone`, as HQ stores times (naive UTC)."""
    return stored_time(datetime.combine(day, time(0), zone))


def run_job(db: HqDatabase, job: str, day: date, zone: tzinfo, now: datetime | None = None,
            started_by: str = "cli") -> JobOutcome:
    """Run `job` for `day` unless it ran already; its changes and its run row commit together."""
    work = JOBS.get(job)
    if work is None:
        raise UnknownJob(f"no job {job!r}: one of {', '.join(JOBS)}")
    if _has_run(db, job, day):
        return JobOutcome(job, day, False)
    ran_at, at = stored_time(now or utc_now()), day_start(day, zone)
    prepared = work.prepare(db, at)
    try:
        with db.write_transaction():
            db.job_runs.insert(job=job, day=day, ran_at=ran_at, started_by=started_by).execute()
            cards = work.work(db, day, at, prepared)
            db.job_runs.update(cards_changed=len(cards)).where(
                (db.job_runs.job == job) & (db.job_runs.day == day)).execute()
    except peewee.IntegrityError:
        if not _has_run(db, job, day):
            raise
        log.info("%s for %s ran already", job, day)
        return JobOutcome(job, day, False)
    log.info("%s for %s: %d cards changed", job, day, len(cards))
    return JobOutcome(job, day, True, tuple(cards))


def _has_run(db: HqDatabase, job: str, day: date) -> bool:
    runs = db.job_runs
    return runs.select().where((runs.job == job) & (runs.day == day)).exists()


def last_run_day(db: HqDatabase, job: str) -> date | None:
    runs = db.job_runs
    return runs.select(peewee.fn.MAX(runs.day)).where(runs.job == job).scalar()


def due_days(db: HqDatabase, job: str, today: date, catch_up_days: int) -> list[date]:
    """The days up to `today` the job has yet to run, oldest first: every day since its last
    run, at most `catch_up_days` back; only `today` for a job that never ran."""
    last = last_run_day(db, job)
    earliest = today - timedelta(days=catch_up_days - 1)
    first = today if last is None else max(last + timedelta(days=1), earliest)
    return [first + timedelta(days=offset) for offset in range((today - first).days + 1)]


def current_day(now: datetime, zone: tzinfo, hour: int) -> date:
    """The newest day whose jobs are due at `now`: today once `hour` has struck, else
    yesterday."""
    local = now.astimezone(zone) if now.tzinfo else now
    today = local_day(now, zone)
    return today if local.hour >= hour else today - timedelta(days=1)


class JobScheduler:
    """A worker's thread that runs the due days of every job, then hands the changed cards
    to `on_changed` (HQ pushes their records to the terminals, hq.card_updates)."""

    def __init__(self, db: HqDatabase, zone: tzinfo, hour: int, poll_s: float,
                 catch_up_days: int, on_changed: Callable[[Sequence[str]], None],
                 clock: Callable[[], datetime] = utc_now, worker_id: str = "") -> None:
        self._db, self._zone, self._hour = db, zone, hour
        self._poll_s, self._catch_up = poll_s, catch_up_days
        self._on_changed, self._clock, self._worker = on_changed, clock, worker_id
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hq-jobs", daemon=True)

    def start(self) -> None:
        """Once; again (a worker subscribing after a reconnect) does nothing."""
        if self._thread.ident is None:
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                self.run_due()
                self._stopping.wait(self._poll_s)
        finally:
            self._db.close()  # this thread's own connection

    def run_due(self) -> list[JobOutcome]:
        """Run every job's due days; a failure is logged and tried again at the next tick."""
        newest = current_day(self._clock(), self._zone, self._hour)
        outcomes: list[JobOutcome] = []
        try:
            for job in JOBS:
                for day in due_days(self._db, job, newest, self._catch_up):
                    if self._stopping.is_set():
                        return outcomes
                    outcome = run_job(self._db, job, day, self._zone, self._clock(),
                                      self._worker)
                    outcomes.append(outcome)
                    if outcome.cards:
                        self._on_changed(outcome.cards)
        except (HqError, peewee.DatabaseError) as error:
            log.error("scheduled job failed, trying again in %.0f s: %s", self._poll_s, error)
        return outcomes


def scheduled_jobs(settings: HqSettings, db: HqDatabase,
                   on_changed: Callable[[Sequence[str]], None],
                   clock: Callable[[], datetime] = utc_now) -> JobScheduler | None:
    """The worker's scheduler from its `[hq]` settings; None when `jobs_enabled` is false."""
    if not settings.jobs_enabled:
        return None
    return JobScheduler(db, time_zone(settings.default_time_zone), settings.jobs_hour,
                        settings.jobs_poll_s, settings.jobs_catch_up_days, on_changed, clock,
                        settings.worker_id)
