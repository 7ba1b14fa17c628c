"""bench/broker_queue_bench.py runs end to end in a tiny shape, so the bench cannot rot."""

from __future__ import annotations

import pytest

from bench import broker_queue_bench

pytestmark = pytest.mark.timeout(120)


def test_the_broker_queue_bench_prints_each_profile(capsys: pytest.CaptureFixture[str]) -> None:
    broker_queue_bench.main(["--messages", "40", "--budget-s", "20"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(broker_queue_bench.PROFILES)
    for line, profile in zip(lines[1:], broker_queue_bench.PROFILES, strict=True):
        assert line.startswith(profile.name)
        assert "40 messages" in line and "PUBACK {'Success': 40}" in line
        assert "HQ's session then received 40" in line
