"""A terminal's cache rebuilt from HQ (docs/protocol.md `snapshot/req`): a real broker with
per-terminal ACLs, a real HQ worker on SQLite and PostgreSQL, real stores and SyncClients.

T1 and T2 are in store SH001, T3 in SH002: T1 and T3 registered with `hq terminal add`, T2 a
new terminal HQ does not know yet (HQ takes the store it names). Documents are published with
`hq config push`, as an operator does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from harness.fleet_terminal import SimulatedTerminal
from hq.config_push import next_document
from hq.db import HqDatabase
from membership import counter_operations as counter
from membership.cards import Card, CardStatus
from membership.config_codec_cards import CARD_TYPES
from membership.ledger import CardBalances
from membership.tenders import Tender, TenderKind
from protocol.wire import terminal_topic
from protocol.wire_members import (
    LookupRecord,
    LookupResponse,
    ProfileRecord,
    parse_lookup_response,
)
from terminal.demo.documents import demo_documents
from terminal.store.access import REBUILT_FROM_HQ_AT
from terminal.sync.directory import member_record
from terminal.sync.rebuild import documents_behind, rebuild_from_hq
from terminal.sync.settings import SyncSettings
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


def settings_for(broker, terminal_id: str, **options) -> SyncSettings:
    options = {"directory_timeout_s": 5.0, **options}
    return fast_sync_settings(terminal_id, broker.accounts.password_for(terminal_id),
                              port=broker.port, **options)


def hq_command(broker, url: str, data_dir: Path, *arguments: str) -> str:
    """The `hq` command as an operator runs it; fails the test on a non-zero exit."""
    environment = {**os.environ, "HQ_DATABASE_URL": url, "HQ_BROKER_PORT": str(broker.port),
                   "HQ_BROKER_PASSWORD": broker.accounts.hq_password,
                   "HQ_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "hq", *arguments], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def hq(broker, hq_database_url: str, tmp_path: Path) -> Iterator[tuple[str, HqDatabase]]:
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq") as (_, db):
        yield hq_database_url, db


@pytest.fixture
def selling(broker, hq, tmp_path: Path) -> Iterator[dict[str, SimulatedTerminal]]:
    """T1 (SH001) enrols two cards and tops one up, T3 (SH002) enrols one; HQ has it all."""
    url, db = hq
    # The card type the simulated terminals price with: HQ allows a top-up's bonus only by a
    # card_types document it published.
    next_document(db, CARD_TYPES, "all", demo_documents()[CARD_TYPES], datetime.now())
    for terminal_id, store_id in (("T1", "SH001"), ("T3", "SH002")):
        hq_command(broker, url, tmp_path / "hq", "terminal", "add", terminal_id,
                   "--store", store_id)
    terminals = {}
    for terminal_id in ("T1", "T3"):
        terminal = SimulatedTerminal.open(terminal_id, tmp_path, settings_for(broker, terminal_id),
                                          seed=7)
        terminal.sync.start()
        terminals[terminal_id] = terminal
    terminals["T1"].enrol()
    terminals["T1"].enrol()
    terminals["T3"].enrol()
    top_up(terminals["T1"], "T1-C0001", 50_000)
    for terminal in terminals.values():
        terminal.sync.notify()
        wait_for(lambda t=terminal: t.store.outbox_depth() == 0, what="HQ to acknowledge")
    yield terminals
    for terminal in terminals.values():
        terminal.close()


def top_up(terminal: SimulatedTerminal, card_no: str, amount: int) -> None:
    terminal.store.commit_counter(counter.top_up(
        terminal.next_operation(), terminal.member(card_no), amount,
        [Tender(TenderKind.CASH, amount)]))


def push(broker, hq, tmp_path: Path, name: str, scope: str) -> None:
    url, _ = hq
    document = tmp_path / f"{name}.json"
    document.write_text(json.dumps({"name": name, "body": demo_documents()[name]}),
                        encoding="utf-8")
    out = hq_command(broker, url, tmp_path / "hq", "config", "push", str(document),
                     "--scope", scope)
    assert f"published {name} v1 to {scope}" in out


def test_a_new_terminal_rebuilds_its_store_from_hq_on_first_connect(
        broker, hq, selling, tmp_path: Path) -> None:
    push(broker, hq, tmp_path, "promotions", "store:SH001")
    fresh = SimulatedTerminal.open("T2", tmp_path, settings_for(broker, "T2",
                                                                 rebuild_when_new=True), seed=8)
    try:
        fresh.sync.start()
        wait_for(lambda: fresh.store.text_setting(REBUILT_FROM_HQ_AT) is not None,
                 what="the new terminal's rebuild")
        assert fresh.store.known_card_nos() == ["T1-C0001", "T1-C0002"]  # not SH002's card
        known = fresh.store.known_card("T1-C0001")
        assert known is not None and known.member.member_id == "M-T1-C0001"
        assert known.card == selling["T1"].cards["T1-C0001"]
        assert known.hq_snapshot == selling["T1"].store.card_balances("T1-C0001")
        assert fresh.store.last_known_balances("T1-C0001").stored_value == 53_000  # bonus 30.00
        wait_for(lambda: fresh.store.effective_config("promotions") is not None,
                 what="the retained promotions document")
        assert fresh.store.next_seq() == 1  # the journal and the outbox are not touched
    finally:
        fresh.close()


def test_a_rebuild_pages_through_hq_and_keeps_the_documents(
        broker, hq, selling, tmp_path: Path) -> None:
    push(broker, hq, tmp_path, "promotions", "store:SH001")
    stale = SimulatedTerminal.open("T2", tmp_path, settings_for(broker, "T2"), seed=8)
    try:
        stale.store.apply_config("levels", "terminal:T2", 3, demo_documents()["levels"])
        stale.sync.start()
        wait_for(lambda: stale.store.effective_config("promotions") is not None,
                 what="the retained promotions document")
        stale.store.cache_member_record(member_record(
            parse_lookup_response(_stranger()).records[0], datetime.now()))
        report = rebuild_from_hq(stale.sync, stale.store, page_size=1)
        assert report is not None and report.cards_refreshed == 2 and report.cards_removed == 1
        assert stale.store.known_card_nos() == ["T1-C0001", "T1-C0002"]
        # Documents come retained on their own topics; one HQ does not list stays.
        assert stale.store.effective_config("levels") is not None
        assert stale.store.effective_config("promotions") is not None
        assert documents_behind(stale.store, {"promotions": ("store:SH001", 1)}) == []
        assert documents_behind(stale.store, {"promotions": ("store:SH001", 2)}) == [
            "promotions store:SH001 v2"]
    finally:
        stale.close()


def test_hq_silent_leaves_the_store_as_it_was(broker, tmp_path: Path) -> None:
    lonely = SimulatedTerminal.open("T2", tmp_path, settings_for(broker, "T2",
                                                                  directory_timeout_s=0.5),
                                    seed=8)
    try:
        lonely.enrol()
        lonely.sync.start()
        assert lonely.sync.online.wait(10)
        assert rebuild_from_hq(lonely.sync, lonely.store) is None  # no HQ worker runs
        assert lonely.store.known_card_nos() == ["T2-C0001"]
        assert lonely.store.text_setting(REBUILT_FROM_HQ_AT) is None
    finally:
        lonely.close()


def test_a_malformed_snapshot_request_is_a_dead_letter(
        broker, hq, mqtt_client_factory) -> None:
    _, db = hq
    client = mqtt_client_factory(broker, "T2")
    client.connect()
    client.publish(terminal_topic("T2", "snapshot/req"),
                   json.dumps({"schema": 2, "terminal_id": "T2", "limit": 10_000}).encode())
    wait_for(lambda: db.dead_letters.select().count() == 1, what="the dead letter")
    letter = db.dead_letters.get()
    assert (letter.topic, letter.reason) == (terminal_topic("T2", "snapshot/req"),
                                             "invalid_field")



def _stranger() -> bytes:
    """HQ's lookup answer for a card this store never saw: a rebuild removes it."""
    card = Card("T9-C0001", "M-T9", "GOLD", CardStatus.ACTIVE)
    return LookupResponse(datetime.now(), (
        LookupRecord(ProfileRecord("M-T9", "路人"), card, CardBalances()),)).to_bytes()
