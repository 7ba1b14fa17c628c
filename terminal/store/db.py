"""Opening the terminal's SQLite file.

One store, one `SqliteDatabase` object, one set of model classes. There is no module-level
database, no `DatabaseProxy` and no `bind_ctx`: a proxy is one global slot, and `bind_ctx` rebinds
the model classes for the whole process while its block runs, so with two stores in one process
(tests open several terminals; the sync relay reads the outbox on its own thread) one store's
queries could run against the other's file. Instead `models.bind_tables(database)` declares fresh
model classes on `database.Model` for every store it opens, and everything in the package reaches
the tables through that store's `Tables`.

Pragmas are applied by Peewee on every connection it opens (it keeps one per thread):

- `busy_timeout` first, so that switching to WAL waits for a lock instead of failing;
- `journal_mode=WAL` so that the relay's reads never block a sale being written;
- `synchronous=FULL`: in WAL mode the log is synced on every commit, so a sale the cashier saw
  confirmed survives a power cut (decision 10). NORMAL would only protect against a crash of
  the application, not of the machine;
- `foreign_keys=1`: SQLite leaves them off unless asked, per connection;
- `wal_autocheckpoint=10000` pages (40 MB of log) instead of 1000: a sale writes ~20 pages, most
  of them the same hot pages (index ends, the settings row, page 1) again and again, so a
  checkpoint every ~500 sales copies each hot page to the file once where one every ~50 copied
  it ten times. The cashier meets a checkpoint a tenth as often (p99 commit 2.9 → 1.2 ms in
  bench/store_bench.py) and the flash card is written less; the log file keeps its size.
"""

from __future__ import annotations

from pathlib import Path

from peewee import SqliteDatabase

from terminal.store.errors import StoreUnavailable, translated_errors

BUSY_TIMEOUT_MS = 5_000
PRAGMAS: tuple[tuple[str, object], ...] = (
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("wal_autocheckpoint", 10_000),
)


def open_database(path: str | Path) -> SqliteDatabase:
    """Connect to the file (created if missing) and check that WAL really took."""
    database = SqliteDatabase(
        str(path), pragmas=list(PRAGMAS), timeout=BUSY_TIMEOUT_MS / 1000
    )
    with translated_errors():
        database.connect()
        mode = database.pragma("journal_mode")
    if str(mode).lower() != "wal":
        # Some file systems (network mounts) refuse WAL; without it decision 10 does not hold.
        database.close()
        raise StoreUnavailable("store.wal_unavailable", path=str(path), journal_mode=mode)
    return database
