"""Stores in HQ's master data, and the time zone each one's business day is taken in.

A store's day is its local day: a coupon's validity, a card's issue day, "today" for a card's
expiry or a count lot are read in the zone of the store whose terminal acted. A store HQ has not
been told about is in the default zone (`hq.default_time_zone`, Asia/Shanghai).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hq.db import HqDatabase
from hq.errors import HqError
from hq.times import stored_time
from membership.text import is_plain_id

DEFAULT_TIME_ZONE = "Asia/Shanghai"
ZONE_MEMORY_S = 60.0
MAX_REMEMBERED = 100_000
MAX_NAME_CHARS = 200


class StoreError(HqError, ValueError):
    """A store that cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True)
class StoreRecord:
    store_id: str
    name: str
    region_id: str
    time_zone: str
    created_at: datetime  # naive UTC, as HQ stores times


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (Asia/Shanghai, Asia/Urumqi, ...); StoreError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path, not a key
        raise StoreError(f"{name!r} is not an IANA time zone") from None


def add_store(db: HqDatabase, record: StoreRecord) -> None:
    _check(record)
    stores = db.stores
    with db.write_transaction():
        if stores.get_or_none(stores.store_id == record.store_id) is not None:
            raise StoreError(f"store {record.store_id!r} exists already (hq store set)")
        stores.insert(store_id=record.store_id, name=record.name, region_id=record.region_id,
                      time_zone=record.time_zone,
                      created_at=stored_time(record.created_at)).execute()


def set_store(db: HqDatabase, store_id: str, name: str | None = None,
              region_id: str | None = None, zone: str | None = None) -> StoreRecord:
    """Change what is given; StoreError for a store HQ does not know."""
    stores = db.stores
    with db.write_transaction():
        row = stores.get_or_none(stores.store_id == store_id)
        if row is None:
            raise StoreError(f"no store {store_id!r} (hq store add)")
        record = StoreRecord(store_id, row.name if name is None else name,
                             row.region_id if region_id is None else region_id,
                             row.time_zone if zone is None else zone, row.created_at)
        _check(record)
        stores.update(name=record.name, region_id=record.region_id,
                      time_zone=record.time_zone).where(stores.store_id == store_id).execute()
    return record


def list_stores(db: HqDatabase) -> list[StoreRecord]:
    stores = db.stores
    return [StoreRecord(row.store_id, row.name, row.region_id, row.time_zone, row.created_at)
            for row in stores.select().order_by(stores.store_id)]


def _check(record: StoreRecord) -> None:
    if not is_plain_id(record.store_id):
        raise StoreError(f"store id {record.store_id!r}: letters, digits, '-', '_' or '.'")
    if record.region_id and not is_plain_id(record.region_id):
        raise StoreError(f"region id {record.region_id!r}: letters, digits, '-', '_' or '.'")
    if len(record.name) > MAX_NAME_CHARS or not record.name.isprintable():
        raise StoreError(f"store name: at most {MAX_NAME_CHARS} printable characters")
    time_zone(record.time_zone)


class StoreZones:
    """The zone of a store, or of the store a terminal belongs to. A terminal's is kept for
    ZONE_MEMORY_S (an operator may change a store from another process: the change applies
    within that time), so the ingest and authorisations do not query it for every message."""

    def __init__(self, db: HqDatabase, default_zone: str = DEFAULT_TIME_ZONE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self.default = time_zone(default_zone)
        self._clock = clock
        self._remembered: dict[tuple[str, str], tuple[float, ZoneInfo]] = {}

    def of_store(self, store_id: str) -> ZoneInfo:
        stores = self._db.stores
        row = stores.get_or_none(stores.store_id == store_id) if store_id else None
        return self.default if row is None else _zone_or(row.time_zone, self.default)

    def of_terminal(self, terminal_id: str, claimed_store: str = "") -> ZoneInfo:
        """The zone of the terminal's store as HQ registered it, else as the terminal claims."""
        key, now = (terminal_id, claimed_store), self._clock()
        remembered = self._remembered.get(key)
        if remembered is not None and now - remembered[0] < ZONE_MEMORY_S:
            return remembered[1]
        zone = self._looked_up(terminal_id, claimed_store)
        if len(self._remembered) >= MAX_REMEMBERED:  # a fleet is a few thousand terminals
            self._remembered.clear()
        self._remembered[key] = (now, zone)
        return zone

    def _looked_up(self, terminal_id: str, claimed_store: str) -> ZoneInfo:
        terminals = self._db.terminals
        row = terminals.get_or_none(terminals.id == terminal_id)
        return self.of_store(row.store_id if row is not None and row.store_id else claimed_store)


def _zone_or(name: str, default: ZoneInfo) -> ZoneInfo:
    """A zone checked when it was stored may be gone from a newer tzdata: the default then."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default
