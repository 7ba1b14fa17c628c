"""Schema migrations of the terminal store, on real files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from peewee import IntegrityError, SqliteDatabase

from membership.cards import CardStatus
from terminal.store import SchemaTooNew, open_store
from terminal.store.codec import json_ready
from terminal.store.db import open_database
from terminal.store.migrations import LATEST_VERSION, migrate, schema_version
from terminal.store.models import bind_tables, compact_json
from tests.integration import store_world as world


def versions(database: SqliteDatabase) -> list[int]:
    rows = database.execute_sql('SELECT "version" FROM "schema_version" ORDER BY 1')
    return [row[0] for row in rows]


ALL_VERSIONS = list(range(1, LATEST_VERSION + 1))


def columns(database: SqliteDatabase, table: str) -> list[str]:
    return [row[1] for row in database.execute_sql(f'PRAGMA table_info("{table}")')]


def test_a_new_file_is_migrated_to_the_latest_version_once(tmp_path: Path):
    path = tmp_path / "terminal.db"
    with open_store(path) as store:
        assert versions(store.database) == ALL_VERSIONS and LATEST_VERSION == 11
        store.commit_sale(world.guest_sale("T1-1"))
    with open_store(path) as again:
        assert versions(again.database) == ALL_VERSIONS
        assert migrate(again.database) == []  # nothing left to apply
        assert again.next_seq() == 2  # migration 1's seed rows were not run twice


def test_migration_2_adds_the_reprint_count_to_a_version_1_file(tmp_path: Path):
    path = tmp_path / "terminal.db"
    database = open_database(path)
    assert migrate(database, target=1) == [1]
    assert "reprint_count" not in columns(database, "receipt")
    database.execute_sql(
        "INSERT INTO receipt (op_id, kind, body, printed, created_at) VALUES "
        "('T1-OLD', 'sale', '{}', 1, '2026-11-22T18:00:00')")
    database.close()

    with open_store(path) as store:
        assert versions(store.database) == ALL_VERSIONS
        assert "reprint_count" in columns(store.database, "receipt")
        old = store.tables.receipt.get_by_id("T1-OLD")
        assert (old.printed, old.reprint_count) == (True, 0)
        store.commit_sale(world.guest_sale("T1-1"))
        store.mark_printed("T1-1")
        assert store.mark_printed("T1-1") == 1


def test_migration_3_lets_a_version_2_files_receipts_remember_print_failures(tmp_path: Path):
    path = tmp_path / "terminal.db"
    database = open_database(path)
    assert migrate(database, target=2) == [1, 2]
    body = compact_json(json_ready(world.guest_sale("T1-OLD").receipt))
    database.execute_sql(
        "INSERT INTO receipt (op_id, kind, body, printed, created_at, reprint_count) VALUES "
        "('T1-OLD', 'sale', ?, 0, '2026-11-22T18:00:00', 0)", (body,))
    database.close()

    with open_store(path) as store:
        assert versions(store.database) == ALL_VERSIONS
        assert "print_error" in columns(store.database, "receipt")
        (owed,) = store.unprinted_receipts()  # never printed: still owed to its customer
        assert (owed.receipt.op_id, owed.print_error) == ("T1-OLD", None)
        store.record_print_failure("T1-OLD", "device.paper_out")
        assert store.stored_receipt("T1-OLD").print_error == "device.paper_out"


def test_migration_6_finds_the_coupons_of_a_version_5_files_sales_by_an_index(tmp_path: Path):
    path = tmp_path / "terminal.db"
    database = open_database(path)
    assert migrate(database, target=5) == [1, 2, 3, 4, 5]
    for op_id, seq, coupon in (("T1-OLD1", 1, "WELCOME10"), ("T1-OLD2", 2, "")):
        database.execute_sql(
            "INSERT INTO sale (op_id, seq, at, card_no, actor_card_no, gross, amount_due, "
            "cash_received, change_given, points_used, points_earned, coupon_used, record, "
            "created_at) VALUES (?, ?, '2026-11-22T18:00:00', '', '', 8800, 7800, 0, 0, 0, 0, "
            "?, '{}', '2026-11-22T18:00:00')", (op_id, seq, coupon))
    assert "sale_coupon_used" not in index_names(database, "sale")
    database.close()

    with open_store(path) as store:
        assert versions(store.database) == ALL_VERSIONS
        assert index_names(store.database, "sale")["sale_coupon_used"] == 1  # partial
        assert store.coupons_used_here(["WELCOME10", "SPRING20", ""]) == {"WELCOME10"}
        assert store.coupons_used_here([]) == frozenset()
        (query,) = statements_of(store.database, lambda: store.coupons_used_here(["WELCOME10"]))
        plan = " ".join(row[3] for row in store.database.execute_sql(f"EXPLAIN QUERY PLAN {query}"))
        assert "USING COVERING INDEX sale_coupon_used" in plan, plan


def statements_of(database: SqliteDatabase, action: Callable[[], object]) -> list[str]:
    """The SELECTs `action` ran on the connection, with their parameters in place."""
    statements: list[str] = []
    database.connection().set_trace_callback(statements.append)
    try:
        action()
    finally:
        database.connection().set_trace_callback(None)
    return [sql for sql in statements if sql.startswith("SELECT")]


def index_names(database: SqliteDatabase, table: str) -> dict[str, int]:
    """The table's indexes by name, each with its `partial` flag."""
    return {row[1]: row[4] for row in database.execute_sql(f'PRAGMA index_list("{table}")')}


def test_the_migrated_schema_is_the_schema_the_models_describe(tmp_path: Path):
    with open_store(tmp_path / "migrated.db") as store:
        migrated = store.database
        from_models = SqliteDatabase(":memory:")
        tables = bind_tables(from_models)
        from_models.create_tables(tables.all())
        for model in tables.all():
            name = model._meta.table_name
            assert _shape(migrated, name) == _shape(from_models, name), name


def _shape(database: SqliteDatabase, table: str) -> tuple[object, ...]:
    """Columns (name, type, not null, primary key), foreign keys and indexes (unique, columns,
    partial) of a table."""
    table_columns = sorted((row[1], row[2], row[3], row[5])
                           for row in database.execute_sql(f'PRAGMA table_info("{table}")'))
    foreign_keys = sorted((row[2], row[3], row[4])
                          for row in database.execute_sql(f'PRAGMA foreign_key_list("{table}")'))
    indexes = set()
    for row in database.execute_sql(f'PRAGMA index_list("{table}")'):
        indexed = [info[2] for info in database.execute_sql(f'PRAGMA index_info("{row[1]}")')]
        indexes.add((bool(row[2]), tuple(indexed), bool(row[4])))  # unique, columns, partial
    return table_columns, foreign_keys, sorted(indexes)


def test_the_files_card_status_check_admits_every_status_of_the_core(tmp_path: Path):
    # The CHECK is frozen in the file; a status added to the core needs a migration.
    with open_store(tmp_path / "terminal.db") as store:
        store.database.execute_sql(
            "INSERT INTO member (member_id, name, phone, birthday, updated_at) "
            "VALUES ('M1', '', '', '', 'x')")
        for number, status in enumerate(CardStatus):
            store.tables.card.insert(
                card_no=f"C{number}", member="M1", type_code="GOLD", status=status.value,
                updated_at=datetime(2026, 11, 23)).execute()
        assert store.tables.card.select().count() == len(CardStatus)
        with pytest.raises(IntegrityError):
            store.tables.card.insert(card_no="CX", member="M1", type_code="GOLD",
                                     status="stolen", updated_at=datetime(2026, 11, 23)).execute()


def test_a_file_from_newer_software_is_refused(tmp_path: Path):
    path = tmp_path / "terminal.db"
    open_store(path).close()
    database = open_database(path)
    database.execute_sql("INSERT INTO schema_version VALUES (99, 'from the future', 'x')")
    database.close()
    with pytest.raises(SchemaTooNew):
        open_store(path)


def test_schema_version_of_a_new_file_is_zero(tmp_path: Path):
    database = open_database(tmp_path / "new.db")
    assert schema_version(database) == 0
    database.close()
