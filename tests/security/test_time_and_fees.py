"""A terminal cannot make up its own metered time (issue 10, point 2): HQ bills every timed
session again from its start and end under the card type's published time rate, takes a pass
only when HQ knows it on the card, and checks that prepaid minutes are one purchase of the
minutes paid for. Hostile sessions and purchases are quarantined while the honest ones of the
same batch — a pass bought and used, time bought, a session paid in cash — are applied. A real
HQ worker on a real broker, the terminal's own core deciding the honest events, SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from harness.demo_config import publish_demo_documents
from membership import card_service, counter_operations
from membership.card_service_rules import SERVICE_ENTRIES
from membership.counter_operations import CounterDecision
from membership.events import entry_to_dict
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, Lot
from membership.tenders import Tender, TenderKind
from membership.time_rules import SESSION_BILL, SESSION_PASS_UNKNOWN, TIME_ENTRIES
from protocol.wire import build_event_batch
from terminal.demo import store as demo
from tests.security.hostile_wire import AT, send_events
from tests.security.test_sale_redecision import (
    CARD,
    CONFIG,
    acknowledgement,
    applied_ops,
    member,
    opening,
    operation,
    sold,
    tampered,
    wire,
)

STUDY = CONFIG.card_types["GOLD"].time_rates[0]
NEW_CARD = "8800000000000009"


def session(seq: int, balances: CardBalances | None = None, tenders=()) -> CounterDecision:
    """A 150-minute study session ending at the operation's time: 3 started hours, ¥45."""
    op = operation(seq)
    return counter_operations.close_session(op, member(balances=balances or CardBalances()), STUDY,
                                            op.at - timedelta(minutes=150), list(tenders))


def test_sessions_and_time_no_rule_gives_are_quarantined(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    month = counter_operations.buy_pass(operation(3), member(), demo.MONTH_PASS,
                                        [Tender(TenderKind.CASH, demo.MONTH_PASS.price)])
    (lot,) = [entry for entry in month.entries if entry.lot]
    held = CardBalances(pass_lots=(Lot(lot.lot, lot.service, lot.valid_from, lot.valid_until,
                                       1, lot.at),))
    covered = session(4, held)
    assert covered.events[0].payload["pass"] == lot.lot
    # A pass HQ never sold on this card makes a session free.
    no_pass = tampered(session(5, held), 5, **{"pass": "T1-99:STUDY-M"})
    # Two and a half hours billed as ten free minutes.
    shortened = tampered(session(6, tenders=[Tender(TenderKind.CASH, 4500)]), 6, minutes=10,
                         units=0, amount_due=0, tenders=[])
    # 600 minutes paid for, 60,000 put on the card.
    bought = counter_operations.buy_time(operation(7), member(), 600, 12000,
                                         [Tender(TenderKind.CASH, 12000)])
    inflated = tampered(bought, 7, entries=lambda entry: {**entry, "delta": 60_000})
    honest_time = counter_operations.buy_time(operation(8), member(), 600, 12000,
                                              [Tender(TenderKind.CASH, 12000)])
    paid = session(9, tenders=[Tender(TenderKind.CASH, 5000)])
    batch = [*opening(), wire(3, month.events), wire(4, covered.events), no_pass, shortened,
             inflated, wire(8, honest_time.events), wire(9, paid.events)]
    send_events(terminal, build_event_batch("T1", batch, AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 9
    assert {item["seq"]: item["reason"] for item in ack["quarantined"]} == {
        5: SESSION_PASS_UNKNOWN, 6: SESSION_BILL, 7: TIME_ENTRIES}
    # Reconciliation: the honest events applied, the hostile ones touched no balance.
    assert {"T1-3", "T1-8"} <= applied_ops(db)
    assert not {"T1-5", "T1-6", "T1-7"} & applied_ops(db)
    ledger = db.ledger
    minutes = [row.delta for row in ledger.select().where(ledger.account == "time")]
    assert minutes == [600]
    assert db.quarantined_events.select().count() == 3
    send_events(terminal, build_event_batch("T1", [wire(10, sold(10, [("LATTE", 1)]).events)],
                                            AT))
    assert acknowledgement(terminal)["watermark"] == 10  # HQ alive


def test_card_services_that_mint_or_pay_out_beyond_their_rule_are_quarantined(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    fee = [Tender(TenderKind.CASH, CONFIG.card_types["GOLD"].fees.replacement)]
    # A replacement that puts ¥10,000 more on the new card than it takes off the old one.
    minted = tampered(card_service.replace(operation(3), member(), NEW_CARD, fee), 3)
    minted.payload["entries"].append(entry_to_dict(LedgerEntry(
        "T1-3", NEW_CARD, Account.PRINCIPAL, 1_000_000, EntryKind.TRANSFER_IN,
        operation(3).at)))
    # A cancellation that pays out the bonus with the principal, and keeps no fee.
    paid_out = tampered(card_service.cancel(operation(4), member()), 4,
                        refund_to_member=110_000, fee_kept=0)
    honest = card_service.replace(operation(5), member(), NEW_CARD, fee)
    send_events(terminal, build_event_batch("T1", [*opening(), minted, paid_out,
                                                   wire(5, honest.events)], AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 5
    assert {item["seq"]: item["reason"] for item in ack["quarantined"]} == {
        3: SERVICE_ENTRIES, 4: SERVICE_ENTRIES}
    # Reconciliation: the honest replacement moved the card's ¥1,100 to the new card.
    assert not {"T1-3", "T1-4"} & applied_ops(db)
    ledger = db.ledger
    on_new = sum(row.delta for row in ledger.select().where(
        ledger.card_no == NEW_CARD, ledger.account.in_(["principal", "bonus"])))
    assert on_new == 110_000
    assert db.cards.get(db.cards.card_no == CARD).status == "replaced"
    send_events(terminal, build_event_batch("T1", [wire(6, sold(6, [("LATTE", 1)]).events)], AT))
    assert acknowledgement(terminal)["watermark"] == 6  # HQ alive


def test_prepaid_minutes_used_beyond_hqs_balance_are_applied_and_flagged(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    # The terminal last knew 600 prepaid minutes on the card, which HQ has none of.
    prepaid = session(3, CardBalances(time_minutes=600))
    assert prepaid.events[0].payload["prepaid_minutes"] == 180
    send_events(terminal, build_event_batch("T1", [*opening(), wire(3, prepaid.events)], AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 3 and not ack.get("quarantined")
    assert "T1-3" in applied_ops(db)
    (flag,) = db.overdrafts.select()
    assert (flag.op_id, flag.kind, flag.reason, flag.amount_over) == ("T1-3", "time", "balance",
                                                                      180)
