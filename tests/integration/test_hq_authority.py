"""HQ as the authority for balances, against real SQLite and real PostgreSQL: declines, holds,
idempotent retries, expiry, several debits in one operation, and the race for a card's last
¥50."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from hq.authority import Authority
from hq.balances import available
from hq.db import HqDatabase, open_database
from hq.ingest import Ingestor
from hq.times import aware_time
from protocol.wire import terminal_topic
from protocol.wire_auth import AuthRequest, AuthResponse
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest

NOW = AT + timedelta(hours=1)


def load_card(hq: HqDatabase, feed: TerminalFeed, card_no: str = CARD,
              principal: int = 5_000) -> None:
    """Issue the card and put `principal` fen on it."""
    ingest(hq, feed, feed.issue(card_no), feed.top_up(principal, card_no=card_no))


def ask(op_id: str, amount: int, card_no: str = CARD, terminal_id: str = "T1",
        kind: str = "stored_value", service: str = "") -> AuthRequest:
    return AuthRequest(terminal_id, op_id, card_no, kind, amount, service)


def test_an_unknown_card_is_declined(hq: HqDatabase) -> None:
    answer = Authority(hq).authorise(ask("T1-1", 100), NOW)
    assert (answer.approved, answer.reason) == (False, "card.unknown")


@pytest.mark.parametrize("event_type, reason", [
    ("card.lost", "card.lost"), ("card.frozen", "card.frozen"),
    ("card.cancelled", "card.cancelled"),
])
def test_a_blocked_card_is_declined_with_its_reason(hq: HqDatabase, event_type: str,
                                                    reason: str) -> None:
    feed = TerminalFeed("T1")
    load_card(hq, feed)
    ingest(hq, feed, feed.change_status(event_type))
    answer = Authority(hq).authorise(ask("T1-9", 100), NOW)
    assert (answer.approved, answer.reason, answer.hold_expires_at) == (False, reason, None)
    assert hq.holds.select().count() == 0


def test_a_replaced_card_is_declined(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    load_card(hq, feed)
    ingest(hq, feed, feed.event("card.replaced", {
        "card_no": "8800000000000002", "old_card_no": CARD,
        "new_card_no": "8800000000000002", "fee": 0, "tenders": []}))
    assert Authority(hq).authorise(ask("T1-9", 100), NOW).reason == "card.replaced"


def test_an_expired_card_is_declined(hq: HqDatabase) -> None:
    load_card(hq, TerminalFeed("T1"))  # valid to 2028-12-31
    answer = Authority(hq).authorise(ask("T1-9", 100), AT.replace(year=2029))
    assert answer.reason == "card.expired"


def test_an_approval_holds_the_amount_and_a_retry_gets_the_same_answer(
        hq: HqDatabase) -> None:
    load_card(hq, TerminalFeed("T1"))
    authority = Authority(hq, hold_seconds=300)
    first = authority.authorise(ask("T1-10", 3_000), NOW)
    # HQ answers in UTC; naive test times are UTC, as HQ stores them (hq.times).
    assert first == AuthResponse("T1-10", True, "", 2_000, aware_time(NOW + timedelta(seconds=300)))
    assert available(hq, CARD, "stored_value", now=NOW) == 2_000
    assert authority.authorise(ask("T1-10", 3_000), NOW + timedelta(seconds=5)) == first
    assert hq.holds.select().count() == 1
    declined = authority.authorise(ask("T1-11", 2_500), NOW)
    assert (declined.approved, declined.reason, declined.available) == (
        False, "balance.insufficient", 2_000)


def test_an_expired_hold_frees_the_amount(hq: HqDatabase) -> None:
    load_card(hq, TerminalFeed("T1"))
    authority = Authority(hq, hold_seconds=60)
    assert authority.authorise(ask("T1-10", 5_000), NOW).approved
    later = NOW + timedelta(seconds=61)
    assert available(hq, CARD, "stored_value", now=later) == 5_000
    assert authority.expire_holds(later) == 1
    assert authority.authorise(ask("T1-11", 5_000), later).approved


def test_a_decline_is_decided_again_after_a_top_up(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    load_card(hq, feed)
    authority = Authority(hq)
    assert not authority.authorise(ask("T1-10", 8_000), NOW).approved
    ingest(hq, feed, feed.top_up(5_000))
    assert authority.authorise(ask("T1-10", 8_000), NOW).approved


def test_counts_are_authorised_per_service(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    load_card(hq, feed)
    ingest(hq, feed, feed.buy_package("WASH", 2))
    authority = Authority(hq)
    assert authority.authorise(ask("T1-10", 2, kind="count", service="WASH"), NOW).approved
    answer = authority.authorise(ask("T1-11", 1, kind="count", service="WASH"), NOW)
    assert (answer.approved, answer.reason) == (False, "count.insufficient")
    assert authority.authorise(ask("T1-12", 1, kind="count", service="CUT"), NOW).reason == (
        "count.insufficient")


def test_a_bad_request_is_a_dead_letter_without_an_answer(hq: HqDatabase) -> None:
    authority = Authority(hq)
    payload = ask("T1-10", -5).to_bytes()
    assert authority.handle_request(terminal_topic("T1", "auth/req"), payload, NOW) is None
    assert hq.dead_letters.get().reason == "negative_amount"
    load_card(hq, TerminalFeed("T1"))
    answer = authority.handle_request(terminal_topic("T1", "auth/req"),
                                      ask("T1-11", 100).to_bytes(), NOW)
    assert answer is not None and answer.approved


# --- several debits in one operation: a hold per (op_id, kind, service) -----------------------


OTHER_CARD = "8800000000000002"


def load_uses(hq: HqDatabase, feed: TerminalFeed, service: str, uses: int,
              card_no: str = CARD) -> str:
    """Put a package of `uses` of `service` on the card; returns its lot."""
    ingest(hq, feed, feed.buy_package(service, uses, card_no))
    return f"{feed.op_id(feed.seq)}:PKG"


def holds_of(hq: HqDatabase, op_id: str) -> dict[tuple[str, str], tuple[str, int]]:
    """The operation's holds: (state, amount) by (kind, service)."""
    holds = hq.holds
    return {(hold.kind, hold.service): (hold.state, hold.amount)
            for hold in holds.select().where(holds.op_id == op_id)}


def test_one_operation_holds_stored_value_and_uses_and_its_event_consumes_both(
        hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    load_card(hq, feed)
    lot = load_uses(hq, feed, "WASH", 3)
    authority = Authority(hq)
    op_id = feed.next_op_id()
    money, uses = ask(op_id, 3_000), ask(op_id, 2, kind="count", service="WASH")
    answers = [authority.authorise(request, NOW) for request in (money, uses)]
    assert [(a.approved, a.available) for a in answers] == [(True, 2_000), (True, 1)]
    retried = [authority.authorise(request, NOW + timedelta(seconds=5)) for request in (money,
                                                                                         uses)]
    assert retried == answers
    assert holds_of(hq, op_id) == {("stored_value", ""): ("active", 3_000),
                                   ("count", "WASH"): ("active", 2)}
    assert available(hq, CARD, "stored_value", now=NOW) == 2_000
    assert available(hq, CARD, "count", "WASH", NOW) == 1
    ingest(hq, feed, feed.sale_with_uses(3_000, [("WASH", 2, lot)]))
    assert holds_of(hq, op_id) == {("stored_value", ""): ("consumed", 3_000),
                                   ("count", "WASH"): ("consumed", 2)}
    # Taken by the ledger now, and no longer held as well.
    assert available(hq, CARD, "stored_value", now=NOW) == 2_000
    assert available(hq, CARD, "count", "WASH", NOW) == 1
    assert [authority.authorise(request, NOW) for request in (money, uses)] == answers


def test_one_operation_holds_uses_of_two_services(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    load_card(hq, feed)
    wash, cut = load_uses(hq, feed, "WASH", 2), load_uses(hq, feed, "CUT", 1)
    authority = Authority(hq)
    op_id = feed.next_op_id()
    requests = [ask(op_id, 2, kind="count", service="WASH"),
                ask(op_id, 1, kind="count", service="CUT")]
    answers = [authority.authorise(request, NOW) for request in requests]
    assert [(a.approved, a.available) for a in answers] == [(True, 0), (True, 0)]
    assert [authority.authorise(request, NOW) for request in requests] == answers
    assert hq.holds.select().count() == 2
    ingest(hq, feed, feed.sale_with_uses(0, [("WASH", 2, wash), ("CUT", 1, cut)]))
    assert holds_of(hq, op_id) == {("count", "WASH"): ("consumed", 2),
                                   ("count", "CUT"): ("consumed", 1)}
    assert [available(hq, CARD, "count", service, NOW) for service in ("WASH", "CUT")] == [0, 0]


def test_the_next_try_of_an_operation_for_more_grows_its_hold_never_shrinks_it(
        hq: HqDatabase) -> None:
    """The sale's stored value was approved, its uses were not: the terminal commits nothing,
    and the cashier's next try (the same op_id) changes the lines. More is decided against the
    money left plus what the operation holds; less, or a late copy of the first request, is
    covered by the hold as it is."""
    feed = TerminalFeed("T1")
    load_card(hq, feed)  # ¥50.00
    load_uses(hq, feed, "WASH", 1)
    authority = Authority(hq)
    op_id = feed.next_op_id()
    assert authority.authorise(ask(op_id, 4_000), NOW).approved
    uses = authority.authorise(ask(op_id, 2, kind="count", service="WASH"), NOW)
    assert (uses.approved, uses.reason) == (False, "count.insufficient")
    later = NOW + timedelta(seconds=20)
    retry = authority.authorise(ask(op_id, 4_500), later)
    assert (retry.approved, retry.available) == (True, 500)
    assert holds_of(hq, op_id)[("stored_value", "")] == ("active", 4_500)
    assert authority.authorise(ask(op_id, 4_000), later).approved  # the late first request
    assert holds_of(hq, op_id)[("stored_value", "")] == ("active", 4_500)
    too_much = authority.authorise(ask(op_id, 6_000), later)
    assert (too_much.approved, too_much.reason) == (False, "balance.insufficient")
    assert holds_of(hq, op_id)[("stored_value", "")] == ("active", 4_500)
    assert available(hq, CARD, "stored_value", now=later) == 500


@pytest.mark.parametrize("kind, service, amount", [
    ("stored_value", "", 1_000), ("count", "WASH", 1)])
def test_a_debit_of_an_operation_asked_again_differently_is_a_conflict(
        hq: HqDatabase, kind: str, service: str, amount: int) -> None:
    """Another card under the same op_id and debit, or more than a consumed hold."""
    feed = TerminalFeed("T1")
    for card_no in (CARD, OTHER_CARD):
        load_card(hq, feed, card_no)
        load_uses(hq, feed, "WASH", 3, card_no)
    authority = Authority(hq)
    first = authority.authorise(ask("T1-90", amount, kind=kind, service=service), NOW)
    assert first.approved
    answer = authority.authorise(ask("T1-90", amount, OTHER_CARD, kind=kind, service=service),
                                 NOW)
    assert (answer.approved, answer.reason) == (False, "auth.op_conflict")
    assert authority.authorise(ask("T1-90", amount, kind=kind, service=service), NOW) == first
    assert hq.holds.select().count() == 1
    hq.holds.update(state="consumed").execute()  # the operation committed and reached HQ
    more = authority.authorise(ask("T1-90", amount + 1, kind=kind, service=service), NOW)
    assert (more.approved, more.reason) == (False, "auth.op_conflict")


def test_the_same_debit_for_two_cards_at_once_is_held_once(hq_database_url: str,
                                                           hq: HqDatabase) -> None:
    """Two connections ask for one (op_id, kind, service) on two cards at the same moment: the
    card locks do not order them, the unique key does. One is approved, the other conflicts."""
    feed = TerminalFeed("T0")
    for card_no in (CARD, OTHER_CARD):
        load_card(hq, feed, card_no)
    connections = [open_database(hq_database_url, migrate=False) for _ in range(2)]
    start = threading.Barrier(2)
    reasons: list[str] = []

    def race(authority: Authority, card_no: str) -> None:
        for round_no in range(10):
            start.wait(timeout=30)
            reasons.append(authority.authorise(ask(f"T1-{round_no}", 100, card_no), NOW).reason)

    threads = [threading.Thread(target=race, args=pair)
               for pair in zip(map(Authority, connections), (CARD, OTHER_CARD), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(reasons) == [""] * 10 + ["auth.op_conflict"] * 10
    assert hq.holds.select().count() == 10
    for connection in connections:
        connection.close()


RACE_ROUNDS = 50
RACERS = 3


def test_only_one_terminal_gets_the_last_50_yuan(hq_database_url: str, hq: HqDatabase) -> None:
    """Each round, three terminals (each its own database connection) ask at the same moment
    for all of a card's ¥50: exactly one is approved, and the card is never over-held."""
    feed = TerminalFeed("T0")
    cards = [f"88000000000{round_no:05d}" for round_no in range(RACE_ROUNDS)]
    events = [event for card_no in cards
              for event in (feed.issue(card_no), feed.top_up(5_000, card_no=card_no))]
    assert Ingestor(hq).handle_events(feed.topic, feed.batch(events), feed.at).stored == len(events)
    racers = [Authority(open_database(hq_database_url, migrate=False)) for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    answers: dict[str, list[bool]] = {card_no: [] for card_no in cards}

    def race(index: int, authority: Authority) -> None:
        for card_no in cards:
            start.wait(timeout=30)
            request = ask(f"T{index}-{card_no}", 5_000, card_no, terminal_id=f"T{index}")
            answers[card_no].append(authority.authorise(request, NOW).approved)

    threads = [threading.Thread(target=race, args=pair) for pair in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert {card_no: sorted(got) for card_no, got in answers.items()} == {
        card_no: [False] * (RACERS - 1) + [True] for card_no in cards}
    assert all(available(hq, card_no, "stored_value", now=NOW) == 0 for card_no in cards)
