"""Integers in range (issue 10, point 3): amounts, ledger deltas, seqs and line numbers beyond
their documented bounds are refused at parse time, as dead letters with their reason; an
amount just inside the bound is stored. A real HQ worker on a real broker, SQLite and
PostgreSQL."""

import json

from hq.balances import stored_value
from membership.money import MAX_FEN
from protocol.wire import build_event_batch
from protocol.wire_bounds import MAX_SEQ, MAX_TERMINAL_INT
from tests.security.hostile_wire import (
    AT,
    acknowledged,
    answer,
    ask,
    auth_request,
    batch_json,
    dead_letters,
    send_events,
    top_up,
)


def batch_with(change) -> bytes:
    message = batch_json([top_up(1)])
    change(message["events"][0])
    return json.dumps(message).encode()


OUT_OF_RANGE = {
    "a delta over MAX_FEN": (
        lambda event: event["payload"]["entries"][0].update(delta=MAX_FEN + 1), "invalid_entry"),
    "a negative line number": (
        lambda event: event["payload"]["entries"][0].update(line_no=-1), "invalid_entry"),
    "paid over MAX_FEN": (lambda event: event["payload"].update(paid=MAX_FEN + 1),
                          "out_of_range"),
    "a seq over MAX_SEQ": (lambda event: event.update(seq=MAX_SEQ + 1), "out_of_range"),
    "a quantity HQ does not name": (
        lambda event: event["payload"].update(lines=[{"qty": -MAX_TERMINAL_INT - 1}]),
        "out_of_range"),
    "a 2**63 delta": (
        lambda event: event["payload"]["entries"][0].update(delta=2**63), "number_invalid"),
}


def test_event_integers_beyond_their_bounds_are_dead_letters(worker, terminal):
    _, db = worker
    for change, _ in OUT_OF_RANGE.values():
        send_events(terminal, batch_with(change))
    biggest = build_event_batch("T1", [top_up(1, amount=MAX_FEN)], AT)
    assert acknowledged(terminal, biggest) == 1
    letters = dead_letters(db, len(OUT_OF_RANGE))
    assert [letter.reason for letter in letters] == [
        reason for _, reason in OUT_OF_RANGE.values()]
    assert stored_value(db, "8800") == MAX_FEN


def test_an_authorisation_beyond_max_fen_is_a_dead_letter(worker, terminal):
    _, db = worker
    assert acknowledged(terminal, build_event_batch("T1", [top_up(1)], AT)) == 1
    ask(terminal, auth_request("T1-2", MAX_FEN + 1))
    ask(terminal, auth_request("T1-3", 10000))
    assert answer(terminal).op_id == "T1-3"
    (letter,) = dead_letters(db, 1)
    assert (letter.reason, letter.detail) == ("out_of_range", "amount")
