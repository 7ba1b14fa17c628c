"""bench/fleet_scale_bench.py runs end to end in a tiny shape, so the bench cannot rot: 20
terminals in one host process, two `hq serve` workers sharing the subscription on PostgreSQL,
a few seconds of selling, then the CPU table, the drain and the reconciliation."""

from __future__ import annotations

import re

import pytest

from bench import fleet_scale_bench

pytestmark = [pytest.mark.timeout(300),
              pytest.mark.slow(reason="starts PostgreSQL, Mosquitto, two hq serve processes "
                                      "and a host of 20 terminals, and sells for seconds")]


def test_the_fleet_scale_bench_prints_each_workers_events_each_parts_cpu_and_reconciles(
        capsys: pytest.CaptureFixture[str]) -> None:
    status = fleet_scale_bench.main(
        ["--terminals", "20", "--hosts", "1", "--workers", "2", "--rate", "20", "--idle-s", "1",
         "--warmup-s", "2", "--measure-s", "4", "--fast-timers"])
    out = capsys.readouterr().out
    assert status == 0, out
    per_worker = dict(re.findall(r"^  (hq-\d)\s+([\d.,]+) events/s$", out, flags=re.MULTILINE))
    assert sorted(per_worker) == ["hq-1", "hq-2"], out  # both took part of the shared queue
    assert all(float(rate) > 0 for rate in per_worker.values()), out
    for part in ("broker (mosquitto)", "PostgreSQL (all processes)", "hq serve hq-1",
                 "hq serve hq-2", "simulator (host processes)"):
        row = re.search(rf"^{re.escape(part)}\s+([\d.]+)\s+([\d.]+)\s", out, flags=re.MULTILINE)
        assert row is not None, (part, out)
    selling = re.search(r"^PostgreSQL \(all processes\)\s+[\d.]+\s+([\d.]+)\s", out,
                        flags=re.MULTILINE)
    assert selling is not None and float(selling[1]) > 0, out  # its processes were found
    reconciled = re.search(r"issued=(\d+) at_hq=(\d+) missing=0 duplicated=0 "
                           r"balance_mismatches=0 quarantined=0", out)
    assert reconciled is not None, out
    assert int(reconciled[1]) == int(reconciled[2]) > 0, out
    assert "PASS: every issued event at HQ exactly once" in out, out
