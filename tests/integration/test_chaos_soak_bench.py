"""bench/chaos_soak_bench.py runs end to end in a tiny shape, so the bench cannot rot: two
terminal processes, two `hq serve` workers on PostgreSQL, one worker killed -9 and the
database restarted, then the drain and the reconciliation."""

from __future__ import annotations

import re

import pytest

from bench import chaos_soak_bench

pytestmark = [pytest.mark.timeout(240),
              pytest.mark.slow(reason="a 20 s soak of real terminal, HQ, broker and "
                                      "PostgreSQL processes, then their drain")]


def test_the_chaos_soak_prints_its_periods_faults_and_a_clean_reconciliation(
        capsys: pytest.CaptureFixture[str]) -> None:
    chaos_soak_bench.main(["--minutes", "0.34", "--period-s", "5", "--terminals", "2",
                           "--faults", "2", "--fault-kinds", "hq-worker-kill",
                           "postgres-restart", "--fast-timers", "--pause-s", "0.2"])
    out = capsys.readouterr().out
    periods = [line for line in out.splitlines() if re.match(r"\s+\d+\s+\d+\s", line)]
    assert len(periods) == 4, out
    faults = re.findall(r"^fault at .*: (\S+) ", out, flags=re.MULTILINE)
    assert sorted(faults) == ["hq-worker-kill", "postgres-restart"], out
    reconciled = re.search(r"issued=(\d+) at_hq=(\d+) missing=0 duplicated=0 "
                           r"balance_mismatches=0 quarantined=0", out)
    assert reconciled is not None, out
    assert int(reconciled[1]) == int(reconciled[2]) > 0, out
    assert "exited with an error: 0" in out, out
