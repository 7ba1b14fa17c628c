"""Reconnect waits: random within a doubling ceiling, capped, back to the first after a
connection (terminal.sync.backoff)."""

from __future__ import annotations

import random

import pytest

from terminal.sync.backoff import ReconnectBackoff


def test_each_wait_is_drawn_within_a_doubling_ceiling_up_to_the_cap() -> None:
    bounds: list[tuple[float, float]] = []

    def record(low: float, high: float) -> float:
        bounds.append((low, high))
        return high

    backoff = ReconnectBackoff(1.0, 30.0, uniform=record)
    waits = [backoff.next_wait() for _ in range(7)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert all(low == 1.0 for low, _ in bounds)
    backoff.connected()
    assert backoff.next_wait() == 1.0


def test_a_fleet_does_not_reconnect_in_step() -> None:
    fleet = [ReconnectBackoff(1.0, 30.0, uniform=random.Random(seed).uniform)
             for seed in range(50)]
    for _ in range(4):
        waits = [terminal.next_wait() for terminal in fleet]
    assert len({round(wait, 3) for wait in waits}) > 40  # spread, not 50 copies of 8 s
    assert all(1.0 <= wait <= 8.0 for wait in waits)


def test_bounds_are_checked() -> None:
    with pytest.raises(ValueError):
        ReconnectBackoff(5.0, 1.0)
