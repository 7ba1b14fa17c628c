"""HQ storage on real SQLite and real PostgreSQL: what the ingest's bulk statements write reads
back unchanged, migration 2 takes the ledger's foreign key out of an older database, and
migration 6 keys an older database's holds by (op_id, kind, service)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta

from peewee import SQL, TextField

from hq.authority import Authority
from hq.balances import available, ledger_entries
from hq.db import LATEST_VERSION, HqDatabase, open_database
from hq.ingest import Ingestor
from hq.models import Hold, LedgerRow
from membership.ledger import Account, EntryKind, LedgerEntry
from protocol.wire_auth import AuthRequest
from tests.integration.hq_feed import CARD, TerminalFeed, publish_feed_documents

OLD_CARD = "8800000000000099"


def test_stored_events_and_entries_read_back_as_sent(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1", at=datetime(2026, 11, 23, 10, 0, 0, 123_456))
    entry = LedgerEntry(op_id=feed.next_op_id(), card_no=CARD, account=Account.COUNT, delta=10,
                        kind=EntryKind.TRANSFER_IN, at=feed.at + timedelta(microseconds=7),
                        lot="L'1\\\"", service="洗车", valid_from=date(2026, 11, 23),
                        valid_until=date(2027, 12, 31), line_no=3, note="会员 \"金卡\" \\ 续费")
    moved_out = dataclasses.replace(entry, card_no=OLD_CARD, delta=-10,
                                    kind=EntryKind.TRANSFER_OUT)
    # (Line breaks and NUL are refused at parse time: protocol.wire_bounds.)
    payload = {"old_card_no": OLD_CARD, "new_card_no": CARD, "fee": 0, "tenders": [],
               "note": "引号 \" 反斜杠 \\ 全角　空格",
               "nested": {"list": [1, None, True, 2.5], "empty": {}}}
    # A replacement moves the lot whole, terms and note included: this is about storage.
    event = feed.event("card.replaced", payload, [moved_out, entry])
    received = datetime(2026, 11, 23, 10, 5, 0, 654_321)
    assert Ingestor(hq).handle_events(feed.topic, feed.batch([event]), received).stored == 1
    stored = hq.events.get()
    assert (stored.seq, stored.op_id, stored.type) == (1, event.op_id, event.type)
    assert (stored.terminal_at, stored.received_at) == (event.at, received)
    # As sent: the entries' times with the terminal's offset (protocol.wire_times).
    assert stored.payload == json.dumps(event.to_json()["payload"], ensure_ascii=False,
                                        separators=(",", ":"))
    assert ledger_entries(hq, CARD) == [entry]


def test_a_batch_that_touches_no_card_is_stored(hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    events = [feed.event("shift.opened", {"cashier": "C1"}),
              feed.event("shift.closed", {"cashier": "C1", "tenders": []})]
    result = Ingestor(hq).handle_events(feed.topic, feed.batch(events), feed.at)
    assert (result.stored, result.watermark, result.resend) == (2, 2, [])
    assert hq.cards.select().count() == 0


class _LedgerWithForeignKey(LedgerRow):
    """The ledger as version 1 created it: each entry's event checked by a foreign key."""

    class Meta:
        table_name = "ledger_entries"
        constraints = (
            SQL("FOREIGN KEY (terminal_id, seq) REFERENCES events (terminal_id, seq)"),
        )


def _version_1_database(url: str) -> HqDatabase:
    """A database as HQ left it before migration 2, with a few events already stored."""
    hq = open_database(url)
    with hq.write_transaction():
        hq.ledger.drop_table()
        with hq.database.bind_ctx([_LedgerWithForeignKey]):
            _LedgerWithForeignKey.create_table()
        hq.schema_version.delete().where(hq.schema_version.version > 1).execute()
    return hq


def _ledger_foreign_keys(hq: HqDatabase) -> list[object]:
    if hq.is_sqlite:
        return hq.database.execute_sql("PRAGMA foreign_key_list(ledger_entries)").fetchall()
    return hq.database.execute_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_entries'::regclass"
        " AND contype = 'f'").fetchall()


def _ledger_indexes(hq: HqDatabase) -> set[str]:
    if hq.is_sqlite:
        return {row[1] for row in hq.database.execute_sql("PRAGMA index_list(ledger_entries)")}
    return {name for (name,) in hq.database.execute_sql(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'ledger_entries'")}


def test_a_new_database_has_no_ledger_foreign_key(hq: HqDatabase) -> None:
    assert hq.current_version() == LATEST_VERSION
    assert _ledger_foreign_keys(hq) == []
    assert hq.migrate() == []


def test_migration_2_drops_the_ledger_foreign_key_and_keeps_the_entries(
        hq_database_url: str) -> None:
    old = _version_1_database(hq_database_url)
    assert _ledger_foreign_keys(old) != []
    indexes = _ledger_indexes(old)
    feed = TerminalFeed("T1")
    Ingestor(old).handle_events(feed.topic, feed.batch([feed.issue(), feed.top_up(5_000)]),
                                feed.at)
    old.close()
    hq = open_database(hq_database_url, migrate=False)
    assert hq.migrate()[0] == 2  # and every later one
    assert _ledger_foreign_keys(hq) == []
    assert ledger_entries(hq, CARD) == feed.entries
    publish_feed_documents(hq)
    Ingestor(hq).handle_events(feed.topic, feed.batch([feed.sale(1_000)]), feed.at)
    assert len(ledger_entries(hq, CARD)) == 2
    # SQLite made the table anew: its indexes came back with it.
    assert _ledger_indexes(hq) == indexes
    hq.close()


class _HoldPerOperation(Hold):
    """The holds as versions 1 to 5 created them: one per op_id."""

    op_id = TextField(unique=True)

    class Meta:
        table_name = "holds"
        indexes = ((("card_no", "state"), False),)


HOLD_KEY = ("op_id", "kind", "service")


def _version_5_database(url: str) -> HqDatabase:
    """A database as HQ left it before migration 6, with the holds table of that version."""
    hq = open_database(url)
    with hq.write_transaction():
        hq.holds.drop_table()
        with hq.database.bind_ctx([_HoldPerOperation]):
            _HoldPerOperation.create_table()
        hq.schema_version.delete().where(hq.schema_version.version > 5).execute()
    return hq


def _unique_hold_keys(hq: HqDatabase) -> set[tuple[str, ...]]:
    return {tuple(index.columns) for index in hq.database.get_indexes("holds") if index.unique
            and index.columns != ["id"]}  # PostgreSQL lists the primary key's index too


def test_a_new_database_keys_holds_by_operation_kind_and_service(hq: HqDatabase) -> None:
    assert _unique_hold_keys(hq) == {HOLD_KEY}


def test_migration_6_keys_holds_per_debit_and_keeps_the_holds(hq_database_url: str) -> None:
    old = _version_5_database(hq_database_url)
    assert _unique_hold_keys(old) == {("op_id",)}
    feed = TerminalFeed("T1")
    publish_feed_documents(old)  # the package the feed sells
    Ingestor(old).handle_events(feed.topic, feed.batch([feed.issue(), feed.top_up(5_000),
                                                        feed.buy_package("WASH", 2)]), feed.at)
    lot, op_id, now = f"{feed.op_id(feed.seq)}:PKG", feed.next_op_id(), feed.at
    money = AuthRequest("T1", op_id, CARD, "stored_value", 1_000)
    held = Authority(old).authorise(money, now)
    assert held.approved
    old.close()
    hq = open_database(hq_database_url, migrate=False)
    try:
        assert hq.migrate()[0] == 6  # and every later one
        assert _unique_hold_keys(hq) == {HOLD_KEY}
        authority = Authority(hq)
        assert authority.authorise(money, now) == held  # the hold made before is still there
        assert available(hq, CARD, "stored_value", now=now) == 4_000
        uses = AuthRequest("T1", op_id, CARD, "count", 1, "WASH")
        assert authority.authorise(uses, now).approved  # refused before: one hold per op
        publish_feed_documents(hq)
        Ingestor(hq).handle_events(feed.topic, feed.batch([feed.sale_with_uses(
            1_000, [("WASH", 1, lot)])]), feed.at)
        assert [hold.state for hold in hq.holds.select()] == ["consumed", "consumed"]
        assert hq.migrate() == []
    finally:
        hq.close()
