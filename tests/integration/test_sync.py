"""A terminal's real store and sync against a real broker and HQ worker: everything sold reaches
HQ exactly once, also across a broker outage, and configuration documents are applied."""

from datetime import datetime
from pathlib import Path

import pytest

from harness.demo_config import publish_demo_documents
from harness.fleet_terminal import SimulatedTerminal
from harness.reconcile import reconcile_terminal
from hq.config_push import next_document, publish
from hq.service import persistent_client, session_properties
from protocol.wire import build_ack, build_resend, parse_event_batch, terminal_topic
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for


@pytest.fixture
def hq(broker, hq_database_url, tmp_path):
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq") as running:
        publish_demo_documents(running[1])  # what the simulated terminals sell and top up with
        yield running


def start_terminal(broker, folder: Path, terminal_id="T1", seed=1,
                   **timers: float) -> SimulatedTerminal:
    settings = fast_sync_settings(terminal_id, broker.accounts.password_for(terminal_id),
                                  port=broker.port, **timers)
    terminal = SimulatedTerminal.open(terminal_id, folder, settings, seed)
    terminal.sync.start()
    assert terminal.sync.online.wait(10)
    return terminal


def settled(db, terminal):
    def check():
        return terminal.store.outbox_depth() == 0 and reconcile_terminal(
            db, terminal.terminal_id, terminal.store, []).missing == 0
    return check


def test_everything_sold_reaches_hq_once(broker, hq, tmp_path):
    _, db = hq
    terminal = start_terminal(broker, tmp_path)
    try:
        for _ in range(60):
            terminal.step()
        wait_for(settled(db, terminal), what="the outbox to drain")
        result = reconcile_terminal(db, "T1", terminal.store, sorted(terminal.cards))
        assert result.events_issued >= 30
        assert result.events_at_hq == result.events_issued
        assert result.clean, result
    finally:
        terminal.close()


def test_selling_through_a_broker_outage_loses_nothing(broker, hq, tmp_path):
    _, db = hq
    terminal = start_terminal(broker, tmp_path)
    try:
        for _ in range(20):
            terminal.step()
        broker.stop()
        wait_for(lambda: not terminal.sync.online.is_set(), what="the terminal to go offline")
        for _ in range(30):
            terminal.step()  # offline: committed locally, waiting in the outbox
        assert terminal.store.outbox_depth() > 0
        broker.start()
        wait_for(settled(db, terminal), timeout=60, what="the outbox to drain after the outage")
        result = reconcile_terminal(db, "T1", terminal.store, sorted(terminal.cards))
        assert result.clean and result.events_at_hq == result.events_issued, result
    finally:
        terminal.close()


def test_a_configuration_document_is_applied_and_reported(broker, hq, tmp_path):
    _, db = hq
    terminal = start_terminal(broker, tmp_path)
    try:
        document = next_document(db, "offline_limits", "store:SH001",
                                 {"per_card_fen": 50000}, terminal.sync.clock())
        client = persistent_client("pusher", "hq", broker.accounts.hq_password)
        client.connect(broker.host, broker.port, clean_start=True,
                       properties=session_properties(60))
        client.loop_start()
        publish(client, document)
        client.disconnect()
        client.loop_stop()
        wait_for(lambda: terminal.store.applied_versions().get("offline_limits", {})
                 .get("version") == 1, what="the document to be applied")
        wait_for(lambda: db.shadows.select().count() == 1, what="the shadow at HQ")
    finally:
        terminal.close()


def test_the_terminal_serves_a_resend_request_from_its_outbox(broker, mqtt_client_factory,
                                                              tmp_path):
    """HQ's side played by a client with HQ's account: it takes the batches, acknowledges up
    to seq 3 and asks for 5..7 again. The real SyncClient prunes only up to 3 and sends the
    same events 5..7 again, and only those (issue 11: what HQ asks for), through the real
    broker."""
    hq_side = mqtt_client_factory(broker, "hq")
    hq_side.connect()
    hq_side.subscribe(terminal_topic("T1", "events"))
    # No rewind of its own while the test holds the acknowledgement back on purpose.
    terminal = start_terminal(broker, tmp_path, ack_timeout_s=60.0)
    try:
        for _ in range(12):
            terminal.step()
        terminal.sync.notify()
        issued = terminal.store.next_seq() - 1
        first = events_received(hq_side, issued)
        hq_side.publish(terminal_topic("T1", "ack"), build_ack("T1", 3, datetime.now()))
        wait_for(lambda: terminal.store.outbox_depth() == issued - 3, what="pruning up to 3")
        hq_side.publish(terminal_topic("T1", "resend"), build_resend("T1", 5, 7))
        again = events_received(hq_side, 3)
        assert [event.seq for event in again] == [5, 6, 7]
        assert again == first[4:7]
    finally:
        terminal.close()


def events_received(client, count: int) -> list:
    """Events in the batches the client receives until it has `count` of them."""
    events: list = []
    while len(events) < count:
        (message,) = client.receive(1, timeout=10)
        events += parse_event_batch(message.topic, message.payload).events
    return events
