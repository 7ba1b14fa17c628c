"""Coupons at HQ, on real SQLite and PostgreSQL: every use recorded once from the sales, codes
used by two operations listed (function and `hq coupons conflicts`), the `coupons_used` document
published when it changes (also by a worker on a real broker), the member lookup answering the
member's unused, unexpired coupons, and migration 7 on a version-6 database."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from hq.card_documents import desired_card_documents, refresh_card_documents
from hq.cli import main as hq_main
from hq.config_push import next_document
from hq.coupons import conflicts, coupons_used_body
from hq.db import LATEST_VERSION, HqDatabase, open_database
from hq.ingest import Ingestor
from hq.member_lookup import MemberLookup
from membership.catalogue import Product
from membership.config_documents import COUPONS_USED, StoreConfiguration
from membership.coupons import Coupon, CouponKind
from protocol.wire import WireEvent, config_topic, terminal_topic
from protocol.wire_config import ConfigDocument
from protocol.wire_members import LookupRequest
from tests.integration.hq_feed import (
    AT,
    CARD,
    TerminalFeed,
    ingest,
    publish_feed_coupons,
)
from tests.support.hq_worker import running_hq_worker

NOW = AT + timedelta(days=1)
# NOW (HQ reads a naive time as UTC) on the wall clock of a store in Asia/Shanghai, HQ's default
# zone: what a coupon's store-local validity is compared with.
STORE_NOW = NOW + timedelta(hours=8)
SECOND = "8800000000000002"
GIFT = Product("GIFT-MUG", "马克杯", "retail", 3_000)


def coupon_sale(feed: TerminalFeed, code: str, card_no: str = CARD) -> WireEvent:
    """A sale the core decided with the feed's coupon `code`: HQ's re-decision applies it."""
    return feed.coupon_sale(code, card_no, "M2" if card_no == SECOND else "M1")


def uses(db: HqDatabase) -> list[tuple[str, str, str, str]]:
    rows = db.coupon_uses.select().order_by(db.coupon_uses.code, db.coupon_uses.op_id)
    return [(row.code, row.op_id, row.terminal_id, row.card_no) for row in rows]


def test_a_sale_with_a_coupon_is_recorded_once(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    events = [feed.issue(), feed.top_up(5_000), coupon_sale(feed, "WELCOME10")]
    publish_feed_coupons(hq, "WELCOME10")
    first = Ingestor(hq).handle_events(feed.topic, feed.batch(events), feed.at)
    assert first.coupon_uses and not first.duplicates
    assert uses(hq) == [("WELCOME10", "T1-3", "T1", CARD)]
    row = hq.coupon_uses.get()
    assert (row.used_at, row.received_at) == (events[2].at, feed.at)
    again = Ingestor(hq).handle_events(feed.topic, feed.batch(events), feed.at)
    assert (again.duplicates, again.coupon_uses) == (3, False)
    assert uses(hq) == [("WELCOME10", "T1-3", "T1", CARD)]


def test_sales_without_a_coupon_record_none(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    result = ingest(hq, feed, feed.issue(), feed.top_up(5_000), feed.sale(100),
                    feed.sale(1_000), feed.change_status("card.lost"))
    assert not result.coupon_uses
    assert uses(hq) == []


def test_a_coupon_used_by_two_operations_is_a_conflict(hq: HqDatabase) -> None:
    first, second = TerminalFeed("T1"), TerminalFeed("T2", at=AT + timedelta(hours=1))
    ingest(hq, first, first.issue(), coupon_sale(first, "ONCE"), coupon_sale(first, "ALONE"))
    assert conflicts(hq) == []
    ingest(hq, second, second.issue(SECOND, "M2"), coupon_sale(second, "ONCE", SECOND))
    (conflict,) = conflicts(hq)
    assert (conflict.code, conflict.op_ids, conflict.terminal_ids) == (
        "ONCE", ("T1-2", "T2-2"), ("T1", "T2"))
    assert conflict.first_used_at == AT + timedelta(seconds=20)
    assert conflict.last_used_at == AT + timedelta(hours=1, seconds=20)


def test_the_conflicts_command_lists_double_uses(hq: HqDatabase, hq_database_url: str, capsys,
                                                 monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HQ_DATABASE_URL", hq_database_url)
    assert hq_main(["coupons", "conflicts"]) == 0
    assert capsys.readouterr().out == "no coupon used twice\n"
    first, second = TerminalFeed("T1"), TerminalFeed("T2")
    ingest(hq, first, coupon_sale(first, "ONCE"), coupon_sale(first, "ALONE"))
    ingest(hq, second, coupon_sale(second, "ONCE"))
    assert hq_main(["coupons", "conflicts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["ONCE\tused 2 times\tops T1-1, T2-1\tterminals T1, T2\t"
                     "2026-11-23 10:00:10 .. 2026-11-23 10:00:10"]
    monkeypatch.setenv("HQ_DATABASE_URL", "mysql://nobody@localhost/hq")
    assert hq_main(["coupons", "conflicts"]) == 2
    assert "unsupported database URL scheme" in capsys.readouterr().err


def test_coupons_used_is_published_when_it_changes(hq: HqDatabase) -> None:
    published: list[ConfigDocument] = []
    push_coupons(hq, coupon("WELCOME10"), coupon("A-FIRST"), coupon("B-NEXT"))
    feed = TerminalFeed("T1")
    ingest(hq, feed, coupon_sale(feed, "WELCOME10"), coupon_sale(feed, "A-FIRST"))
    assert desired_card_documents(hq, AT, (COUPONS_USED,)) == {
        (COUPONS_USED, "all"): {"codes": ["A-FIRST", "WELCOME10"]}}
    (document,) = refresh_card_documents(hq, published.append, AT, (COUPONS_USED,))
    assert (document.name, document.scope, document.version) == (COUPONS_USED, "all", 1)
    assert document.body == {"codes": ["A-FIRST", "WELCOME10"]}
    assert refresh_card_documents(hq, published.append, AT) != []  # blacklist, offline limits
    assert refresh_card_documents(hq, published.append, AT) == []
    other = TerminalFeed("T2")
    ingest(hq, other, coupon_sale(other, "WELCOME10"))  # used again: the same codes
    assert refresh_card_documents(hq, published.append, AT, (COUPONS_USED,)) == []
    ingest(hq, other, coupon_sale(other, "B-NEXT"))
    (again,) = refresh_card_documents(hq, published.append, AT, (COUPONS_USED,))
    assert (again.version, again.body) == (2, {"codes": ["A-FIRST", "B-NEXT", "WELCOME10"]})
    stored = hq.config_documents.get((hq.config_documents.name == COUPONS_USED)
                                     & (hq.config_documents.version == 2))
    assert json.loads(stored.body) == coupons_used_body(hq, None)


@pytest.fixture
def worker(broker, hq_database_url, tmp_path) -> Iterator[HqDatabase]:
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT) as (_, db):
        yield db


def test_a_worker_publishes_the_codes_used_after_a_coupon_sale(worker, broker,
                                                              mqtt_client_factory) -> None:
    terminal = mqtt_client_factory(broker, "T1")
    terminal.connect()
    terminal.subscribe(config_topic("all", COUPONS_USED))
    (at_start,) = terminal.receive(1, timeout=10)  # retained, published when the worker started
    assert json.loads(at_start.payload)["body"] == {"codes": []}
    terminal.subscribe(terminal_topic("T1", "ack"))
    push_coupons(worker, coupon("WELCOME10"))  # live, so listed once used
    publish_feed_coupons(worker, "WELCOME10")  # what the sale names, for HQ's re-decision
    feed = TerminalFeed("T1")
    batch = feed.batch([feed.issue(), coupon_sale(feed, "WELCOME10")])
    terminal.publish(feed.topic, batch)
    received = {message.topic: message for message in terminal.receive(2, timeout=10)}
    document = json.loads(received[config_topic("all", COUPONS_USED)].payload)
    assert (document["version"], document["body"]) == (2, {"codes": ["WELCOME10"]})
    terminal.publish(feed.topic, batch)  # redelivered: stored already, nothing changes
    (answer,) = terminal.receive(1, timeout=10)
    assert answer.topic == terminal_topic("T1", "ack")
    assert terminal.receive_all(quiet_for=1.0) == []  # no coupons_used republished
    assert worker.coupon_uses.select().count() == 1
    terminal.disconnect()


def coupon(code: str, member_id: str = "M1", until: datetime = NOW + timedelta(days=30),
           **terms) -> Coupon:
    kind = CouponKind.GIFT_ITEM if "gift_product" in terms else CouponKind.CASH_OFF
    value = 0 if kind is CouponKind.GIFT_ITEM else 1_000
    return Coupon(code, kind, AT - timedelta(days=30), until, value=value, member_id=member_id,
                  **terms)


def push_coupons(db: HqDatabase, *coupons: Coupon, scope: str = "all") -> None:
    documents = StoreConfiguration(products={GIFT.code: GIFT},
                                   coupons={item.code: item for item in coupons}).to_documents()
    next_document(db, "catalogue", "all", documents["catalogue"], AT)
    next_document(db, "coupons", scope, documents["coupons"], AT)


def looked_up_coupons(db: HqDatabase, terminal_id: str = "T1", lookup: MemberLookup | None = None,
                      **by: str) -> list[tuple[str, ...]]:
    answer = (lookup or MemberLookup(db)).lookup(LookupRequest(terminal_id, **by), NOW)
    return [record.coupons for record in answer.records]


def test_a_lookup_answers_the_members_unused_unexpired_coupons(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.issue(SECOND, "M2"), feed.top_up(5_000))
    assert looked_up_coupons(hq, card_no=CARD) == [()]  # no coupons document yet
    push_coupons(
        hq, coupon("M1-CASH"), coupon("M1-GIFT", gift_product=GIFT), coupon("M1-USED"),
        coupon("M1-EXPIRED", until=STORE_NOW - timedelta(seconds=1)),
        coupon("M1-LAST", until=STORE_NOW),
        coupon("M2-CASH", "M2"), coupon("ANYONE", ""))
    ingest(hq, feed, coupon_sale(feed, "M1-USED"))
    assert looked_up_coupons(hq, card_no=CARD) == [("M1-CASH", "M1-GIFT", "M1-LAST")]
    assert looked_up_coupons(hq, card_no=SECOND) == [("M2-CASH",)]
    other = TerminalFeed("T2")
    ingest(hq, other, coupon_sale(other, "M1-CASH"))  # used at another terminal
    assert looked_up_coupons(hq, card_no=CARD) == [("M1-GIFT", "M1-LAST")]


def test_the_coupons_in_effect_for_the_terminal_are_answered(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    push_coupons(hq, coupon("FLEET"))
    next_document(hq, "coupons", "terminal:T2", StoreConfiguration(
        coupons={"T2-ONLY": coupon("T2-ONLY")}).to_documents()["coupons"], AT)
    lookup = MemberLookup(hq)  # one worker's: it keeps the documents it decoded
    assert looked_up_coupons(hq, "T1", lookup, card_no=CARD) == [("FLEET",)]
    assert looked_up_coupons(hq, "T2", lookup, card_no=CARD) == [("T2-ONLY",)]
    push_coupons(hq, coupon("FLEET"), coupon("FLEET-NEW"))  # a new version: not served stale
    assert looked_up_coupons(hq, "T1", lookup, card_no=CARD) == [("FLEET", "FLEET-NEW")]
    assert looked_up_coupons(hq, "T2", lookup, card_no=CARD) == [("T2-ONLY",)]


def test_a_malformed_coupons_document_answers_no_coupons(hq: HqDatabase, caplog) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    body = StoreConfiguration(coupons={"M1-CASH": coupon("M1-CASH")}).to_documents()["coupons"]
    body["coupons"][0]["value"] = -5
    next_document(hq, "coupons", "all", body, AT)
    caplog.set_level(logging.WARNING, logger="hq.member_coupons")
    answer = MemberLookup(hq).lookup(LookupRequest("T1", card_no=CARD), NOW)
    assert [record.card.card_no for record in answer.records] == [CARD]
    assert answer.records[0].coupons == ()
    assert "coupons v1 for all does not decode" in caplog.text
    gift_without_catalogue = StoreConfiguration(products={GIFT.code: GIFT}, coupons={
        "M1-GIFT": coupon("M1-GIFT", gift_product=GIFT)}).to_documents()["coupons"]
    next_document(hq, "coupons", "all", gift_without_catalogue, AT)  # no catalogue published
    assert looked_up_coupons(hq, card_no=CARD) == [()]


def _version_6_database(url: str) -> HqDatabase:
    """A database as HQ left it before migration 7: no coupon_uses table."""
    hq = open_database(url)
    with hq.write_transaction():
        hq.coupon_uses.drop_table()
        hq.schema_version.delete().where(hq.schema_version.version > 6).execute()
    return hq


def test_migration_7_adds_coupon_uses_to_a_version_6_database(hq_database_url: str) -> None:
    old = _version_6_database(hq_database_url)
    assert "coupon_uses" not in old.database.get_tables()
    old.close()
    hq = open_database(hq_database_url, migrate=False)
    try:
        assert hq.migrate()[0] == 7  # and every later one
        assert hq.current_version() == LATEST_VERSION
        feed = TerminalFeed("T1")
        ingest(hq, feed, coupon_sale(feed, "WELCOME10"))
        ingest(hq, feed, coupon_sale(feed, "WELCOME10"))
        assert [conflict.op_ids for conflict in conflicts(hq)] == [("T1-1", "T1-2")]
        unique = [index.columns for index in hq.database.get_indexes("coupon_uses")
                  if index.unique and index.columns != ["id"]]
        assert unique == [["code", "op_id"]]
        assert hq.migrate() == []
    finally:
        hq.close()
