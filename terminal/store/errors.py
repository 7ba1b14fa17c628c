"""The store's own errors. Peewee and sqlite3 errors never leave the package untranslated.

Like membership.errors.DomainError, each error carries a message key the UI translates and plain
parameters; unlike a domain error it says the store could not do something, not that a rule of
the business was broken.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee


class StoreError(Exception):
    key: str = "store.error"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        detail = ", ".join(f"{name}={value!r}" for name, value in sorted(params.items()))
        super().__init__(self.key + (f" ({detail})" if detail else ""))


class DuplicateOperation(StoreError):
    """The op_id was committed before: committing it again would book it twice."""

    key = "store.duplicate_operation"


class UnknownOperation(StoreError):
    key = "store.unknown_operation"


class InconsistentDecision(StoreError):
    """A decision whose entries or events belong to another operation: a bug upstream."""

    key = "store.inconsistent_decision"


class EventsPruned(StoreError):
    """HQ asked for events the terminal already deleted because HQ had acknowledged them."""

    key = "store.events_pruned"


class EventsNotIssued(StoreError):
    """A request for seqs this terminal has not issued yet (HQ is confused, or another file)."""

    key = "store.events_not_issued"


class WatermarkAhead(StoreError):
    """An acknowledgement above the last seq issued: never prune on the strength of it."""

    key = "store.watermark_ahead"


class InvalidConfig(StoreError):
    key = "store.config_invalid"


class SchemaTooNew(StoreError):
    """The file was migrated by a newer version of this software; refuse rather than corrupt."""

    key = "store.schema_too_new"


class StoreCorrupt(StoreError):
    """A stored document no longer decodes: the file was altered outside this code."""

    key = "store.corrupt"


class StoreConflict(StoreError):
    """A constraint of the schema refused the write (and the whole transaction was undone)."""

    key = "store.conflict"


class StoreUnavailable(StoreError):
    """The file cannot be opened, read or written (locked too long, disk full, I/O error)."""

    key = "store.unavailable"


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn Peewee's (and sqlite3's, from a bare cursor) errors into ours. Our own errors pass
    through unchanged."""
    try:
        yield
    except (peewee.IntegrityError, sqlite3.IntegrityError) as error:
        raise StoreConflict(detail=str(error)) from error
    except (peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError) as error:
        raise StoreUnavailable(detail=str(error)) from error
    except (peewee.DatabaseError, sqlite3.DatabaseError) as error:
        raise StoreError(detail=str(error)) from error
