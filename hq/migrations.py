"""HQ's schema migrations, numbered (DESIGN.md decision 10): `HqDatabase.migrate` applies the
ones a database has not had yet, each in order, and records it in `schema_version`. Version 1
creates the tables from today's models, so each later one first checks whether a database
created at version 1 by a newer HQ has its change already."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playhouse.migrate import SchemaMigrator, migrate

from hq.ownership import add_store_ownership
from membership.profiles import EXTRA_FIELDS

if TYPE_CHECKING:
    from hq.db import HqDatabase


@dataclass(frozen=True)
class Migration:
    number: int
    description: str
    apply: Callable[[HqDatabase], None]


def _create_version_1(hq: HqDatabase) -> None:
    # One by one in hq.tables' order: Peewee's create_tables orders by ForeignKeyField, and
    # these foreign keys are table constraints it cannot see.
    for table in hq.tables:
        table.create_table(safe=True)


def _drop_ledger_foreign_key(hq: HqDatabase) -> None:
    """Databases created before version 2 have a foreign key from each ledger entry to its
    event (hq.models.LedgerRow says why it went); newer ones never had it."""
    if not hq.is_sqlite:
        found = hq.database.execute_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_entries'::regclass"
            " AND contype = 'f'").fetchall()
        for (name,) in found:
            hq.database.execute_sql(f'ALTER TABLE ledger_entries DROP CONSTRAINT "{name}"')
        return
    if not hq.database.execute_sql("PRAGMA foreign_key_list(ledger_entries)").fetchall():
        return
    # SQLite cannot drop a constraint: the table is made anew and the rows copied. Its indexes
    # go first, or the new table's (same names, IF NOT EXISTS) would not be created.
    indexes = hq.database.execute_sql("PRAGMA index_list(ledger_entries)").fetchall()
    for index in indexes:
        if index[3] == "c":  # made by CREATE INDEX, not by a key of the table
            hq.database.execute_sql(f'DROP INDEX "{index[1]}"')
    hq.database.execute_sql("ALTER TABLE ledger_entries RENAME TO ledger_entries_v1")
    hq.ledger.create_table()
    columns = ", ".join(f'"{field.column_name}"' for field in hq.ledger._meta.sorted_fields)
    hq.database.execute_sql(
        f"INSERT INTO ledger_entries ({columns}) SELECT {columns} FROM ledger_entries_v1")
    hq.database.execute_sql("DROP TABLE ledger_entries_v1")


def _add_terminal_offline_limit(hq: HqDatabase) -> None:
    """Databases created before version 3 lack terminals.offline_limit_fen; version 1 creates
    tables from today's models, so a new database has it already."""
    columns = {column.name for column in hq.database.get_columns("terminals")}
    if "offline_limit_fen" not in columns:
        migrate(SchemaMigrator.from_database(hq.database).add_column(
            "terminals", "offline_limit_fen", hq.terminals.offline_limit_fen))


def _add_members_and_card_terms(hq: HqDatabase) -> None:
    """The members table, and the cards' UID, parent and quota (add_column also indexes the
    UID, as its field asks). As for version 3, a database created at version 1 by a newer HQ
    has them already."""
    hq.members.create_table(safe=True)
    columns = {column.name for column in hq.database.get_columns("cards")}
    migrator = SchemaMigrator.from_database(hq.database)
    operations = [migrator.add_column("cards", name, getattr(hq.cards, name))
                  for name in ("uid", "parent_card_no", "quota") if name not in columns]
    if operations:
        migrate(*operations)


def _add_member_pins(hq: HqDatabase) -> None:
    hq.member_pins.create_table(safe=True)
    hq.pin_nonces.create_table(safe=True)


def _key_holds_per_debit(hq: HqDatabase) -> None:
    """Databases created before version 6 allow one hold per op_id, so an operation's second
    debit (uses besides stored value, a second service) was refused as a conflict. Each hold is
    now one (op_id, kind, service); the rows stay as they are, already unique by op_id alone."""
    indexes = hq.database.get_indexes("holds")
    for index in indexes:
        if index.unique and index.columns == ["op_id"]:
            hq.database.execute_sql(f'DROP INDEX "{index.name}"')
    key = ["op_id", "kind", "service"]
    if not any(index.unique and index.columns == key for index in indexes):
        migrate(SchemaMigrator.from_database(hq.database).add_index("holds", key, unique=True))


def _add_coupon_uses(hq: HqDatabase) -> None:
    """As for versions 3 to 5, a database created at version 1 by a newer HQ has it already."""
    hq.coupon_uses.create_table(safe=True)


def _index_card_parents(hq: HqDatabase) -> None:
    """Subsidiary cards are found by their parent when it is replaced or cancelled."""
    if not any(index.columns == ["parent_card_no"] for index in hq.database.get_indexes("cards")):
        migrate(SchemaMigrator.from_database(hq.database).add_index(
            "cards", ["parent_card_no"], unique=False))


def _add_quarantine(hq: HqDatabase) -> None:
    """As for versions 3 to 5, a database created at version 1 by a newer HQ has it already."""
    hq.quarantined_events.create_table(safe=True)


def _index_holds_by_terminal(hq: HqDatabase) -> None:
    """A terminal's active holds are counted at every authorisation (hq.hold_limits); a
    database created at version 1 by a newer HQ has the index already."""
    key = ["terminal_id", "state", "expires_at"]
    if not any(index.columns == key for index in hq.database.get_indexes("holds")):
        migrate(SchemaMigrator.from_database(hq.database).add_index("holds", key, unique=False))


def _add_stores(hq: HqDatabase) -> None:
    """As for versions 3 to 5, a database created at version 1 by a newer HQ has it already."""
    hq.stores.create_table(safe=True)


def _add_job_runs(hq: HqDatabase) -> None:
    """As for versions 3 to 5, a database created at version 1 by a newer HQ has it already."""
    hq.job_runs.create_table(safe=True)


def _add_last_visits(hq: HqDatabase) -> None:
    """Each card's last visit (hq.visits); add_column indexes it, as its field asks. A database
    created at version 1 by a newer HQ has it already."""
    if "last_visit_at" in {column.name for column in hq.database.get_columns("cards")}:
        return
    migrate(SchemaMigrator.from_database(hq.database).add_column(
        "cards", "last_visit_at", hq.cards.last_visit_at))


def _add_member_details(hq: HqDatabase) -> None:
    """A member's address, gender, notes and consent to messages (hq.member_events). A
    database created at version 1 by a newer HQ has them already."""
    columns = {column.name for column in hq.database.get_columns("members")}
    migrator = SchemaMigrator.from_database(hq.database)
    operations = [migrator.add_column("members", name, getattr(hq.members, name))
                  for name in EXTRA_FIELDS if name not in columns]
    if operations:
        migrate(*operations)


def _index_gift_redemptions(hq: HqDatabase) -> None:
    """HQ sums the gift redemptions it stored for the gift stock (hq.gift_stock): a partial
    index holds those events only, so the ingest of every other event pays nothing for it."""
    hq.database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "events_gift_redeemed" ON "events" ("terminal_id", "seq") '
        "WHERE \"type\" = 'gift.redeemed'")


# Applied once each, in order. Add a number; never change one that has been released.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create the HQ tables", _create_version_1),
    Migration(2, "drop the ledger's foreign key to events", _drop_ledger_foreign_key),
    Migration(3, "a per-terminal offline limit", _add_terminal_offline_limit),
    Migration(4, "member profiles; card UIDs, parents and quotas", _add_members_and_card_terms),
    Migration(5, "member PINs and the nonces of PIN requests", _add_member_pins),
    Migration(6, "a hold per debit of an operation: (op_id, kind, service)",
              _key_holds_per_debit),
    Migration(7, "coupon uses: one row per (code, op_id)", _add_coupon_uses),
    Migration(8, "an index of cards by parent card", _index_card_parents),
    Migration(9, "quarantined events: one row per (terminal_id, seq)", _add_quarantine),
    Migration(10, "an index of holds by terminal, for its bounds", _index_holds_by_terminal),
    Migration(11, "stores: name, region and time zone", _add_stores),
    Migration(12, "card issuers, member registrars, overdraft reasons", add_store_ownership),
    Migration(13, "scheduled job runs: one row per (job, day)", _add_job_runs),
    Migration(14, "each card's last visit", _add_last_visits),
    Migration(15, "members' address, gender, notes and consent", _add_member_details),
    Migration(16, "a partial index of the gift redemptions", _index_gift_redemptions),
)
LATEST_VERSION = MIGRATIONS[-1].number
