"""The gaps in HQ's mint rules, closed (docs/security.md): a refund above a gap in the
terminal's seqs is held until its sale can be there, then judged (`refund_sale_unknown` when the
sale never was); a quarantined issue is no card a store has seen; credits that add up beyond
what a card can hold are quarantined. Real SQLite and PostgreSQL, HQ's own ingest."""

from __future__ import annotations

import dataclasses

from hq.balances import card_balances, stored_value
from hq.db import HqDatabase
from hq.member_lookup import MemberLookup
from hq.snapshots import StoreSnapshots
from membership.event_rules import (
    BALANCE_OUT_OF_RANGE,
    ENTRIES_NOT_ALLOWED,
    MAX_BALANCE,
    REFUND_SALE_UNKNOWN,
)
from membership.events import entry_to_dict
from membership.ledger import Account, EntryKind
from protocol.wire import WireEvent
from tests.integration.hq_feed import CARD, TerminalFeed, ingest

OTHER_CARD = "8800000000000002"


def refund_naming(feed: TerminalFeed, original_op: str, principal: int) -> WireEvent:
    op_id = feed.next_op_id()
    credit = dataclasses.replace(
        feed._entry(op_id, CARD, Account.PRINCIPAL, principal, EntryKind.REFUND),
        reverses_op=original_op)
    return feed.event("sale.refunded", {
        "original_op": original_op, "card_no": CARD, "amount": principal, "quantities": [],
        "tender_refunds": [["stored_value", principal]]}, [credit])


def test_a_skipped_seq_is_asked_for_and_a_refund_of_no_sale_then_quarantined(
        hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.top_up(1000))
    skipped = feed.top_up(500)  # seq 3: the hostile terminal leaves it out on purpose
    refund = refund_naming(feed, skipped.op_id, 800_000)  # "refunds" the skipped seq
    after = feed.top_up(100)
    held = ingest(hq, feed, refund, after)
    assert (held.stored, held.held, held.watermark, held.resend) == (0, 2, 2, [(3, 5)])
    assert stored_value(hq, CARD) == 1000  # nothing applied, nothing acknowledged
    # Asked again, it sends seq 3 as something else: the refund names a sale that never was.
    filler = WireEvent(skipped.seq, "T1-300", "card.found", skipped.at,
                       {"card_no": CARD, "tenders": [], "entries": []})
    judged = ingest(hq, feed, filler, refund, after)
    assert (judged.watermark, judged.quarantined) == (5, [(4, REFUND_SALE_UNKNOWN)])
    assert stored_value(hq, CARD) == 1100


def test_a_refund_without_a_gap_of_a_sale_hq_never_had_is_quarantined(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.top_up(1000))
    result = ingest(hq, feed, refund_naming(feed, "T1-99", 500))
    assert (result.held, result.quarantined) == (0, [(3, REFUND_SALE_UNKNOWN)])
    assert stored_value(hq, CARD) == 1000


def test_another_terminals_sale_is_judged_when_hq_has_it_and_quarantined_when_not(
        hq: HqDatabase) -> None:
    """A terminal refunds only its own sales (terminal/cashier/operations/refunds.py finds the
    sale in its own store), so a refund naming another terminal's sale HQ does not have is no
    honest refund waiting for that terminal: it is quarantined, not held."""
    seller, refunder = TerminalFeed("T1"), TerminalFeed("T2")
    opening = [seller.issue(), seller.top_up(5000)]
    sale = seller.sale(1000)
    ingest(hq, seller, *opening, sale)
    within = ingest(hq, refunder, refund_naming(refunder, sale.op_id, 1000))
    assert (within.held, within.quarantined) == (0, [])  # HQ has it: judged by what is left
    unknown = ingest(hq, refunder, refund_naming(refunder, seller.next_op_id(), 1000))
    assert (unknown.held, unknown.quarantined) == (0, [(2, REFUND_SALE_UNKNOWN)])
    assert stored_value(hq, CARD) == 5000


def test_a_refund_that_gives_nothing_back_is_never_held(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue())
    feed.seq += 1  # seq 2 is not sent
    clawback = feed.event("sale.refunded", {
        "original_op": "T1-2", "card_no": CARD, "amount": 0, "quantities": [],
        "tender_refunds": []}, [])
    result = ingest(hq, feed, clawback)  # seq 2 missing, but nothing to mint: stored
    assert (result.stored, result.held, result.quarantined) == (1, 0, [])


def test_credits_that_add_up_beyond_what_a_card_holds_are_quarantined(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(), feed.top_up(MAX_BALANCE - 1000))
    # Each in range, together beyond: the first fits, the second would overflow the card.
    result = ingest(hq, feed, feed.top_up(600), feed.top_up(600), feed.top_up(400),
                    feed.top_up(1, card_no=OTHER_CARD))
    assert result.quarantined == [(4, BALANCE_OUT_OF_RANGE)]
    assert stored_value(hq, CARD) == MAX_BALANCE and stored_value(hq, OTHER_CARD) == 1
    # The ledger's balance counts in the next batch too.
    assert ingest(hq, feed, feed.top_up(1)).quarantined == [(7, BALANCE_OUT_OF_RANGE)]
    assert card_balances(hq, CARD).principal == MAX_BALANCE


def test_a_quarantined_issue_is_no_card_the_store_has_seen(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    honest = feed.issue()
    minted_issue = feed.issue(card_no=OTHER_CARD)
    points = feed._entry(minted_issue.op_id, OTHER_CARD, Account.POINTS, 1000, EntryKind.EARN,
                         lot="P1")
    minted_issue = dataclasses.replace(minted_issue, payload={
        **minted_issue.payload, "entries": [entry_to_dict(points)]})
    result = ingest(hq, feed, honest, minted_issue)
    assert result.quarantined == [(2, ENTRIES_NOT_ALLOWED)]
    assert StoreSnapshots(hq, MemberLookup(hq)).cards_seen(["T1"], "", 10) == [CARD]
