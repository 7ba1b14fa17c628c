"""HQ's own exceptions. Payload problems are not among them: they become dead letters."""

from __future__ import annotations


class HqError(Exception):
    """Something HQ itself cannot do (configuration, storage set-up)."""


class DatabaseUrlError(HqError, ValueError):
    """A database URL HQ cannot use (unknown scheme, no database name)."""


class SchemaTooNew(HqError):
    """The database was migrated by a newer HQ than this one."""


class StorageUnavailable(HqError):
    """The database cannot give the guarantees HQ relies on (SQLite without WAL)."""
