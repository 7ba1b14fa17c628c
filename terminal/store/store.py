"""The terminal's local store: one SQLite file, opened with `open_store`.

`TerminalStore` is the journal (write path), the outbox, the records, the HQ cache (members,
cards, configuration, staff), shifts and timed sessions over one database; each part lives in
its own module and works only through this store's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from terminal.store.db import open_database
from terminal.store.errors import translated_errors
from terminal.store.hq_answers import HqAnswers
from terminal.store.hq_quarantine import HqQuarantine
from terminal.store.journal import Journal
from terminal.store.known_balances import KnownBalancesReader
from terminal.store.level_history import LevelHistory
from terminal.store.members import MemberCache
from terminal.store.migrations import migrate
from terminal.store.models import bind_tables
from terminal.store.outbox import OutboxReader
from terminal.store.privileged import PrivilegedJournal
from terminal.store.records import RecordsReader
from terminal.store.reprints import ReprintQueue
from terminal.store.shifts import ShiftBook
from terminal.store.staff import StaffRoster
from terminal.store.time_sessions import TimeSessions


class TerminalStore(
    ShiftBook, TimeSessions, Journal, OutboxReader, RecordsReader, ReprintQueue,
    KnownBalancesReader, MemberCache, StaffRoster, HqAnswers, HqQuarantine, PrivilegedJournal,
    LevelHistory,
):
    def close(self) -> None:
        with translated_errors():
            self.database.close()

    def __enter__(self) -> TerminalStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_store(
    path: str | Path, clock: Callable[[], datetime] = datetime.now
) -> TerminalStore:
    """Open (or create) the file, bring its schema up to date and bind this store's tables.

    `clock` stamps when rows were written (created_at, applied_at); operation times always come
    from the decisions themselves."""
    database = open_database(path)
    try:
        migrate(database)
    except BaseException:
        database.close()
        raise
    return TerminalStore(database, bind_tables(database), clock)
