"""The relay's book of what HQ has not acknowledged (terminal.sync.unacked): the ack wait backs
off and starts again on progress, the window counts batches out, and a resend range asked for
again within the wait is queued once."""

from __future__ import annotations

from terminal.sync.unacked import AckWait, InFlight, ResendRequests


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ceiling(low: float, high: float) -> float:
    return high


def test_the_ack_wait_doubles_after_each_probe_up_to_its_cap() -> None:
    clock = Clock()
    wait = AckWait(0.5, 3.0, uniform=ceiling, now=clock)
    waits = []
    for _ in range(5):
        waits.append(wait.wait_s)
        clock.now += wait.wait_s - 0.01
        assert not wait.due()
        clock.now += 0.01
        assert wait.due()
        wait.probed()
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_progress_starts_the_wait_again_from_the_first() -> None:
    clock = Clock()
    wait = AckWait(0.5, 60.0, uniform=ceiling, now=clock)
    for _ in range(4):
        wait.probed()
    assert wait.wait_s == 8.0
    clock.now += 5
    wait.progressed()
    assert (wait.wait_s, wait.due()) == (0.5, False)
    clock.now += 0.5
    assert wait.due()


def test_the_wait_starts_when_something_is_unacknowledged() -> None:
    clock = Clock()
    wait = AckWait(0.5, 60.0, uniform=ceiling, now=clock)
    clock.now += 100  # idle: nothing out
    wait.idle()
    assert not wait.due()


def test_in_flight_counts_batches_above_the_watermark() -> None:
    in_flight = InFlight()
    for first, last in ((1, 3), (4, 4), (5, 9)):
        in_flight.published(first, last)
    in_flight.acknowledged(4)
    assert (in_flight.count(), in_flight.newest()) == (1, (5, 9))
    in_flight.acknowledged(9)
    assert (in_flight.count(), in_flight.newest()) == (0, None)


def test_a_range_asked_again_within_the_wait_is_queued_once() -> None:
    clock = Clock()
    resends = ResendRequests(now=clock)
    assert resends.ask(5, 9, within_s=2.0)
    assert not resends.ask(5, 9, within_s=2.0)
    assert not resends.ask(6, 8, within_s=2.0)  # inside a range already queued
    assert resends.ask(5, 12, within_s=2.0)  # wider: HQ lacks more now
    clock.now += 2.0
    assert resends.ask(5, 9, within_s=2.0)  # its copy had the wait to arrive


def test_a_range_is_published_batch_by_batch_to_its_end() -> None:
    resends = ResendRequests()
    resends.ask(5, 9, within_s=2.0)
    assert resends.next_range() == (4, 9)
    resends.advance(6)
    assert resends.next_range() == (6, 9)
    resends.advance(9)
    assert resends.next_range() is None
