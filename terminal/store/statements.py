"""INSERT statements compiled once per store from the models, for the journal's hot path.

Peewee builds a query's SQL afresh on every call; for the ten statements of a sale that cost
about 2 ms on a test machine where the commit's fsync took 0.3 ms (bench/store_bench.py).
So the journal's INSERTs are generated once from the models and run as parameterised SQL on the
store's connection, inside the same transaction as everything else.

A statement names the columns its caller gives, in order, and each row is a tuple in that order
(building a dict per row and reordering it was a fifth of a sale's commit time). Columns the
caller does not give take their model default. Values are bound as they are, except the few
field types that need their `db_value` (dates and times as ISO text). JSON columns take their
text, already encoded (terminal.store.codec.json_text): encoding straight from the core's
objects is the fast path, and a dict handed in by mistake fails loudly in sqlite3.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from peewee import (
    AutoField,
    BooleanField,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

from terminal.store.models import JsonField

# Field types whose values sqlite3 binds as they come (str, int, bool, None, JSON text).
_BOUND_AS_IS = (TextField, IntegerField, BooleanField, ForeignKeyField, JsonField)


class CompiledInsert:
    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        given = [model._meta.fields[name] for name in columns]
        omitted = [field for field in model._meta.sorted_fields
                   if field.name not in columns and not isinstance(field, AutoField)]
        self.columns = tuple(columns)
        self._defaults = tuple(_default_value(model, field) for field in omitted)
        self._converters = tuple((position, field.db_value) for position, field in enumerate(given)
                                 if type(field) not in _BOUND_AS_IS)
        names = ", ".join(f'"{field.column_name}"' for field in (*given, *omitted))
        marks = ", ".join("?" for _ in (*given, *omitted))
        self.sql = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'

    def params(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """The row's values in the statement's order, converted where the field needs it."""
        if len(row) != len(self.columns):
            raise ValueError(f"{self.sql}: {len(row)} values for {len(self.columns)} columns")
        if self._converters:
            row = list(row)
            for position, convert in self._converters:
                row[position] = convert(row[position])
        return (*row, *self._defaults)

    def one(self, database: SqliteDatabase, row: Sequence[Any]) -> None:
        database.execute_sql(self.sql, self.params(row))

    def many(self, database: SqliteDatabase, rows: Iterable[Sequence[Any]]) -> None:
        batch = [self.params(row) for row in rows]
        if batch:
            # sqlite3's errors surface untranslated here; terminal.store.errors handles both.
            database.cursor().executemany(self.sql, batch)


def _default_value(model: type[Model], field: Field) -> Any:
    """A column left out takes its model default, fixed once: a default that must be computed
    per row (a clock, a counter) has to be given by the caller."""
    if callable(field.default):
        raise TypeError(f"{model.__name__}.{field.name}: give it, its default is computed")
    if field.default is None and not field.null:
        raise TypeError(f"{model.__name__}.{field.name}: give it, it has no default")
    return None if field.default is None else field.db_value(field.default)
