"""hq.coalescing.Coalescer on a hand-turned clock and a hand-written scheduler: the first request
after a quiet interval runs at once, requests within the interval give one run at its end, a
request while a run is under way is not lost, and stop() cancels what is scheduled."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from hq.coalescing import Coalescer

INTERVAL_S = 5.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Scheduled:
    def __init__(self, due: float, run: Callable[[], None]) -> None:
        self.due, self.run, self.cancelled = due, run, False

    def cancel(self) -> None:
        self.cancelled = True


class FakeScheduler:
    """Keeps what is scheduled; `advance` moves the clock and runs what falls due."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.scheduled: list[Scheduled] = []

    def __call__(self, delay_s: float, run: Callable[[], None]) -> Scheduled:
        entry = Scheduled(self.clock.now + delay_s, run)
        self.scheduled.append(entry)
        return entry

    def waiting(self) -> list[float]:
        return [entry.due for entry in self.scheduled if not entry.cancelled]

    def advance(self, seconds: float) -> None:
        self.clock.now += seconds
        due = [entry for entry in self.scheduled if entry.due <= self.clock.now]
        self.scheduled = [entry for entry in self.scheduled if entry not in due]
        for entry in due:
            if not entry.cancelled:
                entry.run()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scheduler(clock: FakeClock) -> FakeScheduler:
    return FakeScheduler(clock)


def coalescer(clock: FakeClock, scheduler: FakeScheduler, runs: list[float],
              during_run: Callable[[], None] = lambda: None) -> Coalescer:
    def action() -> None:
        runs.append(clock.now)
        during_run()

    return Coalescer(action, INTERVAL_S, schedule=scheduler, clock=clock)


def test_the_first_request_runs_at_once_and_the_next_ones_once_at_the_end_of_the_interval(
        clock, scheduler) -> None:
    runs: list[float] = []
    refresh = coalescer(clock, scheduler, runs)
    refresh.request()
    assert runs == [100.0] and scheduler.waiting() == []
    scheduler.advance(1.0)
    refresh.request()
    scheduler.advance(2.0)
    refresh.request()
    refresh.request()
    assert runs == [100.0]
    assert scheduler.waiting() == [105.0]  # one run, at the end of the interval
    scheduler.advance(2.0)
    assert runs == [100.0, 105.0]
    scheduler.advance(3.0)
    refresh.request()  # within the interval of the scheduled run
    assert runs == [100.0, 105.0] and scheduler.waiting() == [110.0]
    scheduler.advance(2.0)
    assert runs == [100.0, 105.0, 110.0]


def test_a_request_after_a_quiet_interval_runs_at_once(clock, scheduler) -> None:
    runs: list[float] = []
    refresh = coalescer(clock, scheduler, runs)
    refresh.request()
    scheduler.advance(INTERVAL_S)
    refresh.request()
    scheduler.advance(60.0)
    refresh.request()
    assert runs == [100.0, 105.0, 165.0]
    assert scheduler.waiting() == []


def test_a_request_while_a_run_is_under_way_gets_a_run_of_its_own(clock, scheduler) -> None:
    runs: list[float] = []
    asked = []

    def ask_once_more() -> None:  # as a batch committed while the refresh was reading
        if not asked:
            asked.append(True)
            refresh.request()

    refresh = coalescer(clock, scheduler, runs, ask_once_more)
    refresh.request()
    assert runs == [100.0] and scheduler.waiting() == [105.0]
    scheduler.advance(INTERVAL_S)
    assert runs == [100.0, 105.0] and scheduler.waiting() == []


def test_stop_cancels_the_scheduled_run_and_later_requests(clock, scheduler) -> None:
    runs: list[float] = []
    refresh = coalescer(clock, scheduler, runs)
    refresh.request()
    refresh.request()
    (scheduled,) = scheduler.scheduled
    refresh.stop()
    assert scheduled.cancelled
    scheduled.run()  # a timer that fired as it was being cancelled
    scheduler.advance(60.0)
    refresh.request()
    assert runs == [100.0] and scheduler.waiting() == []


def test_stop_waits_for_a_run_under_way_in_another_thread() -> None:
    started, release = threading.Event(), threading.Event()

    def slow_action() -> None:
        started.set()
        release.wait(10)

    refresh = Coalescer(slow_action, INTERVAL_S)
    running = threading.Thread(target=refresh.request)
    running.start()
    assert started.wait(10)
    stopping = threading.Thread(target=refresh.stop)
    stopping.start()
    stopping.join(0.2)
    assert stopping.is_alive()  # still waiting for the run
    release.set()
    stopping.join(10)
    running.join(10)
    assert not stopping.is_alive() and not running.is_alive()


def test_a_real_timer_runs_the_scheduled_request() -> None:
    ran = threading.Event()
    runs: list[int] = []

    def action() -> None:
        runs.append(1)
        if len(runs) == 2:
            ran.set()

    refresh = Coalescer(action, 0.1)
    refresh.request()
    refresh.request()
    assert runs == [1]
    assert ran.wait(10)
    refresh.stop()
