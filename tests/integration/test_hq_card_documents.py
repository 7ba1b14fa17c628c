"""The documents HQ derives from its tables: the card blacklist and the offline limits, on both
databases; their migration; and, through a real broker, a card reported lost at one terminal
refused at another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hq.card_documents import (
    InvalidOfflineLimit,
    UnknownCard,
    blacklist_body,
    offline_limit_bodies,
    refresh_card_documents,
    set_card_offline_limits,
    set_terminal_offline_limit,
)
from hq.db import HqDatabase, open_database
from hq.ingest import Ingestor
from membership import card_service
from membership.offline_limits import DEFAULT_CARD_LIMIT_FEN, OfflineLimits
from protocol.wire import config_topic
from protocol.wire_config import ConfigDocument
from terminal.sync.debit_guard import DebitGuard
from tests.integration.hq_feed import AT, CARD, TerminalFeed
from tests.integration.test_sync import hq as hq_worker  # noqa: F401  (a fixture)
from tests.integration.test_sync import start_terminal
from tests.support.waiting import wait_for


def ingest(db: HqDatabase, feed: TerminalFeed, *events) -> None:
    payload = feed.batch(list(events))
    result = Ingestor(db).handle_events(feed.topic, payload, AT)
    assert result.dead_letter_reason is None


def test_card_limits_are_set_for_known_cards_only(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    assert offline_limit_bodies(hq) == {"all": OfflineLimits().to_document()}
    set_card_offline_limits(hq, CARD, 5_000, 2)
    body = offline_limit_bodies(hq)["all"]
    assert body["cards"] == {CARD: {"fen": 5_000, "uses": 2}}
    assert OfflineLimits.from_document(body).for_card(CARD, "stored_value") == 5_000
    assert OfflineLimits.from_document(body).for_card("other", "count") == 1
    with pytest.raises(UnknownCard):
        set_card_offline_limits(hq, "no-such-card", 1, 1)
    with pytest.raises(InvalidOfflineLimit):
        set_card_offline_limits(hq, CARD, -1, None)
    set_card_offline_limits(hq, CARD, None, None)
    assert offline_limit_bodies(hq)["all"]["cards"] == {}


def test_a_terminal_limit_gets_a_document_of_its_own(hq: HqDatabase) -> None:
    set_terminal_offline_limit(hq, "T7", 50_000)
    bodies = offline_limit_bodies(hq)
    assert bodies["terminal:T7"]["per_terminal_fen"] == 50_000
    assert bodies["terminal:T7"]["per_card_fen"] == DEFAULT_CARD_LIMIT_FEN
    set_terminal_offline_limit(hq, "T7", None)
    assert "terminal:T7" not in offline_limit_bodies(hq)


def test_the_blacklist_follows_card_events(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.issue("8800000000000002", "M2"))
    assert blacklist_body(hq) == {"cards": {}}
    ingest(hq, feed, feed.change_status("card.lost"),
           feed.change_status("card.frozen", "8800000000000002"))
    assert blacklist_body(hq) == {"cards": {CARD: "lost", "8800000000000002": "frozen"}}
    ingest(hq, feed, feed.change_status("card.found"))
    assert blacklist_body(hq) == {"cards": {"8800000000000002": "frozen"}}


def test_only_changed_documents_get_a_new_version(hq: HqDatabase) -> None:
    published: list[ConfigDocument] = []
    first = refresh_card_documents(hq, published.append, AT)
    assert [(d.name, d.scope, d.version) for d in first] == [
        ("blacklist", "all", 1), ("offline_limits", "all", 1), ("coupons_used", "all", 1),
        ("gift_stock", "all", 1)]
    assert refresh_card_documents(hq, published.append, AT) == []
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.change_status("card.lost"))
    again = refresh_card_documents(hq, published.append, AT)
    assert [(d.name, d.version) for d in again] == [("blacklist", 2)]
    assert again[0].body == {"cards": {CARD: "lost"}}
    assert len(published) == 5


def test_migration_3_adds_the_terminal_limit_to_an_older_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    db = open_database(url)
    db.database.execute_sql("ALTER TABLE terminals DROP COLUMN offline_limit_fen")
    db.schema_version.delete().where(db.schema_version.version >= 3).execute()
    db.close()
    db = open_database(url)
    try:
        assert db.current_version() >= 3
        set_terminal_offline_limit(db, "T1", 100)  # the column is back
        assert offline_limit_bodies(db)["terminal:T1"]["per_terminal_fen"] == 100
    finally:
        db.close()


def test_a_card_lost_at_one_terminal_is_refused_at_another(broker, hq_worker, tmp_path):  # noqa: F811
    _, db = hq_worker
    first = start_terminal(broker, tmp_path, "T1", seed=1)
    second = start_terminal(broker, tmp_path, "T2", seed=2)
    try:
        first.enrol()
        card_no = next(iter(first.cards))
        loss = card_service.change_state(first.next_operation(), first.member(card_no),
                                         "card.lost")
        first.store.commit_counter(loss)
        first.sync.notify()

        def blacklisted_at_second() -> bool:
            document = second.store.effective_config("blacklist")
            return document is not None and card_no in document.body.get("cards", {})

        wait_for(blacklisted_at_second, what="the blacklist to reach the second terminal")
        decision = DebitGuard("T2", second.store, None).authorise("T2-x", card_no,
                                                                 "stored_value", 100)
        assert not decision.approved and decision.reason == "card.lost"
        stored = db.config_documents.select().where(db.config_documents.name == "blacklist")
        assert json.loads(stored.order_by(db.config_documents.version.desc()).first().body) \
            == {"cards": {card_no: "lost"}}
    finally:
        first.close()
        second.close()


def test_the_limits_command_stores_and_publishes(broker, mqtt_client_factory, tmp_path, capsys,
                                                 monkeypatch):
    from hq.cli import main as hq_main

    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HQ_DATABASE_URL", raising=False)
    monkeypatch.setenv("HQ_BROKER_PORT", str(broker.port))
    monkeypatch.setenv("HQ_BROKER_PASSWORD", broker.accounts.hq_password)
    assert hq_main(["limits", "terminal", "T1", "--amount", "500.00"]) == 0
    out = capsys.readouterr().out
    assert "published offline_limits v1 to terminal:T1" in out
    assert hq_main(["limits", "terminal", "T1", "--amount", "500"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    listener = mqtt_client_factory(broker, "T1")
    listener.connect()
    listener.subscribe(config_topic("terminal:T1", "offline_limits"))
    retained = listener.receive(1)[0]
    assert json.loads(retained.payload)["body"]["per_terminal_fen"] == 50_000
    assert hq_main(["limits", "terminal", "T1", "--amount", "lots"]) == 2
    assert "not an amount of money" in capsys.readouterr().err
    assert hq_main(["limits", "card", "no-such-card", "--default"]) == 2
    assert "not known at HQ" in capsys.readouterr().err
