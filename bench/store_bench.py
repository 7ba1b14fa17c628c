"""Terminal store commit speed on this disk: a sale's transaction against a bare SQLite commit.

(a) raw: one row into a plain table per transaction, with the store's pragmas (WAL,
    synchronous=FULL), through the sqlite3 module: what the disk's fsync allows.
(b) sale: `TerminalStore.commit_sale` of a member sale (sale, 2 lines, 2 tenders, 6 ledger
    entries, receipt, outbox row) in one transaction.

A third line, for diagnosis only, commits the same sales with synchronous=OFF: the store's CPU and
SQLite work without the fsync, so the gap between (a) and (b) can be read as work, not disk.

All run in the same process, in alternating rounds so that disk noise hits both alike, on a
temporary directory next to this file (the repository's disk, not a RAM-backed /tmp). Targets:
(b)/(a) >= 0.5 (the store's work on top of the fsync costs at most as much as the fsync) and a
p99 sale commit under 20 ms (the cashier never waits on the disk).
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from membership import stored_value
from membership.cards import Card
from membership.catalogue import SaleLine
from membership.ledger import derive_balances
from membership.sale import MemberContext, SaleDecision, SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from terminal.cashier.context import operation_id
from terminal.demo import store as demo
from terminal.store import open_store
from terminal.store.db import PRAGMAS

TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0
ROUNDS = 3
COMMITS_PER_ROUND = 500
WARM_UP = 20
NO_SYNC_COMMITS = 500
START = datetime(2026, 11, 23, 9, 0)


def member_sales(count: int) -> list[SaleDecision]:
    """Decided before timing starts: only the commit is measured. The op_ids are the ones the
    terminal makes (terminal.cashier.context.operation_id)."""
    card = Card("8800000000000001", "M0001", "GOLD", issued_on=START.date())
    topped = stored_value.top_up(card, demo.GOLD_CARD, derive_balances([]), 10_000_000, "TOPUP",
                                 START).entries
    member = MemberContext(card, demo.GOLD_CARD, derive_balances(topped), member_name="张三")
    lines = (SaleLine(1, demo.PRODUCTS["LATTE"], 1), SaleLine(2, demo.PRODUCTS["CAKE"], 1))
    tenders = (Tender(TenderKind.STORED_VALUE, 5000), Tender(TenderKind.CASH, 10000))
    return [
        decide_sale(SaleRequest(operation_id("SH001-T1", n), START + timedelta(seconds=n),
                                lines, tenders), demo.STORE, demo.RULES, member)
        for n in range(count)
    ]


def raw_committer(path: Path) -> Callable[[int], None]:
    connection = sqlite3.connect(path, isolation_level=None)
    for name, value in PRAGMAS:
        connection.execute(f"PRAGMA {name} = {value}")
    connection.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    def commit(n: int) -> None:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO plain (body) VALUES (?)", (f"row {n}",))
        connection.execute("COMMIT")

    return commit


def timed(commit: Callable[[int], None], numbers: range) -> list[float]:
    latencies = []
    for n in numbers:
        started = time.perf_counter()
        commit(n)
        latencies.append(time.perf_counter() - started)
    return latencies


def summary(name: str, latencies: list[float]) -> float:
    per_second = len(latencies) / sum(latencies)
    median_ms = statistics.median(latencies) * 1000
    p99_ms = statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"{name}: {len(latencies)} commits, median {median_ms:.2f} ms, "
          f"p99 {p99_ms:.2f} ms, {per_second:.0f}/s")
    return per_second


def main() -> None:
    total = WARM_UP + ROUNDS * COMMITS_PER_ROUND
    decisions = member_sales(total + NO_SYNC_COMMITS)
    print(f"sale: {len(decisions[0].entries)} ledger entries, "
          f"{len(decisions[0].record.lines)} lines, {len(decisions[0].settlement.tenders)} "
          f"tenders, 1 outbox row per commit")
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as directory:
        raw_latencies, sale_latencies, no_sync_latencies = measure(Path(directory), decisions)
    raw_rate = summary("raw", raw_latencies)
    sale_rate = summary("sale", sale_latencies)
    summary("sale, synchronous=OFF (diagnosis)", no_sync_latencies)
    p99_ms = statistics.quantiles(sale_latencies, n=100)[98] * 1000
    ratio = sale_rate / raw_rate
    print(f"ratio sale/raw {ratio:.2f} (target >= {TARGET_RATIO}) "
          f"{'ok' if ratio >= TARGET_RATIO else 'BELOW TARGET'}; "
          f"sale p99 {p99_ms:.2f} ms (target < {TARGET_P99_MS:.0f} ms) "
          f"{'ok' if p99_ms < TARGET_P99_MS else 'ABOVE TARGET'}")


def measure(
    directory: Path, decisions: list[SaleDecision]
) -> tuple[list[float], list[float], list[float]]:
    raw = raw_committer(directory / "raw.db")
    store = open_store(directory / "terminal.db")

    def commit_sale(n: int) -> None:
        store.commit_sale(decisions[n])

    timed(raw, range(WARM_UP))
    timed(commit_sale, range(WARM_UP))
    raw_latencies: list[float] = []
    sale_latencies: list[float] = []
    for round_no in range(ROUNDS):
        numbers = range(WARM_UP + round_no * COMMITS_PER_ROUND,
                        WARM_UP + (round_no + 1) * COMMITS_PER_ROUND)
        raw_latencies += timed(raw, numbers)
        sale_latencies += timed(commit_sale, numbers)
    store.database.pragma("synchronous", "off")  # this connection only; the file is unchanged
    first = WARM_UP + ROUNDS * COMMITS_PER_ROUND
    no_sync_latencies = timed(commit_sale, range(first, first + NO_SYNC_COMMITS))
    store.close()
    return raw_latencies, sale_latencies, no_sync_latencies


if __name__ == "__main__":
    main()
