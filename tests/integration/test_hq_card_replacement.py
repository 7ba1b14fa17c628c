"""HQ follows a replacement and a cancellation through to what hangs on the card, on real
SQLite and PostgreSQL: a UID-only tag as the new card is found by its UID, and the subsidiary
cards (附属卡) move to the new card or are cancelled with their parent."""

from __future__ import annotations

from datetime import timedelta

from hq.card_documents import blacklist_body
from hq.db import LATEST_VERSION, HqDatabase, open_database
from hq.member_lookup import MemberLookup
from hq.snapshots import StoreSnapshots
from membership.cards import CardStatus
from protocol.wire import WireEvent
from protocol.wire_members import LookupRequest
from tests.integration.hq_feed import AT, CARD, TerminalFeed, ingest

NOW = AT + timedelta(hours=1)
NEW_CARD = "8800000000000002"
CHILD = "8800000000000101"
TAG_UID = "04A1B2C3D4E5F6"


def card_of(hq: HqDatabase, **by: str):
    (record,) = MemberLookup(hq).lookup(LookupRequest("T1", **by), NOW).records
    return record


def family(hq: HqDatabase, feed: TerminalFeed) -> None:
    """A parent card and a subsidiary card issued under it."""
    parent = feed.issue(CARD)
    child = feed.issue(CHILD)
    child.payload.update(parent_card_no=CARD, quota=10_000)
    ingest(hq, feed, parent, child)


def replace_card(feed: TerminalFeed, **extra: str) -> WireEvent:
    return feed.event("card.replaced", {"card_no": NEW_CARD, "old_card_no": CARD,
                                        "new_card_no": NEW_CARD, "fee": 0, "tenders": [],
                                        **extra})


def test_a_uid_only_tag_as_the_new_card_is_found_by_its_uid(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    ingest(hq, feed, feed.issue(CARD))
    ingest(hq, feed, replace_card(feed, uid=TAG_UID))
    found = card_of(hq, uid=TAG_UID)
    assert (found.card.card_no, found.card.status, found.uid) == (
        NEW_CARD, CardStatus.ACTIVE, TAG_UID)


def test_subsidiary_cards_move_under_the_new_card(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    family(hq, feed)
    ingest(hq, feed, replace_card(feed))
    child = card_of(hq, card_no=CHILD).card
    assert (child.parent_card_no, child.status) == (NEW_CARD, CardStatus.ACTIVE)


def test_subsidiary_cards_are_cancelled_and_blacklisted_with_their_parent(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    family(hq, feed)
    ingest(hq, feed, feed.change_status("card.cancelled"))
    assert card_of(hq, card_no=CHILD).card.status is CardStatus.CANCELLED
    assert blacklist_body(hq)["cards"] == {CARD: "cancelled", CHILD: "cancelled"}


def test_migration_8_indexes_cards_by_parent(hq_database_url: str) -> None:
    old = open_database(hq_database_url)
    with old.write_transaction():
        for index in old.database.get_indexes("cards"):
            if index.columns == ["parent_card_no"]:
                old.database.execute_sql(f'DROP INDEX "{index.name}"')
        old.schema_version.delete().where(old.schema_version.version > 7).execute()
    old.close()
    hq = open_database(hq_database_url, migrate=False)
    try:
        assert hq.migrate()[0] == 8 and hq.current_version() == LATEST_VERSION  # and later
        assert any(index.columns == ["parent_card_no"]
                   for index in hq.database.get_indexes("cards"))
    finally:
        hq.close()


def test_a_stores_snapshot_lists_the_cards_it_issued_replaced_or_sold_to(hq: HqDatabase) -> None:
    """hq.snapshots reads the issued and replacing numbers out of the events' JSON in SQL."""
    home, elsewhere = TerminalFeed("T1"), TerminalFeed("T2")
    ingest(hq, home, home.issue(CARD))
    ingest(hq, home, replace_card(home, card_no=""))  # only new_card_no names the new card
    ingest(hq, elsewhere, elsewhere.issue(CHILD), elsewhere.top_up(5_000, card_no=CARD))
    snapshots = StoreSnapshots(hq, MemberLookup(hq))
    assert snapshots.cards_seen(["T1"], "", 10) == [CARD, NEW_CARD]
    assert snapshots.cards_seen(["T1"], CARD, 10) == [NEW_CARD]
    assert snapshots.cards_seen(["T2"], "", 10) == [CARD, CHILD]  # a top-up there, an issue
    assert snapshots.cards_seen(["T1", "T2"], "", 2) == [CARD, NEW_CARD]
