"""A member's history at the counter (terminal.cashier.member_history) on a real store: every
operation of the card newest first, a page at a time, with what it changed on the card; a
sub-card's spending shows on both cards; another card's operations never show."""

from __future__ import annotations

import pytest

from membership.catalogue import SaleLine
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier import subsidiaries
from terminal.cashier.member_history import MemberHistory
from terminal.cashier.members import MemberDesk
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    OTHER_CARD_NO,
    cashier_world,
    tenders,
)


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def later(world, minutes: int = 1) -> None:
    world.clock.advance(minutes=minutes)


def test_the_history_lists_the_cards_operations_newest_first_with_their_changes(world):
    world.enrol(top_up=50000)  # card.issued, then card.topped_up
    world.enrol(OTHER_CARD_NO, top_up=10000, name="李四")
    later(world)
    latte = SaleLine(1, demo.PRODUCTS["LATTE"], 1)
    ops.confirm_sale(world.ctx, CASHIER, world.member(), [latte],
                     tenders((K.STORED_VALUE, 2660)), pin_proof=world.pin())
    later(world)
    ops.buy_package(world.ctx, CASHIER, world.member(), "FACIAL10", tenders((K.CASH, 158000)))

    page = MemberHistory(world.ctx).page(CARD_NO, 0, 10)
    assert [item.kind for item in page.items] == [
        "package.purchased", "sale", "card.topped_up", "card.issued"]
    assert not page.has_more
    package, sale, top_up, issued = page.items
    assert package.amount == 158000 and package.changes["count"] == 10
    assert package.stored_value == 0  # paid in cash
    assert sale.amount == 2660 and sale.stored_value == -2660
    assert sale.changes["points"] > 0
    assert top_up.stored_value == 53000  # ¥500 and the ¥30 bonus of its tier
    assert issued.amount == 2000 and not issued.changes
    assert package.at > sale.at > top_up.at


def test_pages_hold_the_older_operations_and_say_when_more_follow(world):
    world.enrol()
    for _ in range(4):
        later(world)
        ops.top_up(world.ctx, CASHIER, world.member(), 10000, tenders((K.CASH, 10000)))
    history = MemberHistory(world.ctx)

    first, second, third = (history.page(CARD_NO, number, 2) for number in range(3))
    assert (len(first.items), first.has_more) == (2, True)
    assert (len(second.items), second.has_more) == (2, True)
    assert [item.kind for item in third.items] == ["card.issued"] and not third.has_more
    everything = [item.op_id for page in (first, second, third) for item in page.items]
    assert len(set(everything)) == 5
    assert history.page(CARD_NO, 3, 2).items == ()


def test_a_card_this_terminal_never_served_has_no_history(world):
    world.enrol()
    assert MemberHistory(world.ctx).page("8800000000009999", 0, 10).items == ()


def test_a_sub_cards_spending_shows_on_both_cards(world):
    parent = world.enrol(top_up=50000)
    subsidiaries.issue_subsidiary(world.ctx, CASHIER, parent, "8800000000000101", quota=5000)
    later(world)
    latte = SaleLine(1, demo.PRODUCTS["LATTE"], 1)
    sale = ops.confirm_sale(world.ctx, CASHIER,
                            MemberDesk(world.ctx).member_context("8800000000000101"), [latte],
                            tenders((K.STORED_VALUE, 2660)),
                            pin_proof=world.pin("8800000000000101"))
    history = MemberHistory(world.ctx)
    for card_no in (CARD_NO, "8800000000000101"):
        newest = history.page(card_no, 0, 10).items[0]
        assert (newest.op_id, newest.kind, newest.stored_value) == (sale.op_id, "sale", -2660)
