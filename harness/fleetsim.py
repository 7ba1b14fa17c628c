"""The fleet simulator: N terminals (the real store and sync code, simulated devices, no UI)
sell against a real Mosquitto and a real HQ worker it starts, then every terminal's journal is
reconciled with HQ. Ends with exactly one line; exits non-zero on any discrepancy.

    .venv/bin/python -m harness.fleetsim --terminals 10 --sales-per-terminal 50 [--database-url URL]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path

from harness.broker import BrokerAccounts, BrokerError, MosquittoBroker, reachable_data_dir
from harness.demo_config import publish_demo_documents
from harness.fleet_process import DRAIN_TIMEOUT_S, ONLINE_TIMEOUT_S, fleet_process_main
from harness.fleet_terminal import add_timer_flags, timers_from
from harness.reconcile import Reconciliation
from harness.worker_processes import FleetFailed, WorkerProcesses, processes_for
from hq.db import open_database
from hq.errors import HqError
from hq.service import HqWorker
from hq.settings import HqSettings


def run(terminals: int, operations: int, database_url: str | None, folder: Path,
        workers: int = 1, timers: dict[str, float] | None = None
        ) -> tuple[Reconciliation, float]:
    ids = [f"SIM{n:03d}" for n in range(1, terminals + 1)]
    accounts = BrokerAccounts.generate(ids)
    url = database_url or f"sqlite:///{folder / 'hq.sqlite3'}"
    with ExitStack() as stack:
        broker = stack.enter_context(
            MosquittoBroker(reachable_data_dir(folder / "broker"), accounts))  # production settings
        with closing(open_database(url)) as db:  # the schema once, before workers race to
            publish_demo_documents(db)  # what the fleet prices with, at HQ's versions
        for number in range(workers):
            worker = _start_worker(broker, accounts, url, number, folder / "hq")
            stack.callback(worker.stop)
        fleet = _start_fleet(stack, folder, broker.port, accounts, ids, operations, url,
                             timers or {})
        fleet.answers(timeout_s=ONLINE_TIMEOUT_S + 10)  # every terminal online
        started = time.monotonic()
        drained = max(fleet.ask("go", timeout_s=DRAIN_TIMEOUT_S + 10))
        results = fleet.ask("reconcile")
    return sum(results, Reconciliation()), drained - started


def _start_fleet(stack: ExitStack, folder: Path, port: int, accounts: BrokerAccounts,
                 ids: list[str], operations: int, url: str,
                 timers: dict[str, float]) -> WorkerProcesses:
    processes = processes_for(len(ids))
    shares = []
    for index in range(processes):
        share = ids[index::processes]
        shares.append((str(folder), port, {tid: accounts.password_for(tid) for tid in share},
                       {tid: ids.index(tid) for tid in share}, operations, url, timers))
    return WorkerProcesses(stack, fleet_process_main, shares, name="fleetsim")


def _start_worker(broker: MosquittoBroker, accounts: BrokerAccounts, url: str,
                  number: int, data_dir: Path) -> HqWorker:
    settings = HqSettings(broker_port=broker.port, broker_password=accounts.hq_password,
                          database_url=url, worker_id=f"hq-{number + 1}",
                          data_dir=str(data_dir))
    worker = HqWorker(settings, open_database(url))
    worker.start()
    if not worker.connected.wait(10):
        raise HqError("the HQ worker could not connect to the broker")
    return worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness.fleetsim", description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=10)
    parser.add_argument("--sales-per-terminal", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1)
    add_timer_flags(parser)  # the terminals' sync timers, production's unless given
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.terminals <= 500 or not 1 <= arguments.sales_per_terminal <= 100_000:
        parser.error("--terminals 1..500, --sales-per-terminal 1..100000")
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="fleetsim-", dir="/tmp"))
    folder.chmod(0o755)  # the broker runs as the `mosquitto` user and keeps its files here
    try:
        result, elapsed = run(arguments.terminals, arguments.sales_per_terminal,
                              arguments.database_url, folder, arguments.workers,
                              timers_from(arguments))
    except (BrokerError, HqError, FleetFailed, OSError) as error:
        print(f"fleetsim: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate = result.events_at_hq / elapsed if elapsed else 0.0
    print(f"fleetsim: terminals={arguments.terminals} events={result.events_issued} "
          f"at_hq={result.events_at_hq} missing={result.missing} "
          f"duplicated={result.duplicated} balance_mismatches={result.balance_mismatches} "
          f"quarantined={result.quarantined} events_per_s={rate:.0f}")
    return 0 if result.clean else 1


if __name__ == "__main__":
    sys.exit(main())
