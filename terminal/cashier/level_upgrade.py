"""The member level upgrade at the counter (自动升级): after a qualifying sale or top-up, the
member moves to the highest level whose upgrade threshold their window's spend or points now
reach (membership.levels.upgrade_for, spend and points as membership.level_activity counts
them), in the same commit as the operation that reached it.

The operation then carries a `card.level_changed` event (HQ applies it, hq.card_events), the
card's row takes the level (terminal.store.journal), the receipt prints a row saying so and the
member panel announces it for the rest of the day (`note_level_up`, `announce_level_up`). The
operation's own price and points were decided at the old level: the new one applies from the
next sale.

What the terminal counts is what it recorded itself (terminal.store.level_history) plus this
operation: spend at other stores is HQ's to count, in its daily review (hq.jobs), whose level
reaches this terminal with the card's record.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from membership.cards import Card
from membership.counter_operations import CounterDecision
from membership.events import DomainEvent
from membership.level_activity import (
    LEVEL_CHANGED,
    QUALIFYING_EVENTS,
    event_activities,
    level_changed_payload,
    totals_by_card,
)
from membership.levels import Activity, LevelChange, LevelPolicy, level_by_code, upgrade_for
from membership.member_panel import MemberPanel, Reminder, ReminderKind
from membership.receipts import ReceiptRow
from membership.refunds import RefundDecision
from membership.sale import SaleDecision
from terminal.cashier.context import CashierContext

Decision = SaleDecision | CounterDecision | RefundDecision
RECEIPT_ROW = "receipt.level_up"
PANEL_REMINDER = "panel.level_up"


def with_level_upgrade(ctx: CashierContext, decision: Decision) -> Decision:
    """`decision`, with the upgrade it reaches (event, receipt row) when it reaches one."""
    policy = ctx.configuration().levels
    if policy is None or isinstance(decision, RefundDecision) or not decision.events:
        return decision
    event = decision.events[0]
    card_no = str(event.payload.get("card_no", ""))
    activity = event_activities(event.type, event.at, event.payload).get(card_no)
    if event.type not in QUALIFYING_EVENTS or activity is None:
        return decision
    change = _upgrade(ctx, policy, card_no, event, activity)
    if change is None:
        return decision
    name = level_by_code(policy, change.to_code).name
    receipt = decision.receipt
    receipt = dataclasses.replace(receipt, balances=(
        *receipt.balances, ReceiptRow(RECEIPT_ROW, value=name)))
    changed = DomainEvent(LEVEL_CHANGED, event.op_id, event.at,
                          level_changed_payload(card_no, change))
    return dataclasses.replace(decision, receipt=receipt, events=(*decision.events, changed))


def _upgrade(ctx: CashierContext, policy: LevelPolicy, card_no: str, event: DomainEvent,
             activity: Activity) -> LevelChange | None:
    known = ctx.store.known_card(card_no)
    if known is None:
        return None
    level = known.card.level or policy.base.code
    if level not in {item.code for item in policy.levels}:
        return None  # a level this store's document lacks: not ours to move
    since = event.at - timedelta(days=policy.window_days)
    history = totals_by_card(ctx.store.level_events(card_no, since)).get(card_no, [])
    return upgrade_for(policy, level, [*history, activity], event.at)


def level_change_of(decision: Decision) -> DomainEvent | None:
    """The level change an operation committed, if it reached one."""
    if isinstance(decision, RefundDecision):
        return None
    return next((event for event in decision.events if event.type == LEVEL_CHANGED), None)


def note_level_up(ctx: CashierContext, decision: Decision) -> None:
    """After the commit: the member panel announces the level for the rest of the day."""
    change = level_change_of(decision)
    if change is None:
        return
    today = change.at.date()
    for card_no, (_, day) in list(ctx.level_ups.items()):
        if day != today:
            del ctx.level_ups[card_no]
    ctx.level_ups[str(change.payload["card_no"])] = (str(change.payload["to_level"]), today)


def announce_level_up(ctx: CashierContext, card: Card, panel: MemberPanel) -> MemberPanel:
    """The panel, first announcing the level the card reached here today if it still has it."""
    reached = ctx.level_ups.get(card.card_no)
    if reached is None or reached != (card.level, ctx.clock().date()):
        return panel
    reminder = Reminder(ReminderKind.LEVEL_UP, PANEL_REMINDER,
                        {"level": panel.level_name or card.level})
    return dataclasses.replace(panel, reminders=(reminder, *panel.reminders))
