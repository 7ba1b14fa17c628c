"""A terminal cannot mint money or points (issue 10, points 2 and 8): +¥10,000 principal with
nothing paid, an `adjust` credit inside an unrelated event, a million points inside
`member.registered` and a refund of ¥8,000 against a ¥10 sale are each quarantined — stored,
told in the ack, listed by `hq quarantine list`, applied to no balance — and an online debit of
that money is refused; honest work from the same terminal, in the same batch, is applied. A
real HQ worker on a real broker, SQLite and PostgreSQL."""

from __future__ import annotations

import json

from hq.balances import card_balances, stored_value
from hq.cli import main as hq_main
from membership.event_rules import (
    ENTRIES_NOT_ALLOWED,
    HQ_ONLY_KIND,
    REFUND_BEYOND_SALE,
    TOPUP_PRINCIPAL_NOT_PAID,
)
from protocol.wire import WireEvent, build_event_batch, terminal_topic
from tests.integration.hq_feed import publish_feed_documents, sale_inputs
from tests.security.hostile_wire import (
    AT,
    answer,
    ask,
    auth_request,
    refund_of,
    send_events,
    top_up,
)

CARD = "8800"


def minted_top_up(seq: int) -> WireEvent:
    """+¥10,000 principal, no tender."""
    honest = top_up(seq, CARD, 1_000_000)
    return WireEvent(seq, honest.op_id, honest.type, AT, {**honest.payload, "tenders": []})


def adjust_in_a_status_change(seq: int) -> WireEvent:
    adjust = {"op_id": f"T1-{seq}", "card_no": CARD, "account": "principal",
              "delta": 1_000_000, "kind": "adjust", "at": AT.isoformat(), "note": "fix"}
    return WireEvent(seq, f"T1-{seq}", "card.found", AT,
                     {"card_no": CARD, "status": "active", "tenders": [], "entries": [adjust]})


def points_in_a_registration(seq: int) -> WireEvent:
    points = {"op_id": f"T1-{seq}", "card_no": CARD, "account": "points", "delta": 1_000_000,
              "kind": "earn", "at": AT.isoformat(), "lot": "P1", "valid_until": "2027-12-31"}
    return WireEvent(seq, f"T1-{seq}", "member.registered", AT,
                     {"member_id": "M1", "name": "张三", "phone": "", "birthday": "",
                      "card_no": CARD, "entries": [points]})


def acknowledgement(terminal) -> dict:
    (ack,) = [m for m in terminal.receive(1, timeout=10)
              if m.topic == terminal_topic("T1", "ack")]
    return json.loads(ack.payload)


def test_minted_money_and_points_are_quarantined_and_not_spendable(
        worker, terminal, hq_database_url, monkeypatch, capsys):
    _, db = worker
    send_events(terminal, build_event_batch("T1", [top_up(1, CARD, 10_000)], AT))
    assert acknowledgement(terminal)["watermark"] == 1
    batch = [minted_top_up(2), adjust_in_a_status_change(3), points_in_a_registration(4),
             top_up(5, CARD, 5_000)]
    send_events(terminal, build_event_batch("T1", batch, AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 5  # stored, never asked for again
    assert ack["quarantined"] == [{"seq": 2, "reason": TOPUP_PRINCIPAL_NOT_PAID},
                                  {"seq": 3, "reason": HQ_ONLY_KIND},
                                  {"seq": 4, "reason": ENTRIES_NOT_ALLOWED}]
    assert stored_value(db, CARD) == 15_000  # the honest top-ups only
    assert card_balances(db, CARD).points == 0

    ask(terminal, auth_request("T1-6", 1_000_000, CARD))
    refused = answer(terminal)
    assert not refused.approved and refused.reason == "balance.insufficient"

    monkeypatch.setenv("HQ_DATABASE_URL", hq_database_url)
    assert hq_main(["quarantine", "list", "--terminal", "T1"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[2:6:3] for line in listed] == [
        ["seq 4", ENTRIES_NOT_ALLOWED], ["seq 3", HQ_ONLY_KIND],
        ["seq 2", TOPUP_PRINCIPAL_NOT_PAID]]


def sale_from_card(seq: int, amount: int) -> WireEvent:
    spend = {"op_id": f"T1-{seq}", "card_no": CARD, "account": "principal", "delta": -amount,
             "kind": "spend", "at": AT.isoformat(), "line_no": 1}
    return WireEvent(seq, f"T1-{seq}", "sale.completed", AT, {
        "store_id": "SH001", "card_no": CARD, "gross": amount, "amount_due": amount,
        "tenders": [{"kind": "stored_value", "amount": amount, "reference": ""}], "change": 0,
        "entries": [spend], "inputs": sale_inputs(amount)})



def test_a_refund_beyond_its_sale_is_quarantined(worker, terminal):
    _, db = worker
    publish_feed_documents(db)  # what the sale's inputs name, as HQ published it
    batch = [top_up(1, CARD, 10_000), sale_from_card(2, 1_000), refund_of(3, 2, 800_000),
             refund_of(4, 2, 1_000)]
    send_events(terminal, build_event_batch("T1", batch, AT))
    ack = acknowledgement(terminal)
    assert ack["watermark"] == 4
    assert ack["quarantined"] == [{"seq": 3, "reason": REFUND_BEYOND_SALE}]
    assert stored_value(db, CARD) == 10_000  # ¥10 sold and given back; the ¥8,000 never
