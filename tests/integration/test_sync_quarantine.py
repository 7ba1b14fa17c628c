"""The terminal hears what HQ quarantined: a real HQ worker quarantines an event of a real
terminal store through a real broker; the terminal's sync client reads the ack's `quarantined`,
keeps it in its store with the operation and HQ's reason (terminal.store.hq_quarantine), logs a
warning and prunes the outbox as usual. SQLite and PostgreSQL at HQ."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from harness.fleet_terminal import SimulatedTerminal
from hq.ingest.quarantine import quarantined_rows
from membership import counter_operations as counter
from membership.event_rules import TOPUP_PRINCIPAL_NOT_PAID
from membership.tenders import Tender, TenderKind
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for


@pytest.fixture
def hq(broker, hq_database_url, tmp_path):
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq") as running:
        yield running


def start_terminal(broker, folder: Path) -> SimulatedTerminal:
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port)
    terminal = SimulatedTerminal.open("T1", folder, settings, seed=1)
    terminal.configured_sync.start()
    assert terminal.configured_sync.online.wait(10)
    return terminal


def commit_top_up_naming_no_tender(terminal: SimulatedTerminal, card_no: str) -> str:
    """A top-up as a broken (or dishonest) build would write it: ¥100 credited, no tender."""
    decision = counter.top_up(terminal.next_operation(), terminal.member(card_no), 10_000,
                              [Tender(TenderKind.WECHAT, 10_000, reference="wx")])
    event = decision.events[0]
    minted = dataclasses.replace(event, payload={**event.payload, "tenders": []})
    terminal.store.commit_counter(dataclasses.replace(decision, events=(minted,)))
    terminal.configured_sync.notify()
    return decision.op_id


def test_the_terminal_keeps_what_hq_quarantined_and_warns(broker, hq, tmp_path, caplog):
    _, db = hq
    terminal = start_terminal(broker, tmp_path)
    try:
        terminal.enrol()
        (card_no,) = terminal.cards
        with caplog.at_level(logging.WARNING, logger="terminal.sync"):
            op_id = commit_top_up_naming_no_tender(terminal, card_no)
            wait_for(lambda: terminal.store.quarantined_count() == 1, timeout=20,
                     what="the terminal to note HQ's quarantine")
            # The sync thread stores the notice, then logs it: the log may come a moment later.
            wait_for(lambda: any("HQ quarantined event seq 2" in record.getMessage()
                                 for record in caplog.records), timeout=10,
                     what="the terminal's warning")
        (notice,) = terminal.store.quarantine_notices()
        assert (notice.seq, notice.op_id, notice.event_type, notice.reason) == (
            2, op_id, "card.topped_up", TOPUP_PRINCIPAL_NOT_PAID)
        assert [(row["seq"], row["reason"]) for row in quarantined_rows(db, "T1")] == [
            (2, TOPUP_PRINCIPAL_NOT_PAID)]
        wait_for(lambda: terminal.store.outbox_depth() == 0, what="the outbox pruned")
        # The ack is retained and comes again on every reconnect: noted once.
        assert terminal.store.note_quarantined([(2, TOPUP_PRINCIPAL_NOT_PAID)]) == []
        assert terminal.store.quarantined_count() == 1
    finally:
        terminal.close()
