"""The `coupons_used` document stays bounded, on real SQLite and PostgreSQL: it lists only the
used codes of coupons still live (defined by the latest version of some `coupons` document, of
any scope, and not expired at HQ's now), keeps every used code when a latest `coupons` document
does not decode, and a worker on a real broker republishes it at most once per
`coupons_used_interval_s` however many coupon sales arrive."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from hq.card_documents import desired_card_documents, refresh_card_documents
from hq.config_push import next_document
from hq.coupon_documents import EXPIRED_GRACE
from hq.db import HqDatabase, open_database
from membership.catalogue import Product
from membership.config_documents import CATALOGUE, COUPONS, COUPONS_USED, StoreConfiguration
from membership.coupons import Coupon
from protocol.wire import config_topic
from protocol.wire_config import ConfigDocument
from tests.integration.hq_feed import AT, TerminalFeed, ingest, publish_feed_coupons
from tests.integration.test_hq_coupons import GIFT, NOW, coupon, coupon_sale, push_coupons
from tests.support.hq_worker import running_hq_worker

STORE_MUG = Product("STORE-MUG", "门店杯", "retail", 2_000)
INTERVAL_S = 2.0  # the worker test's: long enough that its quick sales fall within one interval


def used(db: HqDatabase, *codes: str) -> None:
    feed = TerminalFeed("T1")
    ingest(db, feed, *(coupon_sale(feed, code) for code in codes))


def listed(db: HqDatabase, now: datetime = NOW) -> list[str]:
    return desired_card_documents(db, now, (COUPONS_USED,))[(COUPONS_USED, "all")]["codes"]


def push(db: HqDatabase, name: str, scope: str, body: dict[str, Any]) -> None:
    next_document(db, name, scope, body, AT)


def coupons_body(*coupons: Coupon, products: tuple[Product, ...] = (GIFT, STORE_MUG)
                 ) -> dict[str, Any]:
    return StoreConfiguration(products={product.code: product for product in products},
                              coupons={item.code: item for item in coupons}
                              ).to_documents()[COUPONS]


def catalogue_body(*products: Product) -> dict[str, Any]:
    configuration = StoreConfiguration(products={product.code: product for product in products})
    return configuration.to_documents()[CATALOGUE]


def test_only_the_used_codes_of_live_coupons_are_listed(hq: HqDatabase) -> None:
    """Live: defined, and not ended more than EXPIRED_GRACE ago (a terminal's clock may lag)."""
    push_coupons(hq, coupon("LIVE"), coupon("LAST", until=NOW - EXPIRED_GRACE), coupon("GONE"),
                 coupon("EXPIRED", until=NOW - EXPIRED_GRACE - timedelta(seconds=1)),
                 coupon("UNUSED"))
    used(hq, "LIVE", "LAST", "GONE", "EXPIRED", "NEVER-DEFINED")
    assert listed(hq) == ["GONE", "LAST", "LIVE"]
    push_coupons(hq, coupon("LIVE"), coupon("LAST", until=NOW - EXPIRED_GRACE))  # GONE went
    assert listed(hq) == ["LAST", "LIVE"]
    assert listed(hq, NOW + timedelta(seconds=1)) == ["LIVE"]  # LAST's grace has run out
    published: list[ConfigDocument] = []
    (document,) = refresh_card_documents(hq, published.append, NOW + timedelta(days=32),
                                         (COUPONS_USED,))
    assert document.body == {"codes": []}  # LIVE too has expired: the list shrinks to nothing


def test_a_coupon_defined_for_one_store_only_stays_listed(hq: HqDatabase) -> None:
    push_coupons(hq, coupon("FLEET"))  # with the fleet's catalogue, which has GIFT only
    push(hq, CATALOGUE, "store:S1", catalogue_body(STORE_MUG))
    push(hq, COUPONS, "store:S1", coupons_body(coupon("S1-GIFT", gift_product=STORE_MUG)))
    push(hq, COUPONS, "terminal:T2", coupons_body(coupon("T2-GIFT", gift_product=GIFT)))
    used(hq, "FLEET", "S1-GIFT", "T2-GIFT", "ELSEWHERE")
    # S1-GIFT decodes with the store's catalogue, T2-GIFT with the fleet's (T2 has none).
    assert listed(hq) == ["FLEET", "S1-GIFT", "T2-GIFT"]


@pytest.mark.parametrize("scope", ["all", "store:S1"])
def test_an_undecodable_coupons_document_keeps_every_code_used(hq: HqDatabase, caplog,
                                                               scope: str) -> None:
    push_coupons(hq, coupon("LIVE"),
                 coupon("EXPIRED", until=NOW - EXPIRED_GRACE - timedelta(seconds=1)))
    used(hq, "LIVE", "EXPIRED", "NEVER-DEFINED")
    assert listed(hq) == ["LIVE"]
    broken = coupons_body(coupon("BROKEN"))
    broken["coupons"][0]["value"] = -5
    push(hq, COUPONS, scope, broken)
    caplog.set_level(logging.WARNING, logger="hq.coupon_documents")
    assert listed(hq) == ["EXPIRED", "LIVE", "NEVER-DEFINED"]
    warnings = [record for record in caplog.records if record.name == "hq.coupon_documents"]
    assert len(warnings) == 1
    assert f"coupons v{2 if scope == 'all' else 1} for {scope} does not decode" in caplog.text


def test_a_gift_coupon_without_any_catalogue_keeps_every_code_used(hq: HqDatabase) -> None:
    push(hq, COUPONS, "store:S1", coupons_body(coupon("S1-CASH")))
    used(hq, "S1-CASH", "NEVER-DEFINED")
    assert listed(hq) == ["S1-CASH"]
    push(hq, COUPONS, "store:S1", coupons_body(coupon("S1-GIFT", gift_product=GIFT)))
    assert listed(hq) == ["NEVER-DEFINED", "S1-CASH"]  # no catalogue: the gift cannot decode


@pytest.fixture
def worker(broker, hq_database_url, tmp_path) -> Iterator[HqDatabase]:
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT,
                           coupons_used_interval_s=INTERVAL_S) as (_, db):
        yield db


def test_a_burst_of_coupon_sales_is_published_in_fewer_versions(worker, broker,
                                                                 mqtt_client_factory) -> None:
    codes = [f"BURST-{number}" for number in range(6)]
    push_coupons(worker, *(coupon(code) for code in codes), coupon("NOT-USED"))
    terminal = mqtt_client_factory(broker, "T1")
    terminal.connect()
    terminal.subscribe(config_topic("all", COUPONS_USED))
    (at_start,) = terminal.receive(1, timeout=10)  # retained, published when the worker started
    publish_feed_coupons(worker, *codes)  # what the sales name, for HQ's re-decision
    feed = TerminalFeed("T1")
    for code in codes:  # one batch, so one refresh request, per sale
        terminal.publish(feed.topic, feed.batch([coupon_sale(feed, code)]))
    published = terminal.receive_all(quiet_for=INTERVAL_S + 1.5)
    versions = [json.loads(message.payload) for message in published]
    assert 1 <= len(versions) < len(codes)
    assert [version["version"] for version in versions] == list(
        range(json.loads(at_start.payload)["version"] + 1,
              json.loads(at_start.payload)["version"] + 1 + len(versions)))
    assert versions[-1]["body"] == {"codes": sorted(codes)}
    terminal.disconnect()


def test_a_refresh_waits_for_another_workers_and_then_reads_the_tables_afresh(
        hq: HqDatabase, hq_database_url: str) -> None:
    """Two workers refreshing at once: the second computes its list only once the first has
    committed, so the newest version never lists less than an older one (the store's own
    lock: SQLite's write lock, a PostgreSQL advisory lock)."""
    push_coupons(hq, coupon("X"), coupon("Y"))
    feed = TerminalFeed("T1")
    ingest(hq, feed, coupon_sale(feed, "X"))
    other = open_database(hq_database_url)
    published: list[ConfigDocument] = []
    try:
        with hq.write_transaction():
            hq.lock_derived_documents()  # the first worker is refreshing ...
            second = threading.Thread(target=lambda: (
                refresh_card_documents(other, published.append, NOW, (COUPONS_USED,)),
                other.close()))
            second.start()
            second.join(0.5)
            assert second.is_alive()  # ... so the second waits
            later = TerminalFeed("T2")
            ingest(hq, later, coupon_sale(later, "Y"))  # the first worker's batch, meanwhile
        second.join(10)
        assert not second.is_alive()
        assert [document.body for document in published] == [{"codes": ["X", "Y"]}]
    finally:
        other.close()
