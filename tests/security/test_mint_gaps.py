"""The gaps left in the mint rules, tried by a hostile terminal on the real broker against a
real HQ worker (SQLite and PostgreSQL): a seq skipped on purpose so that a refund of a sale that
never was goes unjudged; credits that add up beyond what a card can hold; a bonus with no
published rule; a batch of an older protocol version. Each ends in a reconciliation: the honest
work applied, the hostile work quarantined or refused, HQ still answering."""

from __future__ import annotations

import json

from hq.balances import stored_value
from membership.event_rules import (
    BALANCE_OUT_OF_RANGE,
    REFUND_BEYOND_SALE,
    REFUND_SALE_UNKNOWN,
    TOPUP_BONUS_WITHOUT_RULE,
)
from membership.money import MAX_FEN
from protocol.wire import (
    WireEvent,
    build_event_batch,
    parse_ack_message,
    parse_resend,
)
from tests.security.hostile_wire import (
    AT,
    acknowledged,
    answer,
    ask,
    auth_request,
    dead_letters,
    refund_of,
    send_events,
    top_up,
)

CARD = "8800"



def top_up_with_bonus(seq: int, paid: int, bonus: int) -> WireEvent:
    honest = top_up(seq, CARD, paid)
    entry = {**honest.payload["entries"][0], "account": "bonus", "delta": bonus,
             "kind": "topup_bonus"}
    return WireEvent(seq, honest.op_id, honest.type, AT, {
        **honest.payload, "bonus": bonus, "entries": [*honest.payload["entries"], entry]})


def answers(terminal, count: int) -> dict[str, list]:
    by_kind: dict[str, list] = {"ack": [], "resend": []}
    for message in terminal.receive(count, timeout=10):
        kind = message.topic.rsplit("/", 1)[-1]
        by_kind[kind].append(message.payload)
    return by_kind


def hq_still_answers(terminal, op_id: str, amount: int) -> None:
    ask(terminal, auth_request(op_id, amount, CARD))
    assert answer(terminal).approved


def test_a_skipped_seq_does_not_let_a_refund_of_no_sale_through(worker, terminal):
    _, db = worker
    assert acknowledged(terminal, build_event_batch("T1", [top_up(1, CARD, 10_000)], AT)) == 1
    # Seq 2 left out on purpose; seq 3 "refunds" it.
    send_events(terminal, build_event_batch(
        "T1", [refund_of(3, 2, 800_000), top_up(4, CARD, 500)], AT))
    held = answers(terminal, 2)
    (ack,) = held["ack"]
    assert parse_ack_message(ack).watermark == 1  # nothing stored, nothing acknowledged
    assert [parse_resend(payload) for payload in held["resend"]] == [(2, 4)]
    assert db.events.select().count() == 1 and stored_value(db, CARD) == 10_000
    # Asked again, it must send seq 2 before HQ judges the refund: a top-up, which took nothing
    # from the card, so there is nothing to give back.
    send_events(terminal, build_event_batch(
        "T1", [top_up(2, CARD, 1_000), refund_of(3, 2, 800_000), top_up(4, CARD, 500)],
        AT))
    (ack,) = answers(terminal, 1)["ack"]
    told = parse_ack_message(ack)
    assert (told.watermark, told.quarantined) == (4, ((3, REFUND_BEYOND_SALE),))
    assert stored_value(db, CARD) == 11_500  # the honest top-ups, no refund
    hq_still_answers(terminal, "T1-5", 11_500)


def test_a_refund_of_a_sale_hq_never_had_is_quarantined_once_no_seq_is_missing(worker,
                                                                              terminal):
    _, db = worker
    assert acknowledged(terminal, build_event_batch("T1", [top_up(1, CARD, 10_000)], AT)) == 1
    send_events(terminal, build_event_batch("T1", [refund_of(2, 99, 5_000)], AT))
    (ack,) = answers(terminal, 1)["ack"]
    told = parse_ack_message(ack)
    assert (told.watermark, told.quarantined) == (2, ((2, REFUND_SALE_UNKNOWN),))
    assert stored_value(db, CARD) == 10_000
    hq_still_answers(terminal, "T1-3", 10_000)


def test_credits_beyond_what_a_card_can_hold_are_quarantined(worker, terminal):
    _, db = worker
    batch = [top_up(1, CARD, MAX_FEN), top_up(2, CARD, MAX_FEN), top_up(3, "8801", 100)]
    send_events(terminal, build_event_batch("T1", batch, AT))
    (ack,) = answers(terminal, 1)["ack"]
    assert json.loads(ack)["quarantined"] == [{"seq": 2, "reason": BALANCE_OUT_OF_RANGE}]
    assert stored_value(db, CARD) == MAX_FEN and stored_value(db, "8801") == 100
    hq_still_answers(terminal, "T1-4", 100)


def test_a_bonus_with_no_published_card_types_is_quarantined(worker, terminal):
    _, db = worker
    send_events(terminal, build_event_batch(
        "T1", [top_up_with_bonus(1, 10_000, 5_000), top_up(2, CARD, 10_000)], AT))
    (ack,) = answers(terminal, 1)["ack"]
    assert json.loads(ack)["quarantined"] == [{"seq": 1, "reason": TOPUP_BONUS_WITHOUT_RULE}]
    assert stored_value(db, CARD) == 10_000


def test_a_batch_of_the_older_protocol_is_refused_and_the_next_one_stored(worker, terminal):
    _, db = worker
    old = json.loads(build_event_batch("T1", [top_up(1, CARD, 10_000)], AT))
    send_events(terminal, json.dumps({**old, "schema": 1}).encode())
    (letter,) = dead_letters(db, 1)
    assert letter.reason == "schema_unsupported"
    assert db.events.select().count() == 0
    assert acknowledged(terminal, build_event_batch("T1", [top_up(1, CARD, 10_000)], AT)) == 1
    assert stored_value(db, CARD) == 10_000
