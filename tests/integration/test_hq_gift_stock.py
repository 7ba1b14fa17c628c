"""HQ keeps the gift stock (hq.gift_stock), against real SQLite and real PostgreSQL: it holds
units for an online redemption whichever card asks, takes off what stored redemptions used,
publishes what is left as `gift_stock`, and gives the last unit to one terminal only."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from hq.authority import Authority
from hq.card_documents import (
    InvalidOfflineLimit,
    refresh_card_documents,
    set_gift_allowance,
    set_terminal_offline_limit,
)
from hq.config_push import next_document
from hq.db import HqDatabase, open_database
from hq.gift_stock import gift_available, gifts_left
from membership.config_codec_rules import POINTS_RULES, PointsRules, encode_points_rules
from membership.gift_stock import GIFT, GIFT_STOCK
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.offline_limits import DEFAULT_TERMINAL_GIFTS, OFFLINE_LIMITS
from membership.points import Gift
from protocol.wire import WireEvent
from protocol.wire_auth import AuthRequest
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest

NOW = AT + timedelta(hours=1)
OTHER_CARD = "8800000000000077"
UMBRELLA = Gift("UMBRELLA", "晴雨伞", points_cost=100, stock=3)
MUG = Gift("MUG", "马克杯", points_cost=50)  # no stock kept: unlimited


def publish_gifts(hq: HqDatabase, *gifts: Gift) -> None:
    next_document(hq, POINTS_RULES, "all", encode_points_rules(PointsRules(gifts=gifts)), AT)


def ask_gift(op_id: str, units: int, card_no: str = CARD, terminal_id: str = "T1",
             code: str = "UMBRELLA") -> AuthRequest:
    return AuthRequest(terminal_id, op_id, card_no, GIFT, units, code)


def redemption(feed: TerminalFeed, units: int, card_no: str = CARD) -> WireEvent:
    op_id = feed.next_op_id()
    points = UMBRELLA.points_cost * units
    entry = LedgerEntry(op_id=op_id, card_no=card_no, account=Account.POINTS, delta=-points,
                        kind=EntryKind.REDEEM, at=feed.at + timedelta(seconds=10),
                        note="gift:UMBRELLA")
    return feed.event("gift.redeemed", {"card_no": card_no, "gift": "UMBRELLA", "qty": units,
                                        "points": points, "tenders": []}, [entry])


def test_holds_take_units_whichever_card_asks_and_a_redemption_consumes_its_hold(
        hq: HqDatabase) -> None:
    publish_gifts(hq, UMBRELLA, MUG)
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.issue(OTHER_CARD, member_id="M2"))
    authority = Authority(hq)
    op_id = feed.next_op_id()
    first = authority.authorise(ask_gift(op_id, 2), NOW)
    assert (first.approved, first.available) == (True, 1)
    refused = authority.authorise(ask_gift("T2-1", 2, OTHER_CARD, terminal_id="T2"), NOW)
    assert (refused.approved, refused.reason, refused.available) == (
        False, "gift.out_of_stock", 1)
    ingest(hq, feed, redemption(feed, 2))
    holds = hq.holds
    assert holds.get(holds.op_id == op_id).state == "consumed"
    assert gifts_left(hq) == {"UMBRELLA": 1}
    assert gift_available(hq, "UMBRELLA", NOW) == 1  # taken by the redemption, held no more
    last = authority.authorise(ask_gift("T2-2", 1, OTHER_CARD, terminal_id="T2"), NOW)
    assert (last.approved, last.available) == (True, 0)
    unlimited = authority.authorise(ask_gift("T2-3", 40, OTHER_CARD, "T2", code="MUG"), NOW)
    assert unlimited.approved


def test_an_expired_hold_gives_its_units_back(hq: HqDatabase) -> None:
    publish_gifts(hq, UMBRELLA)
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    authority = Authority(hq, hold_seconds=60)
    assert authority.authorise(ask_gift("T1-50", 3), NOW).approved
    assert not authority.authorise(ask_gift("T1-51", 1), NOW).approved
    later = NOW + timedelta(seconds=61)
    assert authority.authorise(ask_gift("T1-52", 1), later).approved


def test_hq_publishes_what_is_left_and_never_below_zero(hq: HqDatabase) -> None:
    publish_gifts(hq, UMBRELLA, MUG)
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    published: list = []
    refresh_card_documents(hq, published.append, NOW, (GIFT_STOCK,))
    assert [document.body for document in published] == [{"left": {"UMBRELLA": 3}}]
    # Two offline terminals handed out 2 each: 4 of 3. HQ keeps both (they happened).
    ingest(hq, feed, redemption(feed, 2))
    other = TerminalFeed("T2", at=feed.at)
    ingest(hq, other, redemption(other, 2))
    refresh_card_documents(hq, published.append, NOW, (GIFT_STOCK,))
    assert published[-1].body == {"left": {"UMBRELLA": 0}}
    assert published[-1].name == GIFT_STOCK and published[-1].version == 2
    assert not Authority(hq).authorise(ask_gift("T1-90", 1), NOW).approved
    refresh_card_documents(hq, published.append, NOW, (GIFT_STOCK,))
    assert len(published) == 2  # nothing changed: nothing published


RACE_ROUNDS = 20
RACERS = 3


def test_only_one_terminal_gets_the_last_umbrella(hq_database_url: str, hq: HqDatabase) -> None:
    """Each round three terminals, each for its own member's card and on its own database
    connection, ask at once for the last umbrella: exactly one is approved."""
    publish_gifts(hq, *(Gift(f"G{round_no}", "伞", points_cost=10, stock=1)
                        for round_no in range(RACE_ROUNDS)))
    feed = TerminalFeed("T0")
    cards = [f"88000000001{index:05d}" for index in range(RACERS)]
    ingest(hq, feed, *(feed.issue(card_no, member_id=f"M{n}") for n, card_no in enumerate(cards)))
    racers = [Authority(open_database(hq_database_url, migrate=False)) for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    answers: dict[int, list[bool]] = {round_no: [] for round_no in range(RACE_ROUNDS)}

    def race(index: int, authority: Authority) -> None:
        for round_no in range(RACE_ROUNDS):
            start.wait(timeout=30)
            request = ask_gift(f"T{index}-{round_no}", 1, cards[index], f"T{index}",
                               code=f"G{round_no}")
            answers[round_no].append(authority.authorise(request, NOW).approved)

    threads = [threading.Thread(target=race, args=pair) for pair in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert {round_no: sorted(got) for round_no, got in answers.items()} == {
        round_no: [False] * (RACERS - 1) + [True] for round_no in range(RACE_ROUNDS)}


def test_the_gift_allowance_is_kept_in_the_offline_limits_and_reaches_terminal_scopes(
        hq: HqDatabase) -> None:
    published: list = []
    refresh_card_documents(hq, published.append, NOW, (OFFLINE_LIMITS,))
    assert published[-1].body["per_terminal_gifts"] == DEFAULT_TERMINAL_GIFTS
    set_terminal_offline_limit(hq, "T9", 5_000)
    stored = set_gift_allowance(hq, 5, NOW)
    assert (stored.scope, stored.body["per_terminal_gifts"]) == ("all", 5)
    after = refresh_card_documents(hq, published.append, NOW, (OFFLINE_LIMITS,))
    assert [(d.scope, d.body["per_terminal_gifts"]) for d in after] == [("terminal:T9", 5)]
    assert refresh_card_documents(hq, published.append, NOW, (OFFLINE_LIMITS,)) == []
    with pytest.raises(InvalidOfflineLimit):
        set_gift_allowance(hq, -1, NOW)
