"""HQ as the authority for balances, against real SQLite and real PostgreSQL: declines, holds,
idempotent retries, expiry, and the race for a card's last ¥50."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from hq.authority import Authority
from hq.balances import available
from hq.db import HqDatabase, open_database
from hq.ingest import Ingestor
from membership.wire import AuthRequest, AuthResponse, WireEvent, terminal_topic
from tests.integration.hq_feed import AT, CARD, TerminalFeed

NOW = AT + timedelta(hours=1)


@pytest.fixture
def hq(hq_database_url: str) -> Iterator[HqDatabase]:
    database = open_database(hq_database_url)
    yield database
    database.close()


def ingest(hq: HqDatabase, feed: TerminalFeed, *events: WireEvent) -> None:
    result = Ingestor(hq).handle_events(feed.topic, feed.batch(events), feed.at)
    assert result.dead_letter_reason is None


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
    assert first == AuthResponse("T1-10", True, "", 2_000, NOW + timedelta(seconds=300))
    assert available(hq, CARD, "stored_value", now=NOW) == 2_000
    assert authority.authorise(ask("T1-10", 3_000), NOW + timedelta(seconds=5)) == first
    assert hq.holds.select().count() == 1
    declined = authority.authorise(ask("T1-11", 2_500), NOW)
    assert (declined.approved, declined.reason, declined.available) == (
        False, "balance.insufficient", 2_000)


def test_an_op_id_reused_for_another_amount_is_refused(hq: HqDatabase) -> None:
    load_card(hq, TerminalFeed("T1"))
    authority = Authority(hq)
    assert authority.authorise(ask("T1-10", 1_000), NOW).approved
    answer = authority.authorise(ask("T1-10", 4_000), NOW)
    assert (answer.approved, answer.reason) == (False, "auth.op_conflict")


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
