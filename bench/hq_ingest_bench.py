"""HQ ingest throughput, in process (no broker): batches of 50 events from 200 simulated
terminals into SQLite and into a throw-away PostgreSQL, with 1 and with 4 ingest workers.

Every figure is durable: SQLite runs as HQ does (WAL, synchronous=FULL) on a file on disk, and
the PostgreSQL cluster keeps fsync on (TempPostgres(fsync=True): no fsync=off, no
synchronous_commit=off). A worker is a thread with its own connection, as a shared-subscription
worker would be; each takes a fixed share of the terminals so their batches stay in order.
Payloads are built before the clock starts; parsing and validation are timed, as in HQ.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from hq.db import open_database
from hq.ingest import Ingestor
from membership.events import entry_to_dict
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.wire import WireEvent, build_event_batch, terminal_topic
from tests.support.postgres import TempPostgres

TERMINALS = 200
EVENTS_PER_BATCH = 50
BATCHES_PER_TERMINAL = 5  # 50,000 events a run
CARDS_PER_TERMINAL = 25
WORKER_COUNTS = (1, 4)
START = datetime(2026, 11, 23, 9, 0)

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


def ingest_rate(url: str, per_terminal: list[list[Batch]], workers: int) -> float:
    """Events stored per second by `workers` threads into the (empty) database at `url`."""
    open_database(url).close()
    shares = [per_terminal[index::workers] for index in range(workers)]
    stored = [0] * workers
    failures: list[str] = []

    def work(index: int) -> None:
        database = open_database(url, migrate=False)
        ingestor = Ingestor(database)
        for round_no in range(BATCHES_PER_TERMINAL):
            for batches in shares[index]:
                topic, payload = batches[round_no]
                result = ingestor.handle_events(topic, payload, datetime.now())
                if result.dead_letter_reason or result.resend:
                    failures.append(f"{topic}: {result}")
                stored[index] += result.stored
        database.close()

    elapsed = _timed([threading.Thread(target=work, args=(index,)) for index in range(workers)])
    expected = TERMINALS * BATCHES_PER_TERMINAL * EVENTS_PER_BATCH
    if failures or sum(stored) != expected:
        raise SystemExit(f"ingest went wrong: {sum(stored)} of {expected} stored; {failures[:3]}")
    return expected / elapsed


def _timed(threads: list[threading.Thread]) -> float:
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def _report(label: str, run: Callable[[int], float]) -> None:
    for workers in WORKER_COUNTS:
        rate = run(workers)
        print(f"hq ingest into {label}, {workers} worker(s): {rate:,.0f} events/s "
              f"({TERMINALS} terminals, batches of {EVENTS_PER_BATCH})")


def main() -> None:
    per_terminal = build_batches()
    folder = Path(tempfile.mkdtemp(prefix="hq-bench-", dir=Path.cwd()))
    try:
        _report("SQLite (WAL, synchronous=FULL)",
                lambda workers: ingest_rate(f"sqlite:///{folder / f'w{workers}.sqlite3'}",
                                            per_terminal, workers))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    with TempPostgres(fsync=True) as cluster:
        def run_postgres(workers: int) -> float:
            return ingest_rate(cluster.create_database(f"bench_w{workers}"), per_terminal,
                               workers)

        _report("PostgreSQL (fsync on)", run_postgres)


if __name__ == "__main__":
    main()
