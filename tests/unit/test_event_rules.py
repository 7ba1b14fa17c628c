"""The rules HQ checks a terminal's event against before applying it (membership.event_rules):
each honest event, as the core makes it, passes; each minting variant names its reason."""

from __future__ import annotations

import dataclasses

from membership import card_service
from membership import counter_operations as counter
from membership.cards import BonusTier
from membership.event_rules import (
    CARD_NOT_NAMED,
    ENTRIES_NOT_ALLOWED,
    HQ_ONLY_KIND,
    MAX_BALANCE,
    REFUND_BEYOND_SALE,
    REFUND_NOT_OF_ITS_SALE,
    REFUND_SALE_UNKNOWN,
    TOPUP_BONUS_BEYOND_RULE,
    TOPUP_BONUS_WITHOUT_RULE,
    TOPUP_ENTRY_KIND,
    TOPUP_PRINCIPAL_NOT_PAID,
    balances_after,
    left_to_refund,
    max_bonus,
    paid_in,
    quarantine_reason,
)
from membership.events import DomainEvent, entry_from_dict, entry_to_dict
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.profiles import ProfileDetails
from membership.tenders import Tender, TenderKind
from tests.support.counter_world import AT, CARD, GOLD, RULES, member, money, op

WECHAT_1000 = [Tender(TenderKind.WECHAT, 100000, "wx-1")]


def reason(event: DomainEvent, bonus_limit: int | None = None,
           refund_left: dict[Account, int] | None = None) -> str:
    entries = [entry_from_dict(raw) for raw in event.payload.get("entries", [])]
    return quarantine_reason(event.type, event.payload, entries, bonus_limit, refund_left)


def honest_top_up() -> DomainEvent:
    return counter.top_up(op(1), member(), 100000, WECHAT_1000, RULES).events[0]


def with_entries(event: DomainEvent, entries: list[LedgerEntry]) -> DomainEvent:
    return dataclasses.replace(event, payload={
        **event.payload, "entries": [entry_to_dict(entry) for entry in entries]})


def credit(account: Account, delta: int, kind: EntryKind, card_no: str = CARD.card_no
           ) -> LedgerEntry:
    return LedgerEntry("SH001-T1-1", card_no, account, delta, kind, AT)


def test_an_honest_top_up_passes_within_its_card_types_bonus_rule():
    event = honest_top_up()
    assert reason(event, bonus_limit=10000) == ""
    # HQ has published no card_types document: no rule gives a bonus, so none is allowed.
    assert reason(event) == TOPUP_BONUS_WITHOUT_RULE
    without_bonus = with_entries(event, [entry_from_dict(raw) for raw in event.payload["entries"]
                                         if raw["account"] == "principal"])
    assert reason(without_bonus) == ""  # a top-up without bonus needs no rule


def test_a_top_up_in_cash_with_change_credits_what_was_kept():
    event = counter.top_up(op(1), member(), 50000, [Tender(TenderKind.CASH, 60000)]).events[0]
    assert paid_in(event.payload["tenders"]) == 50000
    assert reason(event, bonus_limit=3000) == ""


def test_principal_with_nothing_paid_is_refused():
    event = dataclasses.replace(honest_top_up(), payload={**honest_top_up().payload,
                                                          "tenders": []})
    assert reason(event, 10000) == TOPUP_PRINCIPAL_NOT_PAID


def test_principal_beyond_the_tenders_is_refused():
    event = with_entries(honest_top_up(), [credit(Account.PRINCIPAL, 1000000, EntryKind.TOPUP)])
    assert reason(event, 10000) == TOPUP_PRINCIPAL_NOT_PAID


def test_a_top_up_paid_from_the_card_itself_pays_nothing_in():
    tenders = [{"kind": "stored_value", "amount": 100000, "reference": ""}]
    event = dataclasses.replace(honest_top_up(), payload={**honest_top_up().payload,
                                                          "tenders": tenders})
    assert reason(event, 10000) == TOPUP_PRINCIPAL_NOT_PAID


def test_bonus_beyond_the_rule_is_refused():
    event = with_entries(honest_top_up(), [credit(Account.PRINCIPAL, 100000, EntryKind.TOPUP),
                                           credit(Account.BONUS, 10001, EntryKind.TOPUP_BONUS)])
    assert reason(event, 10000) == TOPUP_BONUS_BEYOND_RULE


def test_a_top_up_carries_no_other_kind_of_entry():
    points = credit(Account.POINTS, 500, EntryKind.EARN)
    event = with_entries(honest_top_up(), [credit(Account.PRINCIPAL, 100000, EntryKind.TOPUP),
                                           points])
    assert reason(event, 10000) == TOPUP_ENTRY_KIND


def test_an_adjust_entry_is_refused_in_any_event():
    adjust = credit(Account.PRINCIPAL, 1000000, EntryKind.ADJUST)
    state = counter.withdraw(op(2), member(money(50000, 0)), 1000).events[0]
    assert reason(with_entries(state, [adjust])) == HQ_ONLY_KIND


def test_an_entry_on_a_card_the_event_does_not_name_is_refused():
    other = credit(Account.PRINCIPAL, -1000, EntryKind.WITHDRAW, card_no="889999999999")
    event = counter.withdraw(op(2), member(money(50000, 0)), 1000).events[0]
    assert reason(with_entries(event, [other])) == CARD_NOT_NAMED


def enrolment() -> tuple[DomainEvent, ...]:
    return card_service.enrol(op(1), "880000005555", "M009", "李四", GOLD,
                              [Tender(TenderKind.CASH, 2000)],
                              profile=ProfileDetails(phone="13800138000")).events


def test_an_honest_enrolment_and_registration_carry_no_entries_and_pass():
    issued, registered = enrolment()
    assert (issued.type, registered.type) == ("card.issued", "member.registered")
    assert reason(issued) == "" and reason(registered) == ""


def test_points_in_a_registration_or_an_issue_are_refused():
    issued, registered = enrolment()
    million = credit(Account.POINTS, 1000000, EntryKind.EARN, card_no="880000005555")
    registered = dataclasses.replace(registered, payload={**registered.payload,
                                                          "card_no": "880000005555"})
    assert reason(with_entries(registered, [million])) == ENTRIES_NOT_ALLOWED
    assert reason(with_entries(issued, [million])) == ENTRIES_NOT_ALLOWED


def test_an_honest_card_replacement_moves_balances_between_the_cards_it_names():
    history = money(80000, 8000)
    event = card_service.replace(op(3), member(history), "880000007777",
                                 [Tender(TenderKind.CASH, 1000)]).events[0]
    assert event.payload["entries"] and reason(event) == ""


def test_the_bonus_limit_is_the_most_any_published_version_gives():
    old, new = (BonusTier(100000, 20000),), (BonusTier(100000, 10000),)
    assert max_bonus([old, new], 100000) == 20000
    assert max_bonus([new], 50000) == 0
    assert max_bonus([], 100000) is None


def test_a_card_type_with_no_bonus_tiers_allows_no_bonus():
    assert max_bonus([()], 100000) == 0


def refund(entries: list[LedgerEntry], original_op: str = "SH001-T1-1") -> DomainEvent:
    return DomainEvent("sale.refunded", "SH001-T1-9", AT, {
        "original_op": original_op, "card_no": CARD.card_no, "amount": 0, "quantities": [],
        "tender_refunds": [], "entries": [entry_to_dict(entry) for entry in entries]})


def refund_credit(account: Account, delta: int, reverses_op: str = "SH001-T1-1"
                  ) -> LedgerEntry:
    return LedgerEntry("SH001-T1-9", CARD.card_no, account, delta, EntryKind.REFUND, AT,
                       reverses_op=reverses_op)


SALE = [(Account.PRINCIPAL, -900), (Account.BONUS, -100), (Account.POINTS, 50)]


def test_a_refund_within_what_is_left_of_its_sale_passes():
    event = refund([refund_credit(Account.PRINCIPAL, 450), refund_credit(Account.BONUS, 50)])
    assert reason(event, refund_left=left_to_refund(SALE, [])) == ""
    # Points earned are taken back (a debit): never beyond anything.
    clawback = refund([refund_credit(Account.POINTS, -50)])
    assert reason(clawback, refund_left=left_to_refund(SALE, [])) == ""


def test_a_refund_beyond_the_sale_or_what_earlier_refunds_left_is_refused():
    event = refund([refund_credit(Account.PRINCIPAL, 800000)])
    assert reason(event, refund_left=left_to_refund(SALE, [])) == REFUND_BEYOND_SALE
    half = refund([refund_credit(Account.PRINCIPAL, 450)])
    earlier = [(Account.PRINCIPAL, 450), (Account.PRINCIPAL, 1)]
    assert reason(half, refund_left=left_to_refund(SALE, earlier)) == REFUND_BEYOND_SALE
    bonus = refund([refund_credit(Account.BONUS, 101)])
    assert reason(bonus, refund_left=left_to_refund(SALE, [])) == REFUND_BEYOND_SALE


def test_a_refund_of_a_sale_that_took_nothing_from_the_card_credits_nothing():
    event = refund([refund_credit(Account.PRINCIPAL, 1)])
    assert reason(event, refund_left=left_to_refund([], [])) == REFUND_BEYOND_SALE
    # HQ does not have the sale (asked only once every seq below the refund is in).
    assert reason(event) == REFUND_SALE_UNKNOWN
    clawback = refund([refund_credit(Account.POINTS, -50)])
    assert reason(clawback) == ""  # gives nothing back: nothing to mint, whatever the sale


def test_a_refund_credit_must_name_the_sale_it_reverses():
    event = refund([refund_credit(Account.PRINCIPAL, 100, reverses_op="SH001-T1-5")])
    assert reason(event, refund_left=left_to_refund(SALE, [])) == REFUND_NOT_OF_ITS_SALE


def test_balances_after_adds_the_entries_per_card_and_account():
    before = {(CARD.card_no, Account.PRINCIPAL): 1000}
    entries = [credit(Account.PRINCIPAL, 500, EntryKind.TOPUP),
               credit(Account.BONUS, 50, EntryKind.TOPUP_BONUS),
               credit(Account.PRINCIPAL, -200, EntryKind.SPEND)]
    assert balances_after(before, entries) == {(CARD.card_no, Account.PRINCIPAL): 1300,
                                               (CARD.card_no, Account.BONUS): 50}


def test_balances_beyond_what_a_card_can_hold_either_way_are_refused():
    full = {(CARD.card_no, Account.POINTS): MAX_BALANCE - 10}
    assert balances_after(full, [credit(Account.POINTS, 10, EntryKind.EARN)]) is not None
    assert balances_after(full, [credit(Account.POINTS, 11, EntryKind.EARN)]) is None
    # Many in-range credits in one event add up too.
    many = [credit(Account.PRINCIPAL, MAX_BALANCE // 2 + 1, EntryKind.TOPUP)] * 2
    assert balances_after({}, many) is None
    overdrawn = {(CARD.card_no, Account.COUNT): -MAX_BALANCE}
    assert balances_after(overdrawn, [credit(Account.COUNT, -1, EntryKind.USE)]) is None
