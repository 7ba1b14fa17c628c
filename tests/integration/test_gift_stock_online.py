"""Gift stock with HQ online, through a real broker and HQ worker: the counter asks HQ to hold
the gift's units, the redemption's event consumes the hold, HQ publishes what is left as
`gift_stock` and the terminal applies it, and HQ refuses the next redemption when none is
left."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from harness.broker import MosquittoBroker
from harness.demo_config import publish_demo_documents
from hq.config_push import next_document
from hq.db import HqDatabase
from membership.catalogue import SaleLine
from membership.config_documents import POINTS_RULES, by_code
from membership.errors import DomainError
from membership.gift_stock import GIFT_STOCK
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MUG,
    CashierWorld,
    cashier_world,
    configuration,
    refused_key,
    tenders,
)
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

NOW = datetime(2026, 11, 23, 10, 0)
ONE_MUG = dataclasses.replace(MUG, stock=1)


@pytest.fixture
def online(broker: MosquittoBroker, tmp_path: Path) -> Iterator[tuple[CashierWorld, HqDatabase]]:
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port)
    stocked = dataclasses.replace(configuration(), gifts=by_code([ONE_MUG]))
    documents = stocked.to_documents()
    with (running_hq_worker(broker, f"sqlite:///{tmp_path / 'hq.sqlite3'}", tmp_path / "hq",
                            clock=lambda: NOW) as (_, db),
          cashier_world(tmp_path, NOW, settings) as world):
        publish_demo_documents(db, documents)  # what the sales name
        next_document(db, POINTS_RULES, "all", documents[POINTS_RULES], NOW)  # one mug in stock
        world.store.apply_config(POINTS_RULES, "all", 90, documents[POINTS_RULES])
        world.ctx.configuration = lambda: stocked  # the counter's catalogue: one mug in stock
        yield world, db


def gift_holds(db: HqDatabase) -> list[tuple[str, str, int]]:
    holds = db.holds
    return [(hold.op_id, hold.state, hold.amount)
            for hold in holds.select().where(holds.kind == "gift", holds.service == "MUG")]


def test_hq_holds_the_last_mug_and_refuses_the_next(online) -> None:
    world, db = online
    member = world.enrol(top_up=100000)
    facials = (SaleLine(1, demo.PRODUCTS["FACIAL"], 3),)
    due = ops.quote_sale(world.ctx, CASHIER, member, facials).amount_due
    ops.confirm_sale(world.ctx, CASHIER, member, facials, tenders((K.BANK_CARD, due)))
    assert world.store.card_balances(CARD_NO).points >= 2 * MUG.points_cost
    result = ops.redeem_gift(world.ctx, CASHIER, world.member(), "MUG")
    assert [(op_id, units) for op_id, _, units in gift_holds(db)] == [(result.op_id, 1)]
    wait_for(lambda: gift_holds(db) == [(result.op_id, "consumed", 1)],
             what="the redemption's event to consume the hold")

    def applied_left() -> dict | None:
        document = world.store.effective_config(GIFT_STOCK)
        return None if document is None else document.body

    wait_for(lambda: applied_left() == {"left": {"MUG": 0}},
             what="HQ's gift_stock applied at the terminal")
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        ops.redeem_gift(world.ctx, CASHIER, world.member(), "MUG")
    assert refused_key(refused.value) == "gift.out_of_stock"
    assert refused.value.params["left"] == 0
    assert world.books(CARD_NO) == books
