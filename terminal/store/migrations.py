"""Numbered schema migrations, applied at start, each once, each in its own transaction.

`schema_version` records every migration applied (number, description, time). Migration 1 runs
the frozen version-1 schema (terminal.store.schema_v1); later ones use playhouse.migrate.
Applying is idempotent: a number already recorded is skipped, and the check is repeated inside
the write transaction so two processes opening one file at once cannot both apply it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from peewee import SQL, BooleanField, IntegerField, SqliteDatabase, TextField
from playhouse.migrate import SqliteMigrator

from terminal.store import hq_answers, hq_quarantine, privileged, schema_changes, schema_v1
from terminal.store.errors import SchemaTooNew, StoreCorrupt, translated_errors


@dataclass(frozen=True)
class Migration:
    number: int
    description: str
    apply: Callable[[SqliteDatabase, SqliteMigrator], None]


def _create_version_1(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    for statement in schema_v1.STATEMENTS:
        database.execute_sql(statement)


def _count_reprints(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # A reprint must say so on paper (重打印); the count also shows a cashier reprinting a lot.
    migrator.migrate(migrator.add_column("receipt", "reprint_count", IntegerField(default=0)))


def _remember_print_failures(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # Why a receipt is still unprinted (打印机缺纸) is shown in the reprint list; NULL when it
    # never failed or has printed since.
    migrator.migrate(migrator.add_column("receipt", "print_error", TextField(null=True)))


def _know_members_from_hq(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # A card enrolled at another store must be decidable here: HQ's balances with every lot,
    # the UID a UID-only card is found by, the offline PIN verifier (decision 9). Members are
    # found by phone at the counter, and their birthday is shown.
    migrator.migrate(
        migrator.add_column("card", "uid", TextField(default="", index=True)),
        migrator.add_column("card", "offline_pin_verifier", TextField(default="")),
        migrator.add_column("card", "hq_balances", TextField(null=True)),
        migrator.add_column("card", "hq_coupons", TextField(default="[]")),
        migrator.add_column("member", "birthday", TextField(default="")),
        migrator.add_index("member", ("phone",)),
    )


def _add_sessions_lockouts_and_shift_operations(
    database: SqliteDatabase, migrator: SqliteMigrator
) -> None:
    for statement in schema_changes.SESSIONS_AND_LOCKOUTS:
        database.execute_sql(statement)
    migrator.migrate(
        migrator.add_column("shift", "open_op_id", TextField(default="")),
        migrator.add_column("shift", "close_op_id", TextField(default="")),
    )


def _find_used_coupons(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # A coupon used here must be refused the second time, before HQ has the sale. Partial, so
    # the sale commit (the hot path, bench/store_bench.py) pays nothing for a sale without one.
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS sale_coupon_used ON sale (coupon_used) "
        "WHERE coupon_used != ''")


def _keep_hq_answers(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # HQ's authorisation answers are the newest balances a terminal hears of a card: offline
    # decisions go by them when they are newer than the cached record (terminal.store.hq_answers).
    database.execute_sql(hq_answers.CREATE_TABLE)


def _note_hq_quarantines(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # HQ's acks name the events it quarantined; a store manager must be able to see them
    # (terminal.store.hq_quarantine).
    database.execute_sql(hq_quarantine.CREATE_TABLE)


def _journal_privileged_actions(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # Who was refused an action, and which manager approved one on the spot, must be seen
    # later (terminal.store.privileged).
    database.execute_sql(privileged.CREATE_TABLE)


def _add_member_details(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # A profile edit at the counter records address, gender, notes and consent to messages.
    # Defaults in the file too: rows written by SQL that does not name the columns.
    migrator.migrate(*(migrator.add_column("member", name, TextField(
                           default="", constraints=[SQL("DEFAULT ''")]))
                       for name in ("address", "gender", "notes")),
                     migrator.add_column("member", "consent", BooleanField(
                         default=False, constraints=[SQL("DEFAULT 0")])))


def _remember_hq_last_visits(database: SqliteDatabase, migrator: SqliteMigrator) -> None:
    # The profile screen shows the card's last visit at any store, as HQ last answered it.
    migrator.migrate(migrator.add_column("card", "hq_last_visit", TextField(null=True)))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create the terminal store", _create_version_1),
    Migration(2, "receipts count their reprints", _count_reprints),
    Migration(3, "receipts remember why they did not print", _remember_print_failures),
    Migration(4, "cards and members as HQ knows them: UID, PIN verifier, lots, birthday",
              _know_members_from_hq),
    Migration(5, "timed sessions, wrong-PIN counters and the operations of a shift",
              _add_sessions_lockouts_and_shift_operations),
    Migration(6, "the coupons used in this terminal's sales are found by code",
              _find_used_coupons),
    Migration(7, "what HQ last answered a card had available", _keep_hq_answers),
    Migration(8, "the events HQ said it quarantined", _note_hq_quarantines),
    Migration(9, "privileged actions refused or approved", _journal_privileged_actions),
    Migration(10, "members' address, gender, notes and consent", _add_member_details),
    Migration(11, "a card's last visit as HQ knows it", _remember_hq_last_visits),
)
LATEST_VERSION = MIGRATIONS[-1].number

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS "schema_version" (
    "version" INTEGER NOT NULL PRIMARY KEY, "description" TEXT NOT NULL,
    "applied_at" TEXT NOT NULL)"""


def schema_version(database: SqliteDatabase) -> int:
    """The highest migration applied, 0 for a new file."""
    with translated_errors():
        database.execute_sql(_VERSION_TABLE)
        row = database.execute_sql('SELECT MAX("version") FROM "schema_version"').fetchone()
    return row[0] or 0


def migrate(database: SqliteDatabase, target: int = LATEST_VERSION) -> list[int]:
    """Apply every migration above the file's version up to `target`; returns those applied."""
    found = schema_version(database)
    if found > LATEST_VERSION:
        raise SchemaTooNew(found=found, known=LATEST_VERSION)
    applied = []
    for migration in MIGRATIONS:
        if found < migration.number <= target and _apply(database, migration):
            applied.append(migration.number)
    return applied


def _apply(database: SqliteDatabase, migration: Migration) -> bool:
    with translated_errors(), _migration_transaction(database):
        if schema_version(database) >= migration.number:
            return False  # another process applied it while this one waited for the lock
        migration.apply(database, SqliteMigrator(database))
        database.execute_sql(
            'INSERT INTO "schema_version" ("version", "description", "applied_at") '
            "VALUES (?, ?, ?)",
            (migration.number, migration.description, datetime.now().isoformat()),
        )
    return True


@contextmanager
def _migration_transaction(database: SqliteDatabase) -> Iterator[None]:
    """IMMEDIATE, so the version check and the change are one step; foreign keys off meanwhile,
    because SQLite rebuilds a table to alter a column and the rebuild must not cascade (the
    pragma is ignored inside a transaction, hence outside). Checked again before commit."""
    database.pragma("foreign_keys", 0)
    try:
        with database.atomic("IMMEDIATE"):
            yield
            broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreCorrupt("store.migration_broke_foreign_keys", rows=len(broken))
    finally:
        database.pragma("foreign_keys", 1)
