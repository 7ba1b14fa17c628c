"""Open timed sessions (计时): started when the member sits down, closed by the operation that
bills them (membership.counter_operations.close_session), in the same transaction as its commit.

Starting a session moves no balance and sends no event: only the bill is an operation. The
rules of when a session may start (one per card and service, a usable card) are the cashier
services'; this keeps the sessions across a restart of the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from membership.counter_operations import CounterDecision
from terminal.store.errors import StoreConflict, UnknownOperation
from terminal.store.journal import Journal


@dataclass(frozen=True)
class TimeSession:
    session_id: int
    card_no: str
    service: str
    started_at: datetime
    staff_id: str = ""
    closed_by_op: str | None = None  # the time.session_closed operation, None while open

    @property
    def is_open(self) -> bool:
        return self.closed_by_op is None


class TimeSessions(Journal):
    def start_time_session(
        self, card_no: str, service: str, started_at: datetime, staff_id: str = ""
    ) -> TimeSession:
        table = self.tables.time_session
        with self.writing():
            row = table.create(card_no=card_no, service=service, started_at=started_at,
                               staff_id=staff_id)
        return _session(row)

    def open_time_sessions(self, card_no: str | None = None) -> tuple[TimeSession, ...]:
        """Sessions not billed yet, oldest first; only this card's when it is given."""
        table = self.tables.time_session
        conditions = [table.closed_by_op.is_null()]
        if card_no is not None:
            conditions.append(table.card_no == card_no)
        with self.reading():
            rows = list(table.select().where(*conditions).order_by(table.started_at, table.id))
        return tuple(_session(row) for row in rows)

    def time_session(self, session_id: int) -> TimeSession | None:
        table = self.tables.time_session
        with self.reading():
            row = table.get_or_none(table.id == session_id)
        return None if row is None else _session(row)

    def close_time_session(self, session_id: int, decision: CounterDecision) -> tuple[int, ...]:
        """Commit the session's bill and mark the session closed by it, in one transaction;
        returns the bill's seqs. A session billed already is refused (StoreConflict)."""
        table = self.tables.time_session
        with self.writing():
            row = table.get_or_none(table.id == session_id)
            if row is None:
                raise UnknownOperation("store.unknown_time_session", session_id=session_id)
            if row.closed_by_op is not None:
                raise StoreConflict("store.time_session_closed", session_id=session_id,
                                    closed_by_op=row.closed_by_op)
            seqs = self.commit_counter(decision)
            row.closed_by_op = decision.op_id
            row.save()
        return seqs


def _session(row: Any) -> TimeSession:
    return TimeSession(row.id, row.card_no, row.service, row.started_at, row.staff_id,
                       row.closed_by_op)
