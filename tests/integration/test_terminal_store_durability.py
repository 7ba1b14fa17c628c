"""A committed sale survives the death of the process that committed it.

This kills a real process with SIGKILL right after `commit_sale` returns: no close, no
checkpoint, no Python clean-up, so the sale exists only in the WAL file when the process dies.
It tests what WAL gives us through process death. It does NOT test a power cut: the operating
system still holds the page cache and writes it out. What makes a power cut survivable is
`synchronous=FULL` (an fsync of the WAL on every commit), which test_terminal_store checks is
set on every connection; pulling the plug is for the hardware test bench.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from terminal.store import open_store

REPO = Path(__file__).resolve().parents[2]

CHILD = """
import os, signal, sys
from terminal.store import open_store
from tests.integration.store_world import guest_sale

store = open_store(sys.argv[1])
seqs = store.commit_sale(guest_sale("T1-DURABLE"))
print(seqs[0], flush=True)
os.kill(os.getpid(), signal.SIGKILL)
print("still alive", flush=True)
"""


def test_a_sale_committed_just_before_sigkill_is_there_on_reopening(tmp_path: Path):
    path = tmp_path / "terminal.db"
    open_store(path).close()  # the schema exists and is checkpointed: only the sale is new

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], cwd=REPO, capture_output=True, text=True,
        timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )

    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.split() == ["1"]  # commit returned seq 1, and nothing ran after
    wal = path.with_name(path.name + "-wal")
    # The sale is in the log only: reopening must replay it from there.
    assert b"T1-DURABLE" in wal.read_bytes()
    assert b"T1-DURABLE" not in path.read_bytes()

    with open_store(path) as reopened:
        record = reopened.sale_record("T1-DURABLE")
        assert record is not None and record.amount_due == 2800
        assert [(event.seq, event.op_id) for event in reopened.outbox_batch(0, 10)] == [
            (1, "T1-DURABLE")]
        assert reopened.next_seq() == 2
