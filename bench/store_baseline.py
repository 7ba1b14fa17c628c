"""What the database alone does with the rows an ingest phase stored (issue 11, point 1): the
same `events` and `ledger_entries` rows (and the `terminals` and `cards` rows they refer to)
written into a fresh, migrated HQ database (its indexes too), durable as HQ is: PostgreSQL's
COPY with fsync on, committed once; SQLite's fastest plain path, one executemany per table in
one transaction, WAL with synchronous=FULL. Printed as events/s: the phase's events divided by
the time to write them and their rows, so that HQ's rate reads as a ratio of what its database
could take at most.
"""

from __future__ import annotations

import io
import time
from typing import Any

from peewee import AutoField

from hq.db import HqDatabase, open_database

# In the order their foreign keys need; the terminals and cards rows are few.
TABLES = ("terminals", "cards", "events", "ledger_entries")


def _columns(db: HqDatabase, table: str) -> list[str]:
    """The table's columns but its generated key (the ledger's id)."""
    model = {"terminals": db.terminals, "cards": db.cards, "events": db.events,
             "ledger_entries": db.ledger}[table]
    return [field.column_name for field in model._meta.sorted_fields
            if not isinstance(field, AutoField)]


def postgres_copy_events_s(source_url: str, fresh_url: str, events: int) -> float:
    """COPY the source's rows into `fresh_url` (an empty database of the same cluster)."""
    source, target = open_database(source_url, migrate=False), open_database(fresh_url)
    try:
        elapsed = 0.0
        for table in TABLES:
            columns = ", ".join(f'"{name}"' for name in _columns(source, table))
            buffer = io.StringIO()
            source.database.cursor().copy_expert(
                f'COPY (SELECT {columns} FROM "{table}") TO STDOUT', buffer)
            buffer.seek(0)
            elapsed += _copy_in(target, table, columns, buffer)
        return events / elapsed
    finally:
        source.close()
        target.close()


def _copy_in(db: HqDatabase, table: str, columns: str, buffer: io.StringIO) -> float:
    """Seconds to COPY `buffer` in and commit."""
    started = time.perf_counter()
    with db.database.atomic():
        db.database.cursor().copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', buffer)
    return time.perf_counter() - started


def sqlite_insert_events_s(source_url: str, fresh_url: str, events: int) -> float:
    """executemany the source's rows into `fresh_url` (a new file), one transaction."""
    source, target = open_database(source_url, migrate=False), open_database(fresh_url)
    try:
        elapsed = 0.0
        for table in TABLES:
            names = _columns(source, table)
            columns = ", ".join(f'"{name}"' for name in names)
            rows = source.database.execute_sql(f'SELECT {columns} FROM "{table}"').fetchall()
            statement = (f'INSERT INTO "{table}" ({columns}) VALUES '
                         f'({", ".join("?" * len(names))})')
            elapsed += _insert_many(target, statement, rows)
        return events / elapsed
    finally:
        source.close()
        target.close()


def _insert_many(db: HqDatabase, statement: str, rows: list[tuple[Any, ...]]) -> float:
    """Seconds to insert `rows` and commit."""
    started = time.perf_counter()
    with db.database.atomic():
        db.database.cursor().executemany(statement, rows)
    return time.perf_counter() - started
