"""The verification benchmark (issue 10, point 9) cannot rot: its entry point runs in a tiny
shape on both databases with events from the real terminal core, none quarantined; and the
switch it turns verification off with skips the screen and nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hq.balances import stored_value
from hq.db import HqDatabase
from hq.ingest import Ingestor
from membership.event_rules import TOPUP_PRINCIPAL_NOT_PAID
from protocol.wire import WireEvent
from tests.integration.hq_feed import TerminalFeed

FIGURE = re.compile(r"^hq ingest into (SQLite|PostgreSQL) \(.*\), 1 worker process\(es\) on \d+ "
                    r"cores: [\d,]+ events/s \(4 terminals, batches of 10, quarantined=0\)$")
REPO = Path(__file__).resolve().parents[2]
RATIO = re.compile(r"^  the same without verification: [\d,]+ events/s; verified/unverified "
                   r"\d+\.\d\d \(target >= 0\.7: (PASS|FAIL)\)$")
CPU = re.compile(r"^  per CPU second of the ingest processes: [\d,]+ verified, [\d,]+ "
                 r"unverified events; ratio \d+\.\d\d \(target >= 0\.7: (PASS|FAIL)\)$")


@pytest.mark.slow(reason="makes events with the terminal core, starts PostgreSQL with fsync "
                         "on and four ingest worker processes")
def test_the_bench_runs_in_a_tiny_shape_on_both_databases(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.hq_ingest_bench", "--terminals", "4", "--batches", "2",
         "--events-per-batch", "10", "--workers", "1", "--repeats", "1"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
        text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("80 events made by the terminal core"), lines
    figures = [line for line in lines if FIGURE.match(line)]
    assert [FIGURE.match(line).group(1) for line in figures] == ["SQLite", "PostgreSQL"], lines
    assert sum(1 for line in lines if RATIO.match(line)) == 2, lines
    assert sum(1 for line in lines if CPU.match(line)) == 2, lines
    assert list(tmp_path.iterdir()) == []  # its databases and batches are removed


def minted_top_up(feed: TerminalFeed, principal: int) -> WireEvent:
    """+principal with nothing paid: no tender listed."""
    honest = feed.top_up(principal, card_no=f"{feed.terminal_id}-C1")
    return WireEvent(honest.seq, honest.op_id, honest.type, honest.at,
                     {**honest.payload, "tenders": []})


def test_turning_verification_off_skips_the_screen(hq: HqDatabase) -> None:
    unverified, verified = TerminalFeed("T1"), TerminalFeed("T2")
    for feed, verify in ((unverified, False), (verified, True)):
        events = [feed.issue(f"{feed.terminal_id}-C1"), minted_top_up(feed, 1_000_000)]
        result = Ingestor(hq, verify_events=verify).handle_events(feed.topic,
                                                                   feed.batch(events), feed.at)
        assert result.stored == 2 and result.watermark == 2
    assert stored_value(hq, "T1-C1") == 1_000_000
    assert stored_value(hq, "T2-C1") == 0
    rows = hq.quarantined_events
    assert [(row.terminal_id, row.seq, row.reason) for row in rows.select()] == [
        ("T2", 2, TOPUP_PRINCIPAL_NOT_PAID)]
