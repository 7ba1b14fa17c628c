"""Open HQ's database (SQLite by default, PostgreSQL from a URL), bind the tables to it and bring
its schema up to date with numbered migrations (hq.migrations, DESIGN.md decision 10)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from peewee import Database, DatabaseError, Select, SqliteDatabase, fn
from playhouse import db_url

from hq.bulk import insert_from_json, insert_from_values
from hq.errors import DatabaseUrlError, SchemaTooNew, StorageUnavailable
from hq.migrations import LATEST_VERSION, MIGRATIONS
from hq.models import (
    CardRow,
    ConfigDocumentRow,
    CouponUse,
    DeadLetter,
    Event,
    Hold,
    HqModel,
    JobRun,
    LedgerRow,
    MemberPin,
    MemberRow,
    Overdraft,
    PinNonce,
    QuarantinedEvent,
    SchemaVersion,
    ShadowRow,
    Store,
    Terminal,
)
from hq.times import stored_time, utc_now

log = logging.getLogger("hq.db")
DATA_DIR_ENV = "HQ_DATA_DIR"
DEFAULT_DATA_DIR = Path("hq-data")
SQLITE_FILE = "hq.sqlite3"
# Writers queue on SQLite's single write lock; a burst of ingest and authorisation must wait for
# it rather than fail with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30
# busy_timeout first, so that switching to WAL waits for a lock instead of failing; FULL so that
# a committed batch survives a power cut (decision 10).
SQLITE_PRAGMAS = (("busy_timeout", SQLITE_BUSY_TIMEOUT_S * 1000), ("journal_mode", "wal"),
                  ("synchronous", "full"), ("foreign_keys", 1))
MAX_DEAD_LETTER_PAYLOAD = 64 * 1024
# Any constant will do: it only has to be the same for every HQ process migrating this database.
_MIGRATION_LOCK_KEY = 4_854_502
_DERIVED_DOCUMENTS_LOCK_KEY = 4_854_503

M = TypeVar("M", bound=HqModel)


# The name stored_time had before HQ stored UTC (hq.times); kept for code written against it.
naive_local = stored_time


def _bind(model: type[M], database: Database) -> type[M]:
    meta = type("Meta", (), {"database": database, "table_name": model._meta.table_name})
    return type(model.__name__, (model,), {"Meta": meta})


class HqDatabase:
    """One HQ database: its Peewee connection and the tables bound to it.

    Peewee keeps one connection per thread, so worker threads sharing an HqDatabase each use
    their own connection.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.is_sqlite = isinstance(database, SqliteDatabase)
        # The SQLite file (None for PostgreSQL or an in-memory database): hq.write_turns.
        self.sqlite_path = (Path(database.database).resolve() if self.is_sqlite
                            and database.database not in ("", ":memory:") else None)
        self.terminals = _bind(Terminal, database)
        self.events = _bind(Event, database)
        self.ledger = _bind(LedgerRow, database)
        self.cards = _bind(CardRow, database)
        self.holds = _bind(Hold, database)
        self.overdrafts = _bind(Overdraft, database)
        self.dead_letters = _bind(DeadLetter, database)
        self.config_documents = _bind(ConfigDocumentRow, database)
        self.shadows = _bind(ShadowRow, database)
        self.schema_version = _bind(SchemaVersion, database)
        self.members = _bind(MemberRow, database)
        self.member_pins = _bind(MemberPin, database)
        self.pin_nonces = _bind(PinNonce, database)
        self.coupon_uses = _bind(CouponUse, database)
        self.quarantined_events = _bind(QuarantinedEvent, database)
        self.stores = _bind(Store, database)
        self.job_runs = _bind(JobRun, database)
        self.tables: tuple[type[HqModel], ...] = (  # in creation order, as hq.models.TABLES
            self.schema_version, self.terminals, self.events, self.ledger, self.cards,
            self.holds, self.overdrafts, self.dead_letters, self.config_documents, self.shadows,
            self.members, self.member_pins, self.pin_nonces, self.coupon_uses,
            self.quarantined_events, self.stores, self.job_runs,
        )

    def write_transaction(self) -> Any:
        """A transaction that writes. On SQLite it takes the write lock at BEGIN (IMMEDIATE):
        a read-then-write transaction cannot then be overtaken between its read and its write,
        and a waiting writer queues on the busy timeout instead of failing on lock upgrade."""
        return self.database.atomic("IMMEDIATE") if self.is_sqlite else self.database.atomic()

    def lock_derived_documents(self) -> None:
        """Within a write_transaction: one worker at a time computes and stores the documents
        HQ derives from its tables (hq.card_documents). SQLite's write lock already is that."""
        if not self.is_sqlite:
            self.database.execute_sql("SELECT pg_advisory_xact_lock(%s)",
                                      (_DERIVED_DOCUMENTS_LOCK_KEY,))

    def locking(self, query: Select) -> Select:
        """`query ... FOR UPDATE` where the database has row locks (PostgreSQL). SQLite has none
        and needs none: a write_transaction there already holds the database's write lock."""
        return query if self.is_sqlite else query.for_update()

    def locking_sql(self, statement: str) -> str:
        """locking() for a statement written as text."""
        return statement if self.is_sqlite else statement + " FOR UPDATE"

    def among(self, column: str) -> str:
        """SQL text: `column` is one of the values of a list_parameter. One parameter however
        long the list, where Peewee's `in_` writes one per value."""
        if self.is_sqlite:
            return f'"{column}" IN (SELECT value FROM json_each({self.database.param}))'
        return f'"{column}" = ANY({self.database.param})'

    def list_parameter(self, values: Iterable[str | int]) -> Any:
        """A list of texts or integers as one parameter, for among()."""
        return json.dumps(list(values)) if self.is_sqlite else list(values)

    def update_row(self, table: type[HqModel], key: str, key_value: Any,
                   changes: Mapping[str, Any]) -> None:
        """UPDATE one row by its key, the values converted by their fields as Peewee would."""
        fields = table._meta.fields
        settings = ", ".join(f'"{fields[name].column_name}" = {self.database.param}'
                             for name in changes)
        values = [fields[name].db_value(value) for name, value in changes.items()]
        self.database.execute_sql(
            f'UPDATE "{table._meta.table_name}" SET {settings} '
            f'WHERE "{fields[key].column_name}" = {self.database.param}',
            [*values, fields[key].db_value(key_value)])

    def bulk_insert(self, table: type[HqModel], rows: Sequence[Mapping[str, Any]], *,
                    skip_duplicates: bool = False, returning: str = "") -> list[tuple[Any, ...]]:
        """INSERT many rows (all with the same keys) in as few statements as the database
        allows; `skip_duplicates` ignores rows that break a unique key, and `returning` names a
        column to return for each row actually inserted.

        Peewee's insert_many builds a query node for every value, which at thousands of events
        a second costs more than the database's own work; this writes the statement text once.
        Both databases accept ON CONFLICT DO NOTHING (SQLite since 3.24) and RETURNING (SQLite
        since 3.35), which return only the rows inserted.
        """
        if not rows:
            return []
        given = [table._meta.fields[name] for name in rows[0]]
        # Peewee fills a field's default in Python, not in the table: do the same here. (By
        # name: a Peewee field's == builds an SQL expression, so `field in list` is no test.)
        defaulted = [field for field in table._meta.sorted_fields
                     if field.name not in rows[0] and field.default is not None]
        suffix = (" ON CONFLICT DO NOTHING" if skip_duplicates else "") + (
            f' RETURNING "{returning}"' if returning else "")
        insert = insert_from_values if self.is_sqlite else insert_from_json
        return insert(self.database, table, rows, given, defaulted, suffix)

    def record_dead_letter(
        self, topic: str, payload: bytes, reason: str, detail: str, received_at: datetime
    ) -> None:
        with self.write_transaction():
            self.dead_letters.insert(
                topic=topic[:1024], received_at=naive_local(received_at), reason=reason,
                detail=detail[:1000].replace("\x00", ""),
                payload=bytes(payload[:MAX_DEAD_LETTER_PAYLOAD]), payload_bytes=len(payload),
            ).execute()

    def migrate(self) -> list[int]:
        """Apply the migrations this database has not had yet; returns their numbers."""
        with self.write_transaction():
            if not self.is_sqlite:
                # Two HQ processes starting together must not both create the tables.
                self.database.execute_sql("SELECT pg_advisory_xact_lock(%s)",
                                          (_MIGRATION_LOCK_KEY,))
            self.schema_version.create_table(safe=True)
            found = self.current_version()
            if found > LATEST_VERSION:
                raise SchemaTooNew(f"database schema {found}, this HQ knows {LATEST_VERSION}")
            pending = [migration for migration in MIGRATIONS if migration.number > found]
            for migration in pending:
                migration.apply(self)
                self.schema_version.insert(version=migration.number,
                                           description=migration.description,
                                           applied_at=stored_time(utc_now())).execute()
        return [migration.number for migration in pending]

    def current_version(self) -> int:
        """The highest migration applied (0 for a new database)."""
        return self.schema_version.select(fn.MAX(self.schema_version.version)).scalar() or 0

    def close(self) -> None:
        self.database.close()

    def drop_connection(self) -> None:
        """Forget this thread's connection after the database dropped it (a restart): Peewee
        keeps a broken one, so every later statement on the thread would fail; the next one
        opens a new connection."""
        try:
            self.database.close()
        except DatabaseError as error:
            log.warning("closing a broken database connection failed: %s", error)




def open_database(url: str | None, data_dir: Path | None = None, migrate: bool = True
                  ) -> HqDatabase:
    """`None`: SQLite file hq.sqlite3 in `data_dir` (or $HQ_DATA_DIR, or ./hq-data).
    `sqlite:///relative/path`, `sqlite:////absolute/path` or `postgresql://user@host:port/db`."""
    if url is None:
        directory = data_dir or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{(directory / SQLITE_FILE).resolve()}"
    database = _connect(url)
    hq = HqDatabase(database)
    if hq.is_sqlite and str(database.pragma("journal_mode")).lower() != "wal":
        # Some file systems (network mounts) refuse WAL; without it decision 10 does not hold.
        database.close()
        raise StorageUnavailable(f"{url}: SQLite refused WAL mode")
    if migrate:
        hq.migrate()
    return hq


def _connect(url: str) -> Database:
    scheme = url.partition(":")[0]
    if scheme == "sqlite":
        options: dict[str, Any] = {"pragmas": SQLITE_PRAGMAS, "timeout": SQLITE_BUSY_TIMEOUT_S,
                                   "returning_clause": True}
    elif scheme in ("postgres", "postgresql"):
        options = {}
    else:
        raise DatabaseUrlError(f"unsupported database URL scheme {scheme!r}")
    try:
        return db_url.connect(url, **options)
    except (RuntimeError, ValueError) as error:  # what playhouse.db_url raises for a bad URL
        raise DatabaseUrlError(str(error)) from None
