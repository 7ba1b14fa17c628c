"""A timed session whose card was reported lost while the member sat in the room, against a
real terminal store: the ordinary bill refuses the card, the bill in money with a manager's
approval closes it (one commit), and nothing is taken from the card."""

from __future__ import annotations

import pytest

from membership.errors import DomainError
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier import time_sessions
from terminal.store.errors import StoreConflict
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    cashier_world,
    refused_key,
    tenders,
)


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def lost_during_a_session(world) -> int:
    """张三 sits down for the study room; 70 minutes later his card is reported lost."""
    world.enrol(top_up=100000)
    session = time_sessions.start_time_session(world.ctx, CASHIER, world.member(), "study")
    world.clock.advance(minutes=70)
    ops.report_loss(world.ctx, MANAGER, world.member()).printing.wait(10)
    return session.session_id


def test_a_lost_cards_session_is_billed_in_cash_with_the_managers_approval(world):
    session_id = lost_during_a_session(world)
    lost = world.member()
    with pytest.raises(DomainError) as refused:
        time_sessions.close_time_session(world.ctx, CASHIER, lost, session_id,
                                         tenders((K.CASH, 5000)))
    assert refused_key(refused.value) == "card.lost"
    before = world.store.card_balances(CARD_NO)
    result = time_sessions.close_time_session_in_money(
        world.ctx, CASHIER, lost, session_id, tenders((K.CASH, 5000)), world.approval())
    assert world.events(result.op_id) == ["time.session_closed"]
    (event,) = [event for event in world.store.outbox_batch(0, 10_000)
                if event.op_id == result.op_id]
    payload = event.document["payload"]
    assert (payload["card_blocked"], payload["approved_by"]) == ("card.lost", MANAGER.staff_id)
    assert payload["amount_due"] > 0 and payload["entries"] == []
    assert world.store.card_balances(CARD_NO) == before  # nothing from the card
    assert world.store.time_session(session_id).closed_by_op == result.op_id
    with pytest.raises(StoreConflict):  # billed once
        time_sessions.close_time_session_in_money(
            world.ctx, CASHIER, lost, session_id, tenders((K.CASH, 5000)), world.approval())


def test_stored_value_is_refused_for_an_unusable_card_and_nothing_is_committed(world):
    session_id = lost_during_a_session(world)
    books = world.books(CARD_NO)
    with pytest.raises(DomainError) as refused:
        time_sessions.close_time_session_in_money(
            world.ctx, CASHIER, world.member(), session_id, tenders((K.STORED_VALUE, 1500)),
            world.approval())
    assert refused_key(refused.value) == "tender.card_unusable"
    assert world.books(CARD_NO) == books
    assert world.store.time_session(session_id).is_open
