"""The HQ cache of the terminal store: configuration documents (decision 7), cards and members,
and rebuilding the members and cards from HQ without touching the journal, the outbox or the
documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from membership.cards import Card, CardStatus
from membership.ledger import CardBalances
from protocol.wire_config import ConfigDocument
from terminal.cashier.ports import MemberProfile, MemberRecord
from terminal.store import (
    CardSnapshot,
    HqBalances,
    InvalidConfig,
    MemberInfo,
    StoreConflict,
    TerminalStore,
    open_store,
)
from terminal.store.access import REBUILT_FROM_HQ_AT
from tests.integration import store_world as world

PUBLISHED = datetime(2026, 11, 23, 6, 0)
REBUILT_AS_OF = datetime(2026, 11, 23, 7, 0)
HQ_BALANCES = CardBalances(principal=52000, bonus=3000)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TerminalStore]:
    with open_store(tmp_path / "terminal.db") as opened:
        yield opened


def document(name: str, scope: str, version: int, **body: object) -> ConfigDocument:
    return ConfigDocument(name, scope, version, dict(body), PUBLISHED)


def hq_card(card_no: str, member_id: str, level: str = "SILVER") -> CardSnapshot:
    card = Card(card_no, member_id, "GOLD", issued_on=date(2025, 3, 1), level=level)
    return CardSnapshot(card, HqBalances(principal=52000, bonus=3000, points=410,
                                         counts={"FACIAL": 4}, version=77,
                                         as_of=datetime(2026, 11, 23, 5, 0)))


# --- configuration documents ---------------------------------------------------------------------


def test_a_newer_version_replaces_and_an_older_or_equal_one_is_ignored(store: TerminalStore):
    first = store.apply_config("catalogue", "store:SH001", 7, {"products": ["LATTE"]})
    assert (first.applied, first.current_version) == (True, 7)

    newer = store.apply_config("catalogue", "store:SH001", 8, {"products": ["LATTE", "CAKE"]})
    older = store.apply_config("catalogue", "store:SH001", 6, {"products": []})
    equal = store.apply_config("catalogue", "store:SH001", 8, {"products": []})

    assert (newer.applied, older.applied, equal.applied) == (True, False, False)
    assert (older.version, older.current_version) == (6, 8)
    held = store.effective_config("catalogue")
    assert (held.version, held.body) == (8, {"products": ["LATTE", "CAKE"]})


def test_the_most_specific_scope_is_in_force_and_reported(store: TerminalStore):
    store.apply_config("catalogue", "all", 30, {"products": ["ALL"]})
    store.apply_config("catalogue", "store:SH001", 7, {"products": ["STORE"]})
    store.apply_config("blacklist", "all", 311, {"cards": {"8800000000000009": "lost"}})

    assert store.applied_versions() == {
        "catalogue": {"scope": "store:SH001", "version": 7},
        "blacklist": {"scope": "all", "version": 311},
    }
    assert store.effective_config("catalogue").body == {"products": ["STORE"]}
    assert store.effective_config("prices") is None


@pytest.mark.parametrize(("name", "scope", "version", "body"), [
    ("menu", "all", 1, {}),  # not a document name of the contract
    ("prices", "shop:SH001", 1, {}),
    ("prices", "region:", 1, {}),
    ("prices", "all", 0, {}),
    ("prices", "all", True, {}),
    ("prices", "all", 1, {"when": date(2026, 1, 1)}),  # not JSON
    ("blacklist", "all", 1, {"cards": ["8800000000000009"]}),  # the blacklist's codec refuses
    ("blacklist", "all", 1, {"cards": {"8800000000000009": "active"}}),
])
def test_invalid_documents_are_refused_and_nothing_is_applied(
    store: TerminalStore, name, scope, version, body,
):
    with pytest.raises(InvalidConfig):
        store.apply_config(name, scope, version, body)
    assert store.applied_versions() == {}


def test_a_malformed_blacklist_leaves_the_one_in_force_blocking(store: TerminalStore):
    store.apply_config("blacklist", "all", 4, {"cards": {"8800000000000009": "lost"}})
    with pytest.raises(InvalidConfig):
        store.apply_config("blacklist", "all", 5, {"cards": {"8800000000000009": 1}})
    held = store.effective_config("blacklist")
    assert (held.version, held.body) == (4, {"cards": {"8800000000000009": "lost"}})


# --- cards and rebuilding ------------------------------------------------------------------------


def test_a_card_hq_reports_is_known_with_its_hq_balances(store: TerminalStore):
    store.cache_card(MemberInfo("M0002", "李四", "13800138000"), hq_card("8800000000000002",
                                                                          "M0002"))
    known = store.known_card("8800000000000002")
    assert known.member == MemberInfo("M0002", "李四", "13800138000")
    assert (known.card.level, known.card.issued_on) == ("SILVER", date(2025, 3, 1))
    assert known.hq == hq_card("x", "y").balances
    assert known.changed_by_op == ""
    assert store.known_card("8800000000000099") is None


def hq_record(card_no: str, member_id: str | None, name: str, level: str = "SILVER",
              status: CardStatus = CardStatus.ACTIVE) -> MemberRecord:
    """A card as HQ's snapshot (terminal.sync.rebuild) describes it."""
    card = Card(card_no, member_id, "GOLD", status, issued_on=date(2025, 3, 1), level=level)
    return MemberRecord(MemberProfile(member_id, name), card, HQ_BALANCES, REBUILT_AS_OF)


def test_rebuild_refreshes_the_cache_and_leaves_journal_outbox_and_documents_alone(
        store: TerminalStore):
    store.commit_counter(world.enrolment("T1-1"))  # card 1 enrolled here, not yet acknowledged
    store.commit_sale(world.guest_sale("T1-2"))
    store.cache_card(MemberInfo("M0009", "王五"), hq_card("8800000000000009", "M0009"))
    store.apply_config("coupons", "store:SH001", 3, {"coupons": []})
    journal_before = _journal(store)

    report = store.rebuild_from_directory(
        [hq_record(world.CARD_NO, "M0001", "张三", level="GOLD"),
         hq_record("8800000000000002", "M0002", "李四")], REBUILT_AS_OF)

    assert _journal(store) == _with_rebuilt_at(journal_before)
    assert [event.seq for event in store.outbox_batch(0, 10)] == [1, 2]
    assert report.cards_kept_local == (world.CARD_NO,)
    assert (report.cards_refreshed, report.cards_removed, report.members_removed) == (1, 1, 1)
    # HQ has not seen the enrolment yet: the card keeps its local state, takes HQ's balances.
    local = store.known_card(world.CARD_NO)
    assert (local.card.level, local.changed_by_op, local.hq_snapshot) == (
        "NORMAL", "T1-1", HQ_BALANCES)
    assert store.known_card("8800000000000002").card.level == "SILVER"
    assert store.known_card("8800000000000009") is None
    # Documents come retained on their own topics: a rebuild leaves them as they are.
    assert set(store.applied_versions()) == {"coupons"}


def test_once_hq_acknowledged_the_change_rebuild_takes_hqs_state(store: TerminalStore):
    store.commit_counter(world.enrolment("T1-1"))
    store.prune_outbox(1)

    report = store.rebuild_from_directory(
        [hq_record(world.CARD_NO, "M0001", "张三", level="GOLD", status=CardStatus.FROZEN)],
        REBUILT_AS_OF)

    assert report.cards_kept_local == ()
    known = store.known_card(world.CARD_NO)
    assert (known.card.status, known.card.level, known.changed_by_op) == (
        CardStatus.FROZEN, "GOLD", "")


def test_a_card_changed_here_when_the_rebuild_began_is_kept(store: TerminalStore):
    """HQ's snapshot may predate the card's events although HQ acknowledged them meanwhile."""
    store.commit_counter(world.enrolment("T1-1"))
    changed_before = store.cards_changed_here()
    store.prune_outbox(1)

    report = store.rebuild_from_directory([], REBUILT_AS_OF, changed_before)

    assert report.cards_removed == 0 and store.known_card(world.CARD_NO) is not None


def test_a_failed_rebuild_changes_nothing(store: TerminalStore):
    store.cache_card(MemberInfo("M0009", "王五"), hq_card("8800000000000009", "M0009"))
    orphan = hq_record("8800000000000003", None, "")  # a member without an id
    with pytest.raises(StoreConflict):  # the member's NOT NULL id
        store.rebuild_from_directory([hq_record("8800000000000004", "M0004", "赵六"), orphan],
                                     REBUILT_AS_OF)
    assert store.known_card("8800000000000009") is not None
    assert store.known_card("8800000000000004") is None
    assert store.text_setting(REBUILT_FROM_HQ_AT) is None


def _with_rebuilt_at(journal: dict[str, list[tuple[object, ...]]]
                     ) -> dict[str, list[tuple[object, ...]]]:
    """The journal as a rebuild leaves it: the same, plus when it was rebuilt."""
    settings = sorted([*journal["setting"], (REBUILT_FROM_HQ_AT, REBUILT_AS_OF.isoformat())])
    return {**journal, "setting": settings}


def _journal(store: TerminalStore) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table that is not the cache."""
    tables = ("sale", "sale_line", "sale_tender", "refund", "counter_op", "ledger_entry",
              "receipt", "outbox", "setting")
    return {table: store.database.execute_sql(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in tables}
