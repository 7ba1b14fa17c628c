"""HQ's rules for card services' fees and entries (membership.card_service_rules): the core's
honest enrolment, replacement, extension and cancellation pass; a fee no published version
gives, a fee not paid, a replacement that credits more than it moves and a cancellation that
pays out more than the principal it closes are named."""

from __future__ import annotations

from dataclasses import replace

from membership import card_service
from membership.card_service_rules import (
    FEE_NOT_AS_PUBLISHED,
    FEE_NOT_PAID,
    SERVICE_ENTRIES,
    card_service_reason,
)
from membership.cards import Fees
from membership.counter_operations import CounterDecision
from membership.events import entry_from_dict
from membership.ledger import LedgerEntry
from membership.tenders import Tender, TenderKind
from tests.support.counter_world import GOLD, A, K, member, money, op, setup

NEW_CARD = "880000009999"


def checked(decision: CounterDecision, fees=(GOLD.fees,), entries=None, **changes) -> str:
    event = decision.events[0]
    payload = {**event.payload, **changes}
    sent = entries if entries is not None else [entry_from_dict(raw) for raw in payload["entries"]]
    return card_service_reason(event.type, payload, sent, fees)


def cash(amount: int) -> list[Tender]:
    return [Tender(TenderKind.CASH, amount)]


def test_honest_card_services_pass():
    enrolled = card_service.enrol(op(1), "880000000001", "M9", "李四", GOLD, cash(2000))
    assert checked(enrolled) == ""
    assert checked(enrolled, fees=()) == ""  # a type HQ does not know: the fee is not judged
    rich = member([*money(30000, 5000), setup(A.COUNT, 3, K.PURCHASE, lot="L1", service="WASH")])
    assert checked(card_service.replace(op(2), rich, NEW_CARD, cash(1000))) == ""
    assert checked(card_service.extend(op(3), rich, cash(5000))) == ""
    cancelled = card_service.cancel(op(4), rich)
    assert cancelled.events[0].payload["fee_kept"] == 2000
    assert checked(cancelled) == ""
    # Another published version of the type with a lower fee: a terminal may still hold it.
    assert checked(cancelled, fees=(Fees(cancellation=500), GOLD.fees)) == ""


def test_a_fee_not_published_or_not_paid_is_named():
    enrolled = card_service.enrol(op(1), "880000000001", "M9", "李四", GOLD, cash(2000))
    free = {"join_fee": 0, "tenders": []}
    assert checked(enrolled, **free) == FEE_NOT_AS_PUBLISHED
    assert checked(enrolled, tenders=[]) == FEE_NOT_PAID
    paid_by_card = [{"kind": "stored_value", "amount": 2000, "reference": ""}]
    assert checked(enrolled, tenders=paid_by_card) == FEE_NOT_PAID
    extended = card_service.extend(op(3), member(money(1000, 0)), cash(5000))
    assert checked(extended, fee=1) == FEE_NOT_AS_PUBLISHED


def test_a_replacement_only_moves_what_it_takes_out():
    replaced = card_service.replace(op(2), member(money(30000, 5000)), NEW_CARD, cash(1000))
    entries = [entry_from_dict(raw) for raw in replaced.events[0].payload["entries"]]
    assert checked(replaced, entries=entries) == ""
    inflated = [replace(entry, delta=entry.delta * 10) if entry.delta > 0 else entry
                for entry in entries]
    assert checked(replaced, entries=inflated) == SERVICE_ENTRIES
    minted = LedgerEntry(replaced.op_id, NEW_CARD, A.PRINCIPAL, 1_000_000, K.TRANSFER_IN,
                         entries[0].at)
    assert checked(replaced, entries=[minted]) == SERVICE_ENTRIES


def test_a_cancellation_pays_out_only_the_principal_less_the_published_fee():
    cancelled = card_service.cancel(op(4), member(money(30000, 5000)))
    assert checked(cancelled, refund_to_member=30000, fee_kept=0) == FEE_NOT_AS_PUBLISHED
    assert checked(cancelled, refund_to_member=40000) == SERVICE_ENTRIES
    entries = [entry_from_dict(raw) for raw in cancelled.events[0].payload["entries"]]
    credited = [replace(entry, delta=-entry.delta) for entry in entries]
    assert checked(cancelled, entries=credited) == SERVICE_ENTRIES
    assert checked(cancelled, tenders=cash_payload(100)) == FEE_NOT_PAID


def cash_payload(amount: int) -> list[dict]:
    return [{"kind": "cash", "amount": amount, "reference": ""}]


def test_a_status_change_or_a_shift_moves_nothing():
    frozen = card_service.change_state(op(5), member(money(1000, 0)), "card.frozen")
    assert checked(frozen) == ""
    credit = LedgerEntry(frozen.op_id, frozen.events[0].payload["card_no"], A.PRINCIPAL,
                         1_000_000, K.TOPUP, frozen.events[0].at)
    assert checked(frozen, entries=[credit]) == SERVICE_ENTRIES
    assert card_service_reason("shift.closed", {}, [credit], ()) == SERVICE_ENTRIES
    assert card_service_reason("shift.closed", {}, [], ()) == ""
