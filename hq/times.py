"""HQ's clock and the one rule for the times it stores (docs/protocol.md, "Times").

HQ's clock is aware UTC. HQ stores times as naive UTC in both SQLite and PostgreSQL (a
`DateTimeField` holds no offset in SQLite, and one rule for both keeps a query the same): an
aware time is converted on the way in, and a stored time is read back as UTC. A day is never
taken from a stored time directly: a store's day is its local day (`local_day`, hq.stores).

Rows written before migration 11 hold the HQ host's local time; they are read as UTC too,
exact on an HQ that ran in UTC (the usual server) and off by the host's offset otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

UTC = UTC


def utc_now() -> datetime:
    """HQ's clock."""
    return datetime.now(UTC)


def stored_time(moment: datetime) -> datetime:
    """`moment` as HQ stores and compares it: naive UTC. A naive `moment` is one HQ stored
    or derived from stored times already, so it is UTC; a terminal's time is never naive here
    (protocol.wire_times refuses it)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware_time(moment: datetime) -> datetime:
    """A stored (naive UTC) or aware time as an aware one, for the wire and for comparisons
    with a terminal's time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The day `moment` falls on in `zone` (a store's business day); naive is stored UTC."""
    return aware_time(moment).astimezone(zone).date()


def local_wall_time(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` as a clock on the wall in `zone` reads it, naive: what the core compares with a
    configuration document's store-local times (a coupon's validity)."""
    return aware_time(moment).astimezone(zone).replace(tzinfo=None)
