"""What every part of the store shares: its database, its tables, its clock, transactions and
the settings table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from peewee import SqliteDatabase

from terminal.store.errors import StoreCorrupt, translated_errors
from terminal.store.models import Tables

NEXT_SEQ = "next_seq"  # the seq the next event of this terminal gets
ACK_WATERMARK = "hq_ack_watermark"  # every seq up to it is stored at HQ
UI_LANGUAGE = "ui_language"  # chosen on the settings screen: wins over the config file's
REBUILT_FROM_HQ_AT = "rebuilt_from_hq_at"  # HQ's time of the snapshot last rebuilt from


class StoreAccess:
    def __init__(
        self, database: SqliteDatabase, tables: Tables, clock: Callable[[], datetime]
    ) -> None:
        self.database = database
        self.tables = tables
        self.clock = clock

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction, all or nothing, with Peewee's errors translated.

        BEGIN IMMEDIATE takes the write lock at the start: a transaction that read first and
        wrote later could otherwise fail at its first write when another connection (the sync
        thread) wrote in between, which WAL reports at once rather than waiting."""
        with translated_errors(), self.database.atomic("IMMEDIATE"):
            yield

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read transaction: its queries all see the same snapshot of the file."""
        with translated_errors(), self.database.atomic():
            yield

    # Settings are read and written on every commit: plain SQL, not a Peewee query built anew.
    def int_setting(self, key: str) -> int:
        row = self.database.execute_sql(
            'SELECT "value" FROM "setting" WHERE "key" = ?', (key,)).fetchone()
        if row is None:
            raise StoreCorrupt("store.setting_missing", setting=key)
        return int(row[0])

    def set_setting(self, key: str, value: int | str) -> None:
        self.database.execute_sql(
            'INSERT INTO "setting" ("key", "value") VALUES (?, ?) '
            'ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"', (key, str(value)))

    def text_setting(self, key: str) -> str | None:
        """A setting kept for a person's choice (the UI language...), None if never set."""
        with self.reading():
            row = self.database.execute_sql(
                'SELECT "value" FROM "setting" WHERE "key" = ?', (key,)).fetchone()
        return None if row is None else str(row[0])

    def remember_setting(self, key: str, value: str) -> None:
        with self.writing():
            self.set_setting(key, value)

    def next_seq(self) -> int:
        with self.reading():
            return self.int_setting(NEXT_SEQ)

    def ack_watermark(self) -> int:
        with self.reading():
            return self.int_setting(ACK_WATERMARK)
