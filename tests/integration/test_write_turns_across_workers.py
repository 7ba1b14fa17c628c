"""Write turns between HQ worker processes on one SQLite file (hq.write_turns.FileTurns): a
request waiting in any worker makes the group under way commit early and keeps the next group
from beginning before it. flock locks belong to an open file, so two threads that each open the
files are two lockers, as two processes are; the last test uses a second process."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from hq.write_turns import FileTurns, WriteTurns
from tests.support.waiting import wait_for


def in_thread(work) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_a_request_of_another_worker_cuts_the_group_short_and_goes_next(tmp_path: Path):
    database = tmp_path / "hq.sqlite3"
    ingest_worker, request_worker = WriteTurns(lock_path=database), WriteTurns(lock_path=database)
    order: list[str] = []
    group_started, group_may_end = threading.Event(), threading.Event()

    def group() -> None:
        with ingest_worker.ingest():
            order.append("group")
            group_started.set()
            group_may_end.wait(10)

    def request() -> None:
        with request_worker.request():
            order.append("request")

    first = in_thread(group)
    assert group_started.wait(10)
    assert not ingest_worker.request_waiting()
    asking = in_thread(request)
    wait_for(ingest_worker.request_waiting, timeout=10)  # the group commits after its batch
    next_group = in_thread(group)  # comes after the waiting request, not before it
    group_may_end.set()
    for thread in (first, asking, next_group):
        thread.join(10)
    assert order == ["group", "request", "group"]
    assert not ingest_worker.request_waiting()


def test_a_group_waits_for_a_request_under_way(tmp_path: Path):
    turns = FileTurns(tmp_path / "hq.sqlite3")
    inside, may_leave = threading.Event(), threading.Event()
    order: list[str] = []

    def request() -> None:
        with FileTurns(tmp_path / "hq.sqlite3").request():
            order.append("request")
            inside.set()
            may_leave.wait(10)
            order.append("request done")

    def group() -> None:
        with turns.ingest():
            order.append("group")

    asking = in_thread(request)
    assert inside.wait(10)
    storing = in_thread(group)
    storing.join(0.3)
    assert storing.is_alive() and order == ["request"]
    may_leave.set()
    for thread in (asking, storing):
        thread.join(10)
    assert order == ["request", "request done", "group"]


def test_a_request_in_another_process_is_seen_waiting(tmp_path: Path):
    database = tmp_path / "hq.sqlite3"
    turns = WriteTurns(lock_path=database)
    program = ("import sys; from pathlib import Path; from hq.write_turns import FileTurns\n"
               "with FileTurns(Path(sys.argv[1])).request():\n    print('asked', flush=True)\n")
    with turns.ingest():
        other = subprocess.Popen([sys.executable, "-c", program, str(database)],
                                 stdout=subprocess.PIPE, text=True)
        wait_for(turns.request_waiting, timeout=30)
        assert other.poll() is None  # still waiting for this group
    assert other.communicate(timeout=30)[0].strip() == "asked"
    assert not turns.request_waiting()
