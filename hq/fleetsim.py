"""The fleet simulator: N terminals (the real store and sync code, simulated devices, no UI)
sell against a real Mosquitto and a real HQ worker it starts, then every terminal's journal is
reconciled with HQ. Ends with exactly one line; exits non-zero on any discrepancy.

    .venv/bin/python -m hq.fleetsim --terminals 10 --sales-per-terminal 50 [--database-url URL]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from hq.broker import BrokerAccounts, BrokerError, MosquittoBroker
from hq.db import open_database
from hq.errors import HqError
from hq.fleet_terminal import SimulatedTerminal
from hq.reconcile import Reconciliation, reconcile_terminal
from hq.service import HqWorker
from hq.settings import HqSettings
from terminal.sync.settings import SyncSettings

DRAIN_TIMEOUT_S = 600.0


def run(terminals: int, operations: int, database_url: str | None, folder: Path,
        workers: int = 1) -> tuple[Reconciliation, float]:
    ids = [f"SIM{n:03d}" for n in range(1, terminals + 1)]
    accounts = BrokerAccounts.generate(ids)
    with MosquittoBroker(folder / "broker", accounts, autosave_every_changes=1000) as broker:
        url = database_url or f"sqlite:///{folder / 'hq.sqlite3'}"
        db = open_database(url)
        hq_workers = [_start_worker(broker, accounts, url, n) for n in range(workers)]
        fleet = [_start_terminal(broker, accounts, tid, folder, seed) for seed, tid in
                 enumerate(ids)]
        started = time.monotonic()
        _sell(fleet, operations)
        _wait_drained(fleet)
        elapsed = time.monotonic() - started
        total = Reconciliation()
        for terminal in fleet:
            total += reconcile_terminal(db, terminal.terminal_id, terminal.store,
                                        sorted(terminal.cards))
            terminal.close()
        for worker in hq_workers:
            worker.stop()
        db.close()
    return total, elapsed


def _start_worker(broker: MosquittoBroker, accounts: BrokerAccounts, url: str,
                  number: int) -> HqWorker:
    settings = HqSettings(broker_port=broker.port, broker_password=accounts.hq_password,
                          database_url=url, worker_id=f"hq-{number + 1}")
    worker = HqWorker(settings, open_database(url))
    worker.start()
    if not worker.connected.wait(10):
        raise HqError("the HQ worker could not connect to the broker")
    return worker


def _start_terminal(broker: MosquittoBroker, accounts: BrokerAccounts, terminal_id: str,
                    folder: Path, seed: int) -> SimulatedTerminal:
    settings = SyncSettings(terminal_id, accounts.password_for(terminal_id), store_id="SH001",
                            port=broker.port)
    terminal = SimulatedTerminal.open(terminal_id, folder, settings, seed)
    terminal.sync.start()
    return terminal


def _sell(fleet: list[SimulatedTerminal], operations: int) -> None:
    def sell(terminal: SimulatedTerminal) -> None:
        for _ in range(operations):
            terminal.step()

    threads = [threading.Thread(target=sell, args=(terminal,)) for terminal in fleet]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _wait_drained(fleet: list[SimulatedTerminal]) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        if all(terminal.store.outbox_depth() == 0 for terminal in fleet):
            return
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hq.fleetsim", description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=10)
    parser.add_argument("--sales-per-terminal", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1)
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.terminals <= 500 or not 1 <= arguments.sales_per_terminal <= 100_000:
        parser.error("--terminals 1..500, --sales-per-terminal 1..100000")
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="fleetsim-", dir="/tmp"))
    folder.chmod(0o755)  # the broker runs as the `mosquitto` user and keeps its files here
    try:
        result, elapsed = run(arguments.terminals, arguments.sales_per_terminal,
                              arguments.database_url, folder, arguments.workers)
    except (BrokerError, HqError, OSError) as error:
        print(f"fleetsim: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate = result.events_at_hq / elapsed if elapsed else 0.0
    print(f"fleetsim: terminals={arguments.terminals} events={result.events_issued} "
          f"at_hq={result.events_at_hq} missing={result.missing} "
          f"duplicated={result.duplicated} balance_mismatches={result.balance_mismatches} "
          f"events_per_s={rate:.0f}")
    return 0 if result.clean else 1


if __name__ == "__main__":
    sys.exit(main())
