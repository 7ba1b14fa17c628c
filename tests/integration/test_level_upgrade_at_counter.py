"""The member level upgrade at the counter (terminal.cashier.level_upgrade): a qualifying
top-up or sale that reaches a level's upgrade threshold moves the card to it in the same
commit, with a `card.level_changed` event, a receipt row and the member panel's announcement;
the next sale is priced at the new level. The demo store's levels: SILVER from ¥1,000 spend,
GOLD from ¥5,000. A real SQLite store and the simulated printer."""

from __future__ import annotations

import pytest

from membership.catalogue import SaleLine
from membership.member_panel import ReminderKind
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier.members import MemberDesk
from terminal.demo import store as demo
from tests.integration.cashier_world import CARD_NO, CASHIER, cashier_world, tenders


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


def test_a_top_up_reaching_a_threshold_upgrades_and_says_so(world):
    member = world.enrol()
    first = ops.top_up(world.ctx, CASHIER, member, 60000, tenders((K.CASH, 60000)))
    assert world.events(first.op_id) == ["card.topped_up"]
    assert world.store.known_card(CARD_NO).card.level == "NORMAL"
    second = ops.top_up(world.ctx, CASHIER, world.member(), 40000, tenders((K.WECHAT, 40000)))
    assert world.events(second.op_id) == ["card.topped_up", "card.level_changed"]
    change = next(event for event in world.store.outbox_batch(0, 100)
              if event.type == "card.level_changed")
    assert change.document["payload"] == {"card_no": CARD_NO, "from_level": "NORMAL",
                              "to_level": "SILVER", "reason": "level.upgrade_spend"}
    assert world.store.known_card(CARD_NO).card.level == "SILVER"
    assert any(line.startswith("会员升级为") and line.endswith("银卡会员")
               for line in world.printed_lines(second))
    panel = MemberDesk(world.ctx).view(CARD_NO).panel
    assert panel.level_name == "银卡会员"
    assert (panel.reminders[0].kind, panel.reminders[0].key, panel.reminders[0].params) == (
        ReminderKind.LEVEL_UP, "panel.level_up", {"level": "银卡会员"})
    world.clock.advance(days=1)  # announced for the day, not for ever
    assert all(reminder.kind is not ReminderKind.LEVEL_UP
               for reminder in MemberDesk(world.ctx).view(CARD_NO).panel.reminders)


def test_the_sale_that_reaches_a_level_is_priced_at_the_old_one(world):
    member = world.enrol()
    cake = demo.PRODUCTS["CAKE"]
    one_before = ops.quote_sale(world.ctx, CASHIER, member, [SaleLine(1, cake, 1)]).amount_due
    lines = [SaleLine(1, cake, 50)]  # ¥1,600 before the card and promotion discounts
    due = ops.quote_sale(world.ctx, CASHIER, member, lines).amount_due
    sale = ops.confirm_sale(world.ctx, CASHIER, member, lines, tenders((K.CASH, due)))
    assert sale.decision.priced.amount_due == due  # priced at NORMAL, the level it had
    assert world.events(sale.op_id) == ["sale.completed", "card.level_changed"]
    assert any(line.startswith("会员升级为") and line.endswith("银卡会员")
               for line in world.printed_lines(sale))
    assert world.member().level.code == "SILVER"
    latte = demo.PRODUCTS["LATTE"]
    next_sale = ops.confirm_sale(world.ctx, CASHIER, world.member(), [SaleLine(1, latte, 1)],
                                 tenders((K.CASH, 10000)))
    sent = [event.document for event in world.store.outbox_batch(0, 100)
            if event.op_id == next_sale.op_id]
    assert sent[0]["payload"]["inputs"]["level_code"] == "SILVER"  # priced at the new level
    assert one_before > 0


def test_stored_value_spent_is_not_counted_again(world):
    member = world.enrol(top_up=90000)
    cake = demo.PRODUCTS["CAKE"]
    lines = [SaleLine(1, cake, 20)]
    due = ops.quote_sale(world.ctx, CASHIER, member, lines).amount_due
    sale = ops.confirm_sale(world.ctx, CASHIER, member, lines, tenders((K.STORED_VALUE, due)),
                            pin_proof=world.pin())
    assert world.events(sale.op_id) == ["sale.completed"]  # ¥900 paid in, spent from the card
    assert world.store.known_card(CARD_NO).card.level == "NORMAL"
