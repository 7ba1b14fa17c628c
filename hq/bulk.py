"""Multi-row INSERT statements for HqDatabase.bulk_insert, one form per database.

SQLite gets `VALUES (?, ...), (?, ...)` with one parameter per value, converted by the fields'
own db_value so that rows read back the same. PostgreSQL gets the rows as one JSON document
expanded by json_populate_recordset: parsing a statement with a literal per value (1,500 of
them for a batch's ledger entries) costs the server more than inserting the rows, and psycopg2
quoting each value costs the client as much again, while one JSON text is encoded by the C
encoder and parsed by the server in one pass. Measured with 50-event batches: see
docs/performance.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from peewee import (
    BigIntegerField,
    CharField,
    Database,
    DateField,
    DateTimeField,
    Field,
    IntegerField,
    TextField,
)

from hq.models import HqModel

MAX_PARAMETERS = 30_000  # per statement: SQLite allows 32,766

Rows = Sequence[Mapping[str, Any]]


def insert_from_values(database: Database, table: type[HqModel], rows: Rows,
                       given: list[Field], defaulted: list[Field], suffix: str
                       ) -> list[tuple[Any, ...]]:
    fields = given + defaulted
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    row_text = "(" + ", ".join([database.param] * len(fields)) + ")"
    returned: list[tuple[Any, ...]] = []
    per_statement = max(1, MAX_PARAMETERS // len(fields))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        statement = (f'INSERT INTO "{table._meta.table_name}" ({columns}) VALUES '
                     + ", ".join([row_text] * len(chunk)) + suffix)
        values = _row_values(chunk, given)
        if defaulted:
            values = _with_defaults(values, len(given), _defaults(defaulted))
        cursor = database.execute_sql(statement, values)
        if "RETURNING" in suffix:
            returned.extend(cursor.fetchall())
    return returned


# Fields whose db_value gives back a value of their own type unchanged (str, int, date, time):
# calling it for each of a batch's thousands of values cost a third of building the INSERT.
# (PostgreSQL's JSON path below never converts either.) SQLite's column affinity stores them
# as Peewee would.
_UNCONVERTED = (CharField, TextField, IntegerField, BigIntegerField, DateTimeField, DateField)


def _row_values(rows: Rows, fields: list[Field]) -> list[Any]:
    names = [field.name for field in fields]
    if all(type(field) in _UNCONVERTED for field in fields):
        return [row[name] for row in rows for name in names]
    return [field.db_value(row[field.name]) for row in rows for field in fields]


def insert_from_json(database: Database, table: type[HqModel], rows: Rows,
                     given: list[Field], defaulted: list[Field], suffix: str
                     ) -> list[tuple[Any, ...]]:
    """One statement whatever the number of rows: the defaults are parameters of the SELECT,
    so they travel once, not once per row."""
    name = table._meta.table_name
    from_json = [f'r."{field.column_name}"' for field in given]
    selected = ", ".join(from_json + [database.param] * len(defaulted))
    columns = ", ".join(f'"{field.column_name}"' for field in given + defaulted)
    statement = (f'INSERT INTO "{name}" ({columns}) SELECT {selected} '
                 f'FROM json_populate_recordset(NULL::"{name}", {database.param}) AS r'
                 + suffix)
    if any(field.name != field.column_name for field in given):
        rows = [{field.column_name: row[field.name] for field in given} for row in rows]
    document = json.dumps(rows, ensure_ascii=False, separators=(",", ":"),
                          default=_json_value)
    cursor = database.execute_sql(statement, [*_defaults(defaulted), document])
    return cursor.fetchall() if "RETURNING" in suffix else []


def _json_value(value: Any) -> str:
    """Dates and times as ISO 8601 text, which PostgreSQL reads back into date and timestamp
    columns unchanged (HQ stores naive UTC: hq.times)."""
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def _defaults(fields: list[Field]) -> list[Any]:
    return [field.db_value(field.default() if callable(field.default) else field.default)
            for field in fields]


def _with_defaults(values: list[Any], width: int, filled: list[Any]) -> list[Any]:
    """Rows of `width` values, flattened, each followed by the fields' defaults."""
    out: list[Any] = []
    for start in range(0, len(values), width):
        out += values[start:start + width]
        out += filled
    return out
