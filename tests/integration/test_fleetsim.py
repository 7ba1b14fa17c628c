"""The fleet simulator as a newcomer runs it: its own broker and HQ, terminals in worker
processes, one line at the end, exit status 0 only when the reconciliation is clean."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.support.timers import fast_sync_flags

LINE = re.compile(
    r"^fleetsim: terminals=(\d+) events=(\d+) at_hq=(\d+) missing=(\d+) duplicated=(\d+) "
    r"balance_mismatches=(\d+) quarantined=(\d+) events_per_s=(\d+)$")


def run_fleetsim(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.fleetsim", *arguments],
                          capture_output=True, text=True, timeout=240, check=False)


def test_a_small_fleet_reconciles_cleanly_on_both_databases(hq_database_url: str) -> None:
    # More terminals than one worker process takes, so the fleet really spans processes.
    done = run_fleetsim("--terminals", "55", "--sales-per-terminal", "6",
                        "--database-url", hq_database_url, "--workers", "2",
                        *fast_sync_flags())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    match = LINE.match(lines[0])
    assert match, lines[0]
    terminals, events, at_hq, missing, duplicated, mismatches, quarantined, _ = map(
        int, match.groups())
    assert terminals == 55
    assert events >= 55 * 2 and at_hq == events  # a refused operation makes no event
    assert missing == duplicated == mismatches == quarantined == 0


def test_bad_arguments_exit_non_zero_with_a_message() -> None:
    done = run_fleetsim("--terminals", "0")
    assert done.returncode != 0
    assert "--terminals" in done.stderr
