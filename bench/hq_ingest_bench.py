"""HQ ingest throughput, in process (no broker): batches of 50 events from 200 simulated
terminals into SQLite and into a throw-away PostgreSQL, with 1 to 4 ingest worker processes.

A worker is a process with its own connection, as an `hq serve` process sharing the broker's
subscription is: threads in one process would share one core's worth of Python, and the ingest
is mostly Python. Each worker takes a fixed share of the terminals, so that each terminal's
batches stay in order, and builds its payloads before the clock starts; parsing and validation
are timed, as in HQ. The figure is all the events over the time from the moment every worker is
ready to the moment the last one has committed its last batch.

Every figure is durable: SQLite runs as HQ does (WAL, synchronous=FULL) on a file on disk, and
the PostgreSQL cluster keeps fsync on (TempPostgres(fsync=True): no fsync=off, no
synchronous_commit=off).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hq.db import open_database
from hq.ingest import Ingestor
from membership.events import entry_to_dict
from membership.ledger import Account, EntryKind, LedgerEntry
from protocol.wire import WireEvent, build_event_batch, terminal_topic
from tests.support.postgres import TempPostgres

TERMINALS = 200
EVENTS_PER_BATCH = 50
BATCHES_PER_TERMINAL = 5  # 50,000 events a run
CARDS_PER_TERMINAL = 25
WORKER_COUNTS = (1, 2, 4)
START = datetime(2026, 11, 23, 9, 0)
READY_TIMEOUT_S = 120  # building a worker's payloads takes a second or two

Batch = tuple[str, bytes]  # (topic, payload)


def _entries(op_id: str, card_no: str, at: datetime, principal: int, bonus: int
             ) -> list[dict[str, object]]:
    kind = EntryKind.TOPUP if principal > 0 else EntryKind.SPEND
    return [entry_to_dict(LedgerEntry(op_id, card_no, account, amount, kind, at))
            for account, amount in ((Account.PRINCIPAL, principal), (Account.BONUS, bonus))]


def _top_up(op_id: str, at: datetime, card_no: str, principal: int, bonus: int) -> dict:
    return {"card_no": card_no, "paid": principal, "bonus": bonus,
            "tenders": [{"kind": "cash", "amount": principal, "reference": ""}],
            "entries": _entries(op_id, card_no, at, principal, bonus)}


def _event(terminal_id: str, seq: int) -> WireEvent:
    """An opening top-up for each of the terminal's cards, then in every ten events seven
    stored-value sales, two top-ups and one cash sale (no card balance ever goes negative)."""
    op_id, at = f"{terminal_id}-{seq}", START + timedelta(seconds=seq)
    card_no = f"{terminal_id}-C{seq % CARDS_PER_TERMINAL:02d}"
    if seq <= CARDS_PER_TERMINAL:
        return WireEvent(seq, op_id, "card.topped_up", at,
                         _top_up(op_id, at, card_no, 100_000, 10_000))
    if seq % 10 in (1, 2):
        return WireEvent(seq, op_id, "card.topped_up", at, _top_up(op_id, at, card_no, 1_000, 100))
    if seq % 10 == 3:
        return WireEvent(seq, op_id, "sale.completed", at, {
            "store_id": "SH001", "card_no": "", "gross": 1_800, "amount_due": 1_800,
            "tenders": [{"kind": "cash", "amount": 2_000, "reference": ""}], "change": 200,
            "entries": []})
    return WireEvent(seq, op_id, "sale.completed", at, {
        "store_id": "SH001", "card_no": card_no, "gross": 1_100, "amount_due": 1_100,
        "tenders": [{"kind": "stored_value", "amount": 1_100, "reference": ""}], "change": 0,
        "entries": _entries(op_id, card_no, at, -1_000, -100)})


def build_batches() -> list[list[Batch]]:
    """Per terminal, its batches in seq order."""
    per_terminal = []
    for number in range(TERMINALS):
        terminal_id = f"S{number // 4:03d}-T{number % 4}"
        topic = terminal_topic(terminal_id, "events")
        batches = []
        for index in range(BATCHES_PER_TERMINAL):
            first = index * EVENTS_PER_BATCH + 1
            events = [_event(terminal_id, seq) for seq in range(first, first + EVENTS_PER_BATCH)]
            batches.append((topic, build_event_batch(terminal_id, events, events[-1].at)))
        per_terminal.append(batches)
    return per_terminal


def ingest_rate(url: str, workers: int) -> float:
    """Events stored per second by `workers` processes into the (empty) database at `url`."""
    open_database(url).close()
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [context.Process(target=_work, args=(url, index, workers, ready, results))
                 for index in range(workers)]
    for process in processes:
        process.start()
    ready.wait(timeout=READY_TIMEOUT_S)  # BrokenBarrierError if a worker died before it
    started = time.perf_counter()
    outcomes = _collect(processes, results)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    stored = sum(count for count, _ in outcomes)
    failures = [failure for _, failed in outcomes for failure in failed]
    expected = TERMINALS * BATCHES_PER_TERMINAL * EVENTS_PER_BATCH
    if failures or stored != expected:
        raise SystemExit(f"ingest went wrong: {stored} of {expected} stored; {failures[:3]}")
    return expected / elapsed


def _collect(processes: list[Any], results: Any) -> list[tuple[int, list[str]]]:
    """Each worker's (events stored, failures), as they finish; stops if one died instead."""
    outcomes: list[tuple[int, list[str]]] = []
    while len(outcomes) < len(processes):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(process.exitcode not in (None, 0) for process in processes):
                raise SystemExit("an ingest worker died (its traceback is above)") from None
    return outcomes


def _work(url: str, index: int, workers: int, ready: Any, results: Any) -> None:
    """One worker process: its share of the terminals, round by round."""
    share = build_batches()[index::workers]
    database = open_database(url, migrate=False)
    ingestor = Ingestor(database)
    ready.wait(timeout=READY_TIMEOUT_S)
    results.put(_ingest_share(ingestor, share))
    database.close()


def _ingest_share(ingestor: Ingestor, share: list[list[Batch]]) -> tuple[int, list[str]]:
    stored, failures = 0, []
    for round_no in range(BATCHES_PER_TERMINAL):
        for batches in share:
            topic, payload = batches[round_no]
            result = ingestor.handle_events(topic, payload, datetime.now())
            if result.dead_letter_reason or result.resend:
                failures.append(f"{topic}: {result}")
            stored += result.stored
    return stored, failures


def _report(label: str, run: Callable[[int], float]) -> None:
    for workers in WORKER_COUNTS:
        rate = run(workers)
        print(f"hq ingest into {label}, {workers} worker process(es) on {os.cpu_count()} cores: "
              f"{rate:,.0f} events/s ({TERMINALS} terminals, batches of {EVENTS_PER_BATCH})")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hq-bench-", dir=Path.cwd()))
    try:
        _report("SQLite (WAL, synchronous=FULL)",
                lambda workers: ingest_rate(f"sqlite:///{folder / f'w{workers}.sqlite3'}",
                                            workers))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    with TempPostgres(fsync=True) as cluster:
        _report("PostgreSQL (fsync on)",
                lambda workers: ingest_rate(cluster.create_database(f"bench_w{workers}"),
                                            workers))


if __name__ == "__main__":
    main()
