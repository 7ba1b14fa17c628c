"""Group commit under a fault (issue 11, point 3): `hq serve` killed between the commit of a
group of event batches and that group's acknowledgements. The broker delivers the group again
(it was never acknowledged) and the terminals send it again (never answered): HQ already has it,
so nothing is lost and nothing doubles. Real processes, broker, SQLite and PostgreSQL."""

from pathlib import Path

import pytest

from hq.db import open_database
from hq.fault_injection import FAULT_EXIT_CODE, FAULT_EXIT_ENV
from terminal.store.store import open_store
from tests.integration.test_faults import (
    finish,
    kill,
    reconciled,
    start_hq,
    start_terminal,
    stop,
)
from tests.support.waiting import wait_for

TERMINALS = ("T1", "T2")


@pytest.fixture
def folders(tmp_path_factory):
    return Path(tmp_path_factory.mktemp("group-fault"))


def stored_watermark(url: str, terminal_id: str) -> int:
    db = open_database(url)
    try:
        terminal = db.terminals.get_or_none(db.terminals.id == terminal_id)
        return terminal.watermark if terminal else 0
    finally:
        db.close()


def acknowledged(folder: Path, terminal_id: str) -> int:
    """The watermark HQ's acks told the terminal, as its store recorded it."""
    path = folder / f"{terminal_id}.sqlite3"
    if not path.exists():
        return 0
    with open_store(path) as store:
        return store.ack_watermark()


def test_hq_killed_between_a_group_commit_and_its_acks_loses_and_doubles_nothing(
        broker, hq_database_url, folders, monkeypatch):
    monkeypatch.setenv(FAULT_EXIT_ENV, "3")
    hq = start_hq(broker, hq_database_url, folders)
    monkeypatch.delenv(FAULT_EXIT_ENV)
    terminals = [start_terminal(broker, folders, operations=150, terminal_id=tid, seed=n,
                                pause=0.002) for n, tid in enumerate(TERMINALS)]
    try:
        wait_for(lambda: hq.poll() is not None, what="HQ to exit after its third group commit",
                 timeout=60)
        assert hq.returncode == FAULT_EXIT_CODE, hq.stderr.read().decode(errors="replace")
        # The third group is in the database, and no terminal was told: the window was hit.
        unacknowledged = {tid: stored_watermark(hq_database_url, tid) - acknowledged(folders, tid)
                          for tid in TERMINALS}
        assert any(count > 0 for count in unacknowledged.values()), unacknowledged
        hq = start_hq(broker, hq_database_url, folders)
        for terminal in terminals:
            finish(terminal)
        for tid in TERMINALS:
            result = reconciled(hq_database_url, folders, tid)
            assert result.events_at_hq == result.events_issued, (tid, result)
            assert result.clean, (tid, result)
    finally:
        if hq.poll() is None:
            stop(hq)
        for terminal in terminals:
            if terminal.poll() is None:
                kill(terminal)
