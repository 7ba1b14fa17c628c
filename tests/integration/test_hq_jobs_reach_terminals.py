"""What HQ's daily jobs change reaches the terminals (hq.card_updates, docs/protocol.md
`hy/v1/t/{terminal}/cards`): a real broker with per-terminal ACLs, real HQ workers on SQLite
and PostgreSQL, a real terminal store and SyncClient.

T1 (store SH001) enrols a card and tops it up by ¥6,000 (committed without the counter's
upgrade, as the fleet simulator does); HQ also holds 80 points on the card that lapsed
yesterday. A second worker starts with its job scheduler: its level review makes the card GOLD
(the demo levels' ¥5,000), its points expiry empties the lapsed lot, and T1's cache gets both."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from harness.fleet_terminal import SimulatedTerminal
from hq.config_push import next_document
from hq.db import HqDatabase, open_database
from hq.ingest.rows import entry_row
from hq.service import HqWorker
from hq.settings import HqSettings
from membership import counter_operations as counter
from membership.config_codec_cards import CARD_TYPES, encode_levels
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo
from terminal.demo.documents import demo_documents
from tests.support.timers import FAST_HQ_JOBS_POLL_S, fast_sync_settings
from tests.support.waiting import wait_for

CONNECT_WAIT_S = 10
REPO = Path(__file__).resolve().parents[2]


@contextmanager
def worker(broker, url: str, data_dir: Path, worker_id: str, jobs: bool
           ) -> Iterator[tuple[HqWorker, HqDatabase]]:
    db = open_database(url)
    running = HqWorker(HqSettings(
        broker_port=broker.port, database_url=url, broker_password=broker.accounts.hq_password,
        reconnect_max_delay_s=2, data_dir=str(data_dir), worker_id=worker_id,
        jobs_enabled=jobs, jobs_hour=0, jobs_poll_s=FAST_HQ_JOBS_POLL_S), db)
    try:
        running.start()
        assert running.connected.wait(CONNECT_WAIT_S), "HQ worker did not connect"
        yield running, db
    finally:
        running.stop()
        db.close()


def test_a_jobs_level_change_and_expiry_reach_the_terminal(broker, hq_database_url: str,
                                                          tmp_path: Path) -> None:
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port)
    terminal = SimulatedTerminal.open("T1", tmp_path, settings, seed=3)
    try:
        with worker(broker, hq_database_url, tmp_path / "hq", "hq-1", jobs=False) as (_, db):
            next_document(db, "levels", "all", encode_levels(demo.LEVELS), datetime.now())
            # HQ allows a top-up's bonus only by a card_types document it published.
            next_document(db, CARD_TYPES, "all", demo_documents()[CARD_TYPES], datetime.now())
            terminal.sync.start()
            terminal.enrol()
            card_no = next(iter(terminal.cards))
            terminal.store.commit_counter(counter.top_up(
                terminal.next_operation(), terminal.member(card_no), 600_000,
                [Tender(TenderKind.CASH, 600_000)]))
            terminal.sync.notify()
            wait_for(lambda: terminal.store.outbox_depth() == 0, what="HQ to acknowledge")
            lapsed = LedgerEntry("T1-earlier", card_no, Account.POINTS, 80, EntryKind.EARN,
                                 datetime(2026, 1, 5, 2, 0), lot="P2026-01-05",
                                 valid_until=date.today() - timedelta(days=1))
            db.ledger.insert(**entry_row("T1", 0, lapsed)).execute()
            assert terminal.store.known_card(card_no).card.level == "NORMAL"
            with worker(broker, hq_database_url, tmp_path / "hq", "hq-2", jobs=True):
                wait_for(lambda: terminal.store.known_card(card_no).card.level == "GOLD",
                         what="the level review's change at the terminal")
                wait_for(lambda: _points_lot(terminal, card_no) == 0,
                         what="the points expiry at the terminal")
            assert db.cards.get_by_id(card_no).level == "GOLD"
            assert terminal.store.last_known_balances(card_no).points == 0
            assert terminal.store.last_known_balances(card_no).principal == 600_000
    finally:
        terminal.close()


def _points_lot(terminal: SimulatedTerminal, card_no: str) -> int | None:
    known = terminal.store.known_card(card_no)
    if known is None or known.hq_snapshot is None:
        return None
    lots = [lot.remaining for lot in known.hq_snapshot.points_lots if lot.lot == "P2026-01-05"]
    return lots[0] if lots else None


def test_an_operators_run_sends_what_it_changed(broker, hq_database_url: str,
                                               tmp_path: Path) -> None:
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port)
    terminal = SimulatedTerminal.open("T1", tmp_path, settings, seed=4)
    try:
        with worker(broker, hq_database_url, tmp_path / "hq", "hq-1", jobs=False) as (_, db):
            terminal.sync.start()
            terminal.enrol()
            card_no = next(iter(terminal.cards))
            terminal.sync.notify()
            wait_for(lambda: terminal.store.outbox_depth() == 0, what="HQ to acknowledge")
            lapsed = LedgerEntry("T1-earlier", card_no, Account.POINTS, 80, EntryKind.EARN,
                                 datetime(2026, 1, 5, 2, 0), lot="P2026-01-05",
                                 valid_until=date(2026, 1, 5))
            db.ledger.insert(**entry_row("T1", 0, lapsed)).execute()
            environment = {**os.environ, "HQ_DATABASE_URL": hq_database_url,
                           "HQ_BROKER_PORT": str(broker.port),
                           "HQ_BROKER_PASSWORD": broker.accounts.hq_password,
                           "HQ_DATA_DIR": str(tmp_path / "hq")}
            done = subprocess.run(
                [sys.executable, "-m", "hq", "jobs", "run", "points_expiry", "--day",
                 "2026-02-01"], cwd=REPO, env=environment, capture_output=True, text=True,
                timeout=60)
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines() == ["points_expiry 2026-02-01: 1 cards changed",
                                                "sent 1 card updates"]
            wait_for(lambda: _points_lot(terminal, card_no) == 0,
                     what="the operator's expiry at the terminal")
    finally:
        terminal.close()
