"""terminal.store.statements: the journal's compiled INSERTs write what Peewee would."""

from __future__ import annotations

from datetime import datetime

import pytest

from terminal.store import open_store
from terminal.store.statements import CompiledInsert

AT = datetime(2026, 11, 23, 14, 0, 5)


@pytest.fixture
def store(tmp_path):
    opened = open_store(tmp_path / "terminal.db")
    yield opened
    opened.close()


def test_a_row_is_written_in_the_given_order_with_defaults_and_iso_times(store):
    receipt = CompiledInsert(store.tables.receipt, ("op_id", "kind", "body", "printed",
                                                    "created_at"))
    receipt.one(store.database, ("T1-1", "sale", '{"k":"v"}', False, AT))
    row = store.tables.receipt.get_by_id("T1-1")
    assert (row.kind, row.body, row.printed, row.created_at) == ("sale", {"k": "v"}, False, AT)
    assert (row.reprint_count, row.print_error) == (0, None)  # the model's defaults
    raw = store.database.execute_sql("SELECT created_at FROM receipt").fetchone()[0]
    assert raw == "2026-11-23T14:00:05"


def test_a_row_of_the_wrong_length_is_refused_before_sqlite_sees_it(store):
    outbox = CompiledInsert(store.tables.outbox, ("seq", "op_id", "event_type", "at", "event",
                                                  "created_at"))
    with pytest.raises(ValueError, match="5 values for 6 columns"):
        outbox.one(store.database, (1, "T1-1", "sale.completed", AT, "{}"))


def test_a_column_without_a_default_must_be_given(store):
    with pytest.raises(TypeError, match=r"Outbox\.event: give it"):
        CompiledInsert(store.tables.outbox, ("seq", "op_id", "event_type", "at", "created_at"))
