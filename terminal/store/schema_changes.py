"""Frozen schema changes of migrations 4 and later that create tables (see schema_v1 for why a
migration never uses the models of its day): the statements run exactly as written here."""

from __future__ import annotations

# Migration 5: open timed sessions (计时) and wrong-PIN counters.
SESSIONS_AND_LOCKOUTS: tuple[str, ...] = (
    """CREATE TABLE "time_session" (
        "id" INTEGER NOT NULL PRIMARY KEY, "card_no" TEXT NOT NULL, "service" TEXT NOT NULL,
        "started_at" TEXT NOT NULL, "staff_id" TEXT NOT NULL, "closed_by_op" TEXT)""",
    'CREATE INDEX "timesession_card_no" ON "time_session" ("card_no")',
    """CREATE TABLE "pin_failure" (
        "subject" TEXT NOT NULL PRIMARY KEY, "failures" INTEGER NOT NULL,
        "locked_until" TEXT, "updated_at" TEXT NOT NULL)""",
)
