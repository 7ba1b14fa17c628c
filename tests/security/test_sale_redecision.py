"""A terminal cannot price its own sales (issue 10, point 2): HQ decides every sale again from
the inputs its event carries and the configuration versions HQ published, and quarantines a
sale whose entries differ — inflated points, a stored-value draw bigger than the priced sale, a
price below the published price book, a configuration version HQ never published, points
redeemed that no rule gives — while the honest sales of the same batch are applied. An honest
offline terminal is no liar: a level it had not heard was upgraded, a stale balance and a price
book HQ has since replaced are all accepted. A real HQ worker on a real broker, the terminal's
own core deciding the honest sales, SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import timedelta

from harness.demo_config import demo_store_configuration, publish_demo_documents
from hq.balances import stored_value
from hq.config_push import next_document
from hq.times import utc_now
from membership import card_service, counter_operations
from membership.catalogue import SaleLine
from membership.config_documents import CATALOGUE, encode_catalogue
from membership.counter_operations import CounterDecision, Operation
from membership.events import DomainEvent, entry_to_dict
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, Lot
from membership.purchase_rules import (
    GIFT_UNKNOWN,
    PURCHASE_ENTRIES,
    WITHDRAW_BEYOND_PRINCIPAL,
)
from membership.sale import (
    MemberContext,
    SaleDecision,
    SaleRequest,
    StoreContext,
    decide_sale,
    quote,
)
from membership.tenders import Tender, TenderKind
from protocol.wire import WireEvent, build_event_batch, terminal_topic
from terminal.demo import store as demo
from tests.security.hostile_wire import AT, send_events

CONFIG = demo_store_configuration()
STORE = StoreContext("SH001", "T1")
CARD = "8800000000000001"


def operation(seq: int) -> Operation:
    return Operation(f"T1-{seq}", AT + timedelta(minutes=seq), STORE, "S01")


def wire(seq: int, events: Sequence[DomainEvent]) -> WireEvent:
    (event,) = [event for event in events if event.type != "member.registered"]
    return WireEvent(seq, event.op_id, event.type, event.at, event.payload)


def member(level: str = "GOLD", balances: CardBalances | None = None) -> MemberContext:
    card = card_service.enrol(operation(1), CARD, "M1", "张三", CONFIG.card_types["GOLD"],
                              [Tender(TenderKind.CASH, 2000)], level=level).cards[0]
    assert CONFIG.levels is not None
    return MemberContext(card, CONFIG.card_types["GOLD"],
                         balances or CardBalances(principal=100_000, bonus=10_000),
                         level=next(item for item in CONFIG.levels.levels if item.code == level))


def opening() -> list[WireEvent]:
    """The card issued at GOLD and topped up ¥1,000 (¥100 bonus), decided by the core."""
    issued = card_service.enrol(operation(1), CARD, "M1", "张三", CONFIG.card_types["GOLD"],
                                [Tender(TenderKind.CASH, 2000)], level="GOLD")
    new = MemberContext(issued.cards[0], CONFIG.card_types["GOLD"], CardBalances())
    topped = counter_operations.top_up(operation(2), new, 100_000,
                                       [Tender(TenderKind.CASH, 100_000)])
    return [wire(1, issued.events), wire(2, topped.events)]


def sold(seq: int, lines: Sequence[tuple[str, int]], by_card: int | None = None,
         the_member: MemberContext | None = None, config=CONFIG,
         points_requested: int = 0) -> SaleDecision:
    """A sale as the core decides it: `by_card` fen from stored value (all when None), the
    rest in cash."""
    the_member = the_member or member()
    sale_lines = tuple(SaleLine(n, config.products[code], qty)
                       for n, (code, qty) in enumerate(lines, start=1))
    op = operation(seq)
    rules = config.sale_rules()
    request = SaleRequest(op.op_id, op.at, sale_lines, points_requested=points_requested)
    due = quote(request, STORE, rules, the_member).amount_due
    card_part = due if by_card is None else by_card
    tenders = tuple(tender for tender in (Tender(TenderKind.STORED_VALUE, card_part),
                                          Tender(TenderKind.CASH, due - card_part))
                    if tender.amount)
    return decide_sale(dataclasses.replace(request, tenders=tenders), STORE, rules, the_member)


def tampered(decision: SaleDecision | CounterDecision, seq: int, **changes) -> WireEvent:
    """The sale's event with its entries changed by `change(entry)`, payload keys replaced."""
    event = wire(seq, decision.events)
    change = changes.pop("entries", None)
    payload = {**event.payload, **changes}
    if change is not None:
        payload["entries"] = [change(entry) for entry in payload["entries"]]
    return dataclasses.replace(event, payload=payload)


def acknowledgement(terminal) -> dict:
    (ack,) = [m for m in terminal.receive(1, timeout=10)
              if m.topic == terminal_topic("T1", "ack")]
    return json.loads(ack.payload)


def applied_ops(db) -> set[str]:
    return {row.op_id for row in db.ledger.select(db.ledger.op_id)}


def test_sales_no_rule_gives_are_quarantined_and_honest_ones_applied(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    honest = sold(3, [("LATTE", 2), ("CAKE", 1)], by_card=5_000)
    inflated = tampered(sold(4, [("LATTE", 1)], by_card=0), 4, entries=lambda entry: {
        **entry, "delta": entry["delta"] * 100} if entry["account"] == "points" else entry)
    overdrawn = tampered(sold(5, [("CROISSANT", 1)]), 5, entries=lambda entry: {
        **entry, "delta": entry["delta"] * 10} if entry["kind"] == "spend" else entry)
    cheap_book = dataclasses.replace(CONFIG, products={
        **CONFIG.products, "BEANS": dataclasses.replace(CONFIG.products["BEANS"], unit_price=1)})
    below_book = wire(6, sold(6, [("BEANS", 1)], config=cheap_book).events)
    unpublished = dataclasses.replace(CONFIG, versions={**CONFIG.versions,
                                                        CATALOGUE: ("all", 99)})
    unknown_version = wire(7, sold(7, [("LATTE", 1)], config=unpublished).events)
    # Points taken as payment that the sale's inputs never asked for: no rule gives them.
    redeemed = LedgerEntry("T1-8", CARD, Account.POINTS, -500, EntryKind.REDEEM,
                           operation(8).at, lot="P2026")
    free_points = tampered(sold(8, [("CAKE", 1)], by_card=0), 8)
    free_points.payload["entries"].append(entry_to_dict(redeemed))
    honest_after = sold(9, [("AMERICANO", 1)])
    batch = [*opening(), wire(3, honest.events), inflated, overdrawn, below_book,
             unknown_version, free_points, wire(9, honest_after.events)]
    send_events(terminal, build_event_batch("T1", batch, AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 9
    assert {item["seq"]: item["reason"] for item in ack["quarantined"]} == {
        4: "sale_mismatch:points_earned",
        5: "sale_mismatch:stored_value",
        6: "sale_mismatch:unit_price",
        7: "config_version_unknown:catalogue",
        8: "sale_mismatch:points_redeemed",
    }
    # Reconciliation: the honest sales applied, the hostile ones touched no balance.
    assert {"T1-3", "T1-9"} <= applied_ops(db)
    assert not {"T1-4", "T1-5", "T1-6", "T1-7", "T1-8"} & applied_ops(db)
    drawn = sum(entry.delta for decision in (honest, honest_after) for entry in decision.entries
                if entry.account in (Account.PRINCIPAL, Account.BONUS))
    assert stored_value(db, CARD) == 110_000 + drawn
    reasons = {row.seq: row.reason for row in db.quarantined_events.select()}
    assert set(reasons) == {4, 5, 6, 7, 8}
    send_events(terminal, build_event_batch("T1", [wire(10, sold(10, [("LATTE", 1)]).events)],
                                            AT))
    assert acknowledgement(terminal)["watermark"] == 10  # HQ alive, and still applying
    assert "T1-10" in applied_ops(db)


def test_an_honest_offline_terminal_with_stale_knowledge_is_not_quarantined(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    # HQ has replaced the price book since: the offline terminal still sells at version 1.
    book = dict(CONFIG.products)
    book["LATTE"] = dataclasses.replace(book["LATTE"], unit_price=3_000)
    next_document(db, CATALOGUE, "all", encode_catalogue(book.values()), utc_now())
    # HQ has the card at GOLD; the terminal had not heard of that and priced it at SILVER, on
    # a balance it last knew as mostly bonus.
    stale = member("SILVER", CardBalances(principal=2_000, bonus=8_000))
    sale = sold(3, [("LATTE", 2), ("CAKE", 1)], by_card=6_000, the_member=stale)
    assert any(entry.account is Account.POINTS and entry.kind is EntryKind.EARN
               for entry in sale.entries)
    send_events(terminal, build_event_batch("T1", [*opening(), wire(3, sale.events)], AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 3 and not ack.get("quarantined")
    assert "T1-3" in applied_ops(db)
    assert db.quarantined_events.select().count() == 0


def test_withdrawals_purchases_and_gifts_beyond_their_rules_are_quarantined(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    card = member()
    rich = dataclasses.replace(card, balances=CardBalances(principal=100_000, points_lots=(
        Lot("P2026", "", None, None, 5_000, AT),)))
    bonus_out = counter_operations.withdraw(operation(3), card, 100_000)  # principal: 100,000
    over = tampered(bonus_out, 3, amount=105_000, entries=lambda entry: {
        **entry, "delta": -105_000})  # and the ¥50 bonus paid out too
    package = demo.FACIAL_PACKAGE
    bought = counter_operations.buy_package(operation(4), card, package, 1,
                                            [Tender(TenderKind.CASH, package.price)])
    doubled = tampered(bought, 4, entries=lambda entry: {**entry, "delta": entry["delta"] * 2})
    cheap_gift = tampered(counter_operations.redeem_gift(operation(5), rich, demo.GIFTS[0], 1),
                          5, points=1, entries=lambda entry: {**entry, "delta": -1})
    honest = counter_operations.withdraw(operation(6), card, 20_000)
    batch = [*opening(), over, doubled, cheap_gift, wire(6, honest.events)]
    send_events(terminal, build_event_batch("T1", batch, AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 6
    assert {item["seq"]: item["reason"] for item in ack["quarantined"]} == {
        3: WITHDRAW_BEYOND_PRINCIPAL, 4: PURCHASE_ENTRIES, 5: GIFT_UNKNOWN}
    assert not {"T1-3", "T1-4", "T1-5"} & applied_ops(db)
    assert stored_value(db, CARD) == 110_000 - 20_000  # the honest withdrawal only


def test_a_coupon_marked_used_must_be_the_one_the_sale_applied(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    rules, the_member = CONFIG.sale_rules(), member()
    lines = (SaleLine(1, CONFIG.products["LATTE"], 1), SaleLine(2, CONFIG.products["CAKE"], 2))

    def with_coupon(seq: int, coupon: str) -> SaleDecision:
        op = operation(seq)
        request = SaleRequest(op.op_id, op.at, lines, coupon=CONFIG.coupons.get(coupon))
        due = quote(request, STORE, rules, the_member).amount_due
        return decide_sale(dataclasses.replace(request, tenders=(
            Tender(TenderKind.CASH, due),)), STORE, rules, the_member)

    # A sale that never applied the member's coupon marks it used: the member loses it.
    blocking = tampered(with_coupon(3, ""), 3, coupon_used="WELCOME10")
    # The coupon's ¥10 taken while the coupon is left unused for the next sale.
    kept = tampered(with_coupon(4, "WELCOME10"), 4, coupon_used="")
    honest = with_coupon(5, "WELCOME10")
    assert honest.coupon_used == "WELCOME10"
    send_events(terminal, build_event_batch("T1", [*opening(), blocking, kept,
                                                   wire(5, honest.events)], AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 5
    assert {item["seq"]: item["reason"] for item in ack["quarantined"]} == {
        3: "sale_mismatch:coupon_used", 4: "sale_mismatch:coupon_used"}
    # Reconciliation: the honest coupon sale applied and its use recorded, nothing else.
    assert "T1-5" in applied_ops(db) and not {"T1-3", "T1-4"} & applied_ops(db)
    assert [(row.code, row.op_id) for row in db.coupon_uses.select()] == [("WELCOME10", "T1-5")]
    send_events(terminal, build_event_batch("T1", [wire(6, sold(6, [("LATTE", 1)]).events)], AT))
    assert acknowledgement(terminal)["watermark"] == 6  # HQ alive


def test_points_redeemed_beyond_hqs_balance_are_applied_and_flagged(worker, terminal):
    _, db = worker
    publish_demo_documents(db)
    # An offline terminal that last knew 5,000 points on the card, which HQ has none of (spent
    # elsewhere meanwhile, or never there): the sale is what the core gives, so it stands.
    stale = member(balances=CardBalances(principal=100_000, points_lots=(
        Lot("P2026", "", None, None, 5_000, AT),)))
    sale = sold(3, [("CAKE", 2)], by_card=0, the_member=stale, points_requested=1_000)
    assert sale.priced.points_used > 0
    send_events(terminal, build_event_batch("T1", [*opening(), wire(3, sale.events)], AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 3 and not ack.get("quarantined")
    assert "T1-3" in applied_ops(db)
    (flag,) = db.overdrafts.select()
    assert (flag.op_id, flag.kind, flag.reason) == ("T1-3", "points", "points")
    earned = sum(entry.delta for entry in sale.entries if entry.account is Account.POINTS
                 and entry.kind is EntryKind.EARN)
    assert flag.amount_over == sale.priced.points_used - earned
    send_events(terminal, build_event_batch("T1", [wire(4, sold(4, [("LATTE", 1)]).events)], AT))
    assert acknowledgement(terminal)["watermark"] == 4  # HQ alive
