"""INSERT statements compiled once per store from the models, for the journal's hot path.

Peewee builds a query's SQL afresh on every call; for the ten statements of a sale that cost
about 2 ms on a test machine where the commit's fsync took 0.3 ms (bench/store_bench.py).
So the journal's INSERTs are generated once from the models (same tables, same columns, the
fields' own `db_value` conversions) and run as parameterised SQL on the store's connection,
inside the same transaction as everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from peewee import AutoField, IntegerField, Model, SqliteDatabase, TextField

# Columns sqlite3 binds as they are (our values are already str and int): no conversion call.
_BOUND_AS_IS = (TextField, IntegerField)


class CompiledInsert:
    def __init__(self, model: type[Model]) -> None:
        fields = [field for field in model._meta.sorted_fields
                  if not isinstance(field, AutoField)]
        self._columns = tuple(
            (field.name, None if type(field) in _BOUND_AS_IS else field.db_value, field.default)
            for field in fields
        )
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        marks = ", ".join("?" for _ in fields)
        self.sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """Column values in order; a field not given takes its model default."""
        row = []
        for name, convert, default in self._columns:
            value = values[name] if name in values else _default(default)
            row.append(value if convert is None else convert(value))
        return tuple(row)

    def one(self, database: SqliteDatabase, values: Mapping[str, Any]) -> None:
        database.execute_sql(self.sql, self.params(values))

    def many(self, database: SqliteDatabase, rows: Iterable[Mapping[str, Any]]) -> None:
        batch = [self.params(row) for row in rows]
        if batch:
            # sqlite3's errors surface untranslated here; terminal.store.errors handles both.
            database.cursor().executemany(self.sql, batch)


def _default(default: Any) -> Any:
    return default() if callable(default) else default
