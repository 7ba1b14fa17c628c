"""The cashier's operations with HQ online, through a real broker and HQ worker: a sale paid by
stored value that also uses a package asks HQ for both debits under the sale's op_id, both are
held, the receipt has no offline note, and the sale's event consumes both holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from harness.broker import MosquittoBroker
from harness.demo_config import publish_demo_documents
from hq.db import HqDatabase
from membership.catalogue import SaleLine
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    CashierWorld,
    cashier_world,
    configuration,
    tenders,
)
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

NOW = datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def online(broker: MosquittoBroker, tmp_path: Path) -> Iterator[tuple[CashierWorld, HqDatabase]]:
    settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port)
    # HQ's clock is the terminal's: the card and package sold at NOW are valid whatever the
    # date the tests run on.
    with (running_hq_worker(broker, f"sqlite:///{tmp_path / 'hq.sqlite3'}", tmp_path / "hq",
                            clock=lambda: NOW) as (_, db),
          cashier_world(tmp_path, NOW, settings) as world):
        publish_demo_documents(db, configuration().to_documents())  # what the sales name
        yield world, db


def op_holds(db: HqDatabase, op_id: str) -> dict[tuple[str, str], str]:
    holds = db.holds
    return {(hold.kind, hold.service): hold.state
            for hold in holds.select().where(holds.op_id == op_id)}


def test_a_sale_paid_by_stored_value_that_uses_a_package_is_held_online(online) -> None:
    world, db = online
    member = world.enrol(top_up=100000)
    ops.buy_package(world.ctx, CASHIER, member, "FACIAL10", tenders((K.BANK_CARD, 158000)))
    wait_for(lambda: world.store.outbox_depth() == 0, what="the member and package at HQ")
    lines = (SaleLine(1, demo.PRODUCTS["LATTE"], 1),
             SaleLine(2, demo.PRODUCTS["FACIAL"], 1, use_count=True))
    member = world.member()
    due = ops.quote_sale(world.ctx, CASHIER, member, lines).amount_due
    stored_value = world.store.card_balances(CARD_NO).stored_value
    result = ops.confirm_sale(world.ctx, CASHIER, member, lines, tenders((K.STORED_VALUE, due)),
                              pin_proof=world.pin())
    assert [(debit.approved, debit.online) for debit in result.debits] == [(True, True)] * 2
    assert sorted(debit.available for debit in result.debits) == [9, stored_value - due]
    assert not result.offline and "离线交易，待上传总部" not in world.printed_lines(result)
    assert set(op_holds(db, result.op_id)) == {("stored_value", ""), ("count", "FACIAL")}
    wait_for(lambda: set(op_holds(db, result.op_id).values()) == {"consumed"},
             what="the sale's event to consume both holds")
