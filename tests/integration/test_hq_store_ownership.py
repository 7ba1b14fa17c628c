"""Migration 12 (hq.ownership): the issuers of the cards and the registrars of the members HQ
already has are filled from the events it applied (a quarantined one owns nothing), on SQLite
and PostgreSQL."""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator, migrate

from hq.db import HqDatabase, open_database
from hq.ingest import Ingestor
from protocol.wire import build_event_batch, terminal_topic
from tests.security.hostile_wire import AT
from tests.security.test_cross_store import CARD, event, issue, registration

NEW_CARD = "8800000000000002"


def ingest(hq: HqDatabase, terminal_id: str, events: list) -> list:
    result = Ingestor(hq).handle_events(terminal_topic(terminal_id, "events"),
                                        build_event_batch(terminal_id, events, AT), AT)
    return result.quarantined


def _version_11_database(url: str) -> None:
    """What HQ had before migration 12: T1 of SH001 issued CARD, registered M1 and replaced
    CARD with NEW_CARD; T2 of BJ002 tried to re-issue CARD (quarantined)."""
    hq = open_database(url)
    hq.terminals.insert_many([{"id": "T1", "store_id": "SH001"},
                              {"id": "T2", "store_id": "BJ002"}]).execute()
    assert ingest(hq, "T1", [issue("T1", 1, CARD, "M1"), registration("T1", 2),
                             event("T1", 3, "card.replaced",
                                   {"old_card_no": CARD, "new_card_no": NEW_CARD})]) == []
    assert [seq for seq, _ in ingest(hq, "T2", [issue("T2", 1, CARD, "M-BJ")])] == [1]
    hq.overdrafts.insert(card_no=CARD, terminal_id="T1", seq=3, op_id="T1-3",
                         kind="stored_value", amount_over=5, detected_at=AT).execute()
    with hq.write_transaction():
        migrator = SchemaMigrator.from_database(hq.database)
        migrate(migrator.drop_column("cards", "issued_store_id"),
                migrator.drop_column("members", "store_id"),
                migrator.drop_column("overdrafts", "reason"))
        hq.schema_version.delete().where(hq.schema_version.version >= 12).execute()
    hq.close()


def test_migration_12_fills_the_owners_from_the_applied_events(hq_database_url: str) -> None:
    _version_11_database(hq_database_url)
    hq = open_database(hq_database_url, migrate=False)
    try:
        assert hq.migrate()[0] == 12  # and every later one
        cards = {row.card_no: row.issued_store_id for row in hq.cards.select()}
        assert cards == {CARD: "SH001", NEW_CARD: "SH001"}
        assert hq.members.get_by_id("M1").store_id == "SH001"
        assert hq.overdrafts.get().reason == "balance"  # every overdraft before it was one
        # The column has a database default: a row written by SQL that does not name it.
        hq.database.execute_sql(
            'INSERT INTO "cards" ("card_no", "member_id", "type_code", "status", "level", '
            '"replaced_by", "parent_card_no", "quota") '
            "VALUES ('8800000000000003', 'M3', 'VIP', 'active', '', '', '', 0)")
        assert hq.cards.get_by_id("8800000000000003").issued_store_id == ""
        assert hq.migrate() == []
    finally:
        hq.close()
