"""Group commit: several event batches stored in ONE write transaction (issue 11).

A commit costs a disk flush (SQLite WAL with synchronous=FULL, PostgreSQL with fsync on), and
HQ paid one per message. `GroupIngest.store` parses every batch of a group before it takes the
write lock, then stores them all in one transaction, each batch in a savepoint of its own:

- a batch the database refuses (a DataError, hq.ingest) or whose handling raises rolls back its
  savepoint alone and is dead-lettered in the same transaction (`storage_refused`,
  `handling_failed`), as when it had its own transaction;
- storage being unavailable (STORAGE_UNAVAILABLE) fails the whole group, which is tried again
  after RETRY_PAUSES_S; after the last pause each batch is tried once alone, so one batch that
  keeps failing is dead-lettered `retries_exhausted` without taking its neighbours with it.

The caller publishes the answers and acknowledges the messages only after `store` returned,
that is after the commit. A result of None means not even the dead letter could be stored:
the message must stay unacknowledged, for the broker to deliver it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

import peewee

from hq.db import HqDatabase
from hq.errors import HqError
from hq.ingest import Ingestor, IngestResult
from hq.ingest.refusals import Refusal
from hq.ingest.rows import PreparedBatch

log = logging.getLogger("hq.ingest.group")

# A group (or a single message, hq.service) whose storage fails for want of storage is tried
# this often, these pauses apart, then dead-lettered (`retries_exhausted`): one message that
# keeps failing must not hold the worker, nor stay unacknowledged until it fills the broker's
# inflight window.
RETRY_PAUSES_S = (0.2, 1.0)
STORAGE_UNAVAILABLE = (HqError, peewee.OperationalError, peewee.InterfaceError)


@dataclass(frozen=True)
class EventsMessage:
    topic: str
    payload: bytes


@dataclass(frozen=True)
class _Parsed:
    message: EventsMessage
    prepared: PreparedBatch | Refusal


class GroupIngest:
    def __init__(self, db: HqDatabase, ingestor: Ingestor, clock: Callable[[], datetime],
                 pauses_s: Sequence[float] = RETRY_PAUSES_S,
                 turn: Callable[[], AbstractContextManager[object]] = nullcontext,
                 should_yield: Callable[[], bool] = lambda: False) -> None:
        """Each transaction runs inside `turn()`; when `should_yield()` turns true the group
        commits after the batch under way and the rest follows in another transaction
        (hq.write_turns: a waiting authorisation writes in between)."""
        self._db = db
        self._ingestor = ingestor
        self._clock = clock
        self._pauses_s = tuple(pauses_s)
        self._turn = turn
        self._should_yield = should_yield

    def store(self, messages: Sequence[EventsMessage]) -> list[IngestResult | None]:
        """Each message's result, in order, once the group is committed.

        The batches are stored in the order of their terminals' ids (a stable sort: each
        terminal's batches stay in the order they came). Two workers' groups then lock terminal
        rows in one order: in the order they came, worker 1 could hold T1 and wait for T2 while
        worker 2 held T2 and waited for T1, a deadlock PostgreSQL breaks only after a second."""
        order = sorted(range(len(messages)), key=lambda index: messages[index].topic)
        results = self._store_in_order([self._parsed(messages[index]) for index in order])
        in_given_order: list[IngestResult | None] = [None] * len(messages)
        for position, index in enumerate(order):
            in_given_order[index] = results[position]
        return in_given_order

    def _store_in_order(self, parsed: Sequence[_Parsed]) -> list[IngestResult | None]:
        results: list[IngestResult | None] = []
        while len(results) < len(parsed):
            results += self._stored_with_retries(parsed[len(results):])
        return results

    def _stored_with_retries(self, parsed: Sequence[_Parsed]) -> list[IngestResult | None]:
        """The results of the batches stored, the first of them at least."""
        for pause_s in (*self._pauses_s, None):
            try:
                return self._store_once(parsed)
            except STORAGE_UNAVAILABLE as error:
                log.warning("could not store a group of %d batches (%s)", len(parsed), error)
                self._reconnect()
            if pause_s is not None:
                time.sleep(pause_s)
        return [self._stored_alone(one) for one in parsed]

    def _parsed(self, message: EventsMessage) -> _Parsed:
        try:
            return _Parsed(message, self._ingestor.prepare_events(message.topic, message.payload))
        except Exception as error:  # the last line: no payload may stop HQ (decision 11)
            log.exception("parsing %s failed", message.topic)
            return _Parsed(message, Refusal("handling_failed",
                                            f"{type(error).__name__}: {error}"[:500]))

    def _store_once(self, group: Sequence[_Parsed]) -> list[IngestResult | None]:
        now = self._clock()
        results: list[IngestResult | None] = []
        with self._turn(), self._db.write_transaction():
            for one in group:
                results.append(self._stored_or_dead_lettered(one, now))
                if self._should_yield():
                    break  # commit what is stored: a request waits for the write lock
        return results

    def _stored_or_dead_lettered(self, one: _Parsed, now: datetime) -> IngestResult:
        topic, payload = one.message.topic, one.message.payload
        try:
            return self._ingestor.store_events(topic, payload, one.prepared, now)
        except STORAGE_UNAVAILABLE:
            raise  # the whole group is tried again
        except peewee.DatabaseError as error:
            # The database refused this batch's data (a constraint): trying again would fail
            # forever and block the terminal, so it goes to the dead letters.
            log.error("database refused %s: %s", topic, error)
            reason: str = "storage_refused"
            failure: Exception = error
        except Exception as error:  # the last line: no payload may stop HQ (decision 11)
            log.exception("handling %s failed", topic)
            reason, failure = "handling_failed", error
        self._db.record_dead_letter(topic, payload, reason, _detail(failure), now)
        return IngestResult(0, 0, 0, [], reason)

    def _stored_alone(self, one: _Parsed) -> IngestResult | None:
        """After the group's last try: this batch once more in a transaction of its own."""
        try:
            return self._store_once([one])[0]
        except STORAGE_UNAVAILABLE as error:
            log.warning("could not store %s (%s)", one.message.topic, error)
            return self._dead_lettered(one.message, "retries_exhausted", error)

    def _dead_lettered(self, message: EventsMessage, reason: str, error: Exception
                       ) -> IngestResult | None:
        try:
            self._db.record_dead_letter(message.topic, message.payload, reason, _detail(error),
                                        self._clock())
        except (*STORAGE_UNAVAILABLE, peewee.DatabaseError) as failure:
            log.error("could not dead-letter %s (%s); it will be delivered again",
                      message.topic, failure)
            return None
        return IngestResult(0, 0, 0, [], reason)

    def _reconnect(self) -> None:
        self._db.drop_connection()  # this thread's own


def _detail(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]
