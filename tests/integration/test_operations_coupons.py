"""A coupon is used once (terminal.cashier.coupons), end to end on a real store: a sale made here
uses it up, so does HQ's `coupons_used` document; the second use is refused with nothing
committed, and the member panel stops listing it. A refund does not give it back. With a real
broker and HQ worker, a coupon used on one terminal is refused on another."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from huiyuan_devices.cardreader.base import CardPresented, CardSource

from harness.broker import MosquittoBroker
from harness.demo_config import publish_demo_documents
from membership.catalogue import SaleLine
from membership.config_documents import COUPONS_USED, StoreConfiguration, by_code
from membership.coupons import Coupon, CouponKind
from membership.errors import CouponError
from membership.tenders import Tender, TenderKind
from terminal.cashier import operations as ops
from terminal.cashier.context import ManagerApproval
from terminal.cashier.members import MemberDesk, MemberView
from terminal.demo import store as demo
from terminal.demo.documents import demo_configuration
from tests.integration.cashier_world import (
    CASHIER,
    MANAGER,
    CashierWorld,
    cashier_world,
    configuration,
    refused_key,
)
from tests.integration.desk_world import (
    AWAY_CARD_NO,
    AWAY_UID,
    NOW,
    DeskWorld,
    away_record,
    desk_world,
)
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

TAPPED = CardPresented("reader", uid=AWAY_UID, source=CardSource.CONTACTLESS)
LINES = (SaleLine(1, demo.PRODUCTS["LATTE"], 2), SaleLine(2, demo.PRODUCTS["CAKE"], 1))
WELCOME = "WELCOME10"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DeskWorld]:
    """赵六's card, enrolled at another store; HQ's lookup says WELCOME10 is theirs, unused."""
    with desk_world(tmp_path) as opened:
        opened.directory.records.append(away_record())
        yield opened


def tap(world: DeskWorld) -> MemberView:
    return MemberDesk(world.ctx).find_by_card(TAPPED)


def sell(world: DeskWorld, view: MemberView, coupon: str) -> ops.OperationResult:
    """The lines paid by WeChat with the coupon, as the quote prices them."""
    due = ops.quote_sale(world.ctx, CASHIER, view.context, LINES, coupon).amount_due
    return ops.confirm_sale(world.ctx, CASHIER, view.context, LINES,
                            [Tender(TenderKind.WECHAT, due, reference="WX1")], coupon)


def books(world: DeskWorld) -> tuple[object, ...]:
    """What a refused sale must leave as it was."""
    store = world.store
    return (store.tables.sale.select().count(), store.outbox_depth(), store.next_seq(),
            store.balances_for_decision(AWAY_CARD_NO), len(world.printer.printed))


def refused(world: DeskWorld, view: MemberView, coupon: str) -> set[str]:
    """The keys the quote and the sale are refused with."""
    keys = set()
    with pytest.raises(CouponError) as at_quote:
        ops.quote_sale(world.ctx, CASHIER, view.context, LINES, coupon)
    keys.add(refused_key(at_quote.value))
    with pytest.raises(CouponError) as at_commit:
        sell(world, view, coupon)
    keys.add(refused_key(at_commit.value))
    return keys


def with_coupons(world: DeskWorld, *coupons: Coupon) -> None:
    config = dataclasses.replace(demo_configuration(),
                                 coupons=by_code([demo.WELCOME_COUPON, *coupons]))
    world.ctx.configuration = lambda: config


def test_a_coupon_used_here_is_refused_the_second_time_and_nothing_is_committed(world):
    view = tap(world)
    assert view.panel.coupons == (WELCOME,)
    first = sell(world, view, WELCOME)
    assert first.decision.coupon_used == WELCOME
    world.wait_printed()
    before = books(world)

    again = tap(world)  # HQ has not received the sale: its lookup still lists the coupon
    assert refused(world, again, WELCOME) == {"coupon.used"}
    assert books(world) == before
    assert again.panel.coupons == ()
    assert sell(world, again, "").decision.coupon_used == ""  # the member can still buy


def test_a_code_in_hqs_coupons_used_document_is_refused_and_not_listed(world):
    outcome = world.store.apply_config(COUPONS_USED, "all", 1, {"codes": ["SPRING20", WELCOME]})
    assert outcome.applied

    view = tap(world)
    before = books(world)
    assert view.panel.coupons == ()
    assert refused(world, view, WELCOME) == {"coupon.used"}
    assert books(world) == before


def test_a_refund_does_not_give_the_coupon_back(world):
    # Intended (docs/domain.md, "Refunds and voids"): the refund returns what was paid, and
    # the coupon's saving was never paid, so the coupon stays used.
    sale = sell(world, tap(world), WELCOME)
    world.wait_printed()
    ops.void_sale(world.ctx, CASHIER, sale.op_id, ManagerApproval(MANAGER, world.clock()))
    world.wait_printed()

    view = tap(world)
    assert view.panel.coupons == ()
    assert refused(world, view, WELCOME) == {"coupon.used"}


def test_the_panel_lists_the_configured_unexpired_unused_coupons_of_the_member(world):
    def coupon(code: str, until: datetime, member_id: str = "",
               start: datetime = datetime(2026, 1, 1), stores: frozenset = frozenset()
               ) -> Coupon:
        return Coupon(code, CouponKind.CASH_OFF, start, until, value=500,
                      member_id=member_id, stores=stores)

    later = datetime(2027, 1, 1)
    with_coupons(world, coupon("TODAY", NOW + timedelta(hours=2)),
                 coupon("LAPSED", NOW - timedelta(hours=1)),
                 coupon("OWN", later, member_id="M0077"),  # 赵六's own
                 coupon("THEIRS", later, member_id="M0001"),
                 coupon("SOON", later, start=NOW + timedelta(days=1)),  # not yet valid
                 coupon("ELSEWHERE", later, stores=frozenset({"BJ001"})),  # another store's
                 coupon("HERE", later, stores=frozenset({world.ctx.store_id})))
    listed = ("GONE", "THEIRS", "OWN", WELCOME, "LAPSED", "TODAY", "OWN", "SOON", "ELSEWHERE",
              "HERE")  # as HQ answered
    world.directory.records[0] = dataclasses.replace(away_record(), coupons=listed)

    assert tap(world).panel.coupons == ("OWN", WELCOME, "TODAY", "HERE")
    sell(world, tap(world), "OWN")
    assert tap(world).panel.coupons == (WELCOME, "TODAY", "HERE")
    world.clock.advance(hours=3)
    assert tap(world).panel.coupons == (WELCOME, "HERE")


def test_coupons_used_is_stored_whole_and_is_no_part_of_the_store_configuration(world):
    store = world.store
    store.apply_config(COUPONS_USED, "all", 4, {"codes": [WELCOME]})
    older = store.apply_config(COUPONS_USED, "all", 3, {"codes": []})
    assert not older.applied and store.applied_versions()[COUPONS_USED] == {
        "scope": "all", "version": 4}
    assert store.effective_config(COUPONS_USED).body == {"codes": [WELCOME]}
    assert StoreConfiguration.from_documents(
        {COUPONS_USED: {"codes": [WELCOME]}}) == StoreConfiguration()

    # A newer version without the code (HQ never had it): usable again, until a sale here.
    store.apply_config(COUPONS_USED, "all", 5, {"codes": ["SPRING20"]})
    view = tap(world)
    assert view.panel.coupons == (WELCOME,)
    sell(world, view, WELCOME)
    assert tap(world).panel.coupons == ()


def test_a_malformed_coupons_used_body_refuses_no_coupon(world):
    world.store.apply_config(COUPONS_USED, "all", 1, {"codes": WELCOME})
    view = tap(world)
    assert view.panel.coupons == (WELCOME,)
    assert sell(world, view, WELCOME).decision.coupon_used == WELCOME


@pytest.fixture
def fleet(broker: MosquittoBroker, tmp_path: Path) -> Iterator[tuple[CashierWorld, ...]]:
    """Terminals T1 and T2 of SH001, online through the broker to a real HQ worker."""
    with (running_hq_worker(broker, f"sqlite:///{tmp_path / 'hq.sqlite3'}", tmp_path / "hq",
                            clock=lambda: NOW) as (_, db),
          ExitStack() as stack):
        publish_demo_documents(db, configuration().to_documents())  # what the sales name
        yield tuple(stack.enter_context(_online_terminal(broker, tmp_path, terminal_id))
                    for terminal_id in ("T1", "T2"))


def test_a_coupon_used_on_one_terminal_is_refused_on_another(fleet):
    first, second = fleet
    due = ops.quote_sale(first.ctx, CASHIER, None, LINES, WELCOME).amount_due
    sold = ops.confirm_sale(first.ctx, CASHIER, None, LINES,
                            [Tender(TenderKind.CASH, due)], WELCOME)
    assert sold.decision.coupon_used == WELCOME

    def used_at_second() -> bool:
        document = second.store.effective_config(COUPONS_USED)
        return document is not None and WELCOME in document.body["codes"]

    wait_for(used_at_second, what="HQ's coupons_used at the second terminal")
    with pytest.raises(CouponError) as refusal:
        ops.quote_sale(second.ctx, CASHIER, None, LINES, WELCOME)
    assert refused_key(refusal.value) == "coupon.used"


def _online_terminal(
    broker: MosquittoBroker, folder: Path, terminal_id: str
) -> AbstractContextManager[CashierWorld]:
    (folder / terminal_id).mkdir()
    settings = fast_sync_settings(terminal_id, broker.accounts.password_for(terminal_id),
                                  port=broker.port)
    return cashier_world(folder / terminal_id, NOW, settings)
