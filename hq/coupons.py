"""Coupon use across the fleet: a coupon is used once, whichever terminal takes it.

The ingest records every `coupon_used` of a new `sale.completed` event in `coupon_uses`, in the
batch's transaction. HQ publishes the codes used of the coupons still live as the `coupons_used`
document (hq.card_documents, hq.coupon_documents), so that terminals refuse them; a terminal
offline at the time may still take one again, and `conflicts` lists those double uses for a
person to settle (`hq coupons conflicts`). A refund does not give a coupon back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import fn

from hq.card_events import card_id
from hq.db import HqDatabase
from protocol.wire import WireEvent

SALE_COMPLETED = "sale.completed"


@dataclass(frozen=True)
class CouponConflict:
    """A code used by more than one operation, its uses in the order they happened."""

    code: str
    op_ids: tuple[str, ...]
    terminal_ids: tuple[str, ...]  # each once, in the order of their first use
    first_used_at: datetime
    last_used_at: datetime


def coupon_code(event: WireEvent) -> str:
    """The coupon a sale used, or "" (a payload is never trusted: anything but a non-empty
    string is no coupon). protocol.wire and hq.ingest.rows have checked it is storable."""
    if event.type != SALE_COMPLETED:
        return ""
    code = event.payload.get("coupon_used")
    return code if isinstance(code, str) else ""


def coupon_use_rows(terminal_id: str, events: Iterable[WireEvent], received_at: datetime
                    ) -> list[dict[str, Any]]:
    """One row per new event that used a coupon."""
    return [{"code": code, "op_id": event.op_id, "terminal_id": terminal_id,
             "card_no": card_id(event.payload.get("card_no")), "used_at": event.at,
             "received_at": received_at}
            for event in events if (code := coupon_code(event))]


def store_coupon_uses(db: HqDatabase, rows: list[dict[str, Any]]) -> None:
    """Insert the uses, skipping those stored already (the same operation again)."""
    db.bulk_insert(db.coupon_uses, rows, skip_duplicates=True)


def coupons_used_body(db: HqDatabase, live: Collection[str] | None) -> dict[str, Any]:
    """The `coupons_used` document: the codes used among `live` (None: every code used), each
    once, sorted."""
    if live is not None:
        return {"codes": sorted(used_codes(db, live))}
    uses = db.coupon_uses
    rows = uses.select(uses.code).distinct().order_by(uses.code).tuples()
    return {"codes": [code for (code,) in rows]}


def used_codes(db: HqDatabase, codes: Iterable[str]) -> set[str]:
    """Those of `codes` that have been used."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    statement = f'SELECT DISTINCT "code" FROM "coupon_uses" WHERE {db.among("code")}'
    rows = db.database.execute_sql(statement, [db.list_parameter(wanted)])
    return {code for (code,) in rows}


def conflicts(db: HqDatabase) -> list[CouponConflict]:
    """Every code used by more than one operation, by code."""
    uses = db.coupon_uses
    twice = uses.select(uses.code).group_by(uses.code).having(fn.COUNT(uses.id) > 1)
    rows = (uses.select(uses.code, uses.op_id, uses.terminal_id, uses.used_at)
            .where(uses.code.in_(twice)).order_by(uses.code, uses.used_at, uses.id).tuples())
    by_code: dict[str, list[tuple[str, str, datetime]]] = {}
    for code, op_id, terminal_id, used_at in rows:
        by_code.setdefault(code, []).append((op_id, terminal_id, used_at))
    return [_conflict(code, found) for code, found in by_code.items()]


def _conflict(code: str, uses: list[tuple[str, str, datetime]]) -> CouponConflict:
    terminals = tuple(dict.fromkeys(terminal_id for _, terminal_id, _ in uses))
    return CouponConflict(code, tuple(op_id for op_id, _, _ in uses), terminals,
                          uses[0][2], uses[-1][2])
