"""HQ keeps the gift stock (membership.gift_stock): the stock of each gift as its newest
published `points_rules` version gives it, less the units of every `gift.redeemed` HQ has
stored. It answers gift authorisations from it (hq.authority) and publishes it as the
`gift_stock` document (hq.card_documents).

The units are summed from the stored events of that one type, found through a partial index
that holds those events only (migration 16): it runs for a gift's authorisation and for the
document's refresh, never per sale.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from peewee import fn

from hq.db import HqDatabase
from hq.ingest.batch_facts import published_rules
from hq.times import stored_time
from membership.gift_stock import GIFT, GIFT_EVENT, encode_gift_stock, redeemed_units, stock_left
from membership.points import Gift


def newest_gifts(db: HqDatabase) -> dict[str, Gift]:
    """Each gift code as the newest published `points_rules` version defines it."""
    return {gift.code: gift for gift in published_rules(db).gifts}


def units_redeemed(db: HqDatabase) -> dict[str, int]:
    """Units per gift of the redemptions HQ stored and applied (a quarantined one, applied to
    nothing, takes nothing off the stock)."""
    events, quarantined = db.events, db.quarantined_events
    applied = ~fn.EXISTS(quarantined.select(quarantined.id).where(
        (quarantined.terminal_id == events.terminal_id) & (quarantined.seq == events.seq)))
    payloads = []
    for (body,) in events.select(events.payload).where(
            (events.type == GIFT_EVENT) & applied).tuples():
        try:
            payload = json.loads(body)
        except ValueError:
            continue
        if isinstance(payload, dict):
            payloads.append(payload)
    return redeemed_units(payloads)


def gifts_left(db: HqDatabase) -> dict[str, int]:
    """What is left of every gift with a stock, redemptions HQ has stored taken off."""
    return stock_left(newest_gifts(db).values(), units_redeemed(db))


def gift_stock_body(db: HqDatabase) -> dict[str, Any]:
    return encode_gift_stock(gifts_left(db))


def gift_available(db: HqDatabase, code: str, now: datetime) -> int | None:
    """Units of the gift an authorisation may still hold: what is left less what active holds
    of every terminal reserve. None: HQ knows no such gift with a stock (unlimited or unknown;
    the terminal's own catalogue decides which)."""
    left = gifts_left(db).get(code)
    if left is None:
        return None
    holds = db.holds
    reserved = holds.select(fn.SUM(holds.amount)).where(
        holds.kind == GIFT, holds.service == code, holds.state == "active",
        holds.expires_at > stored_time(now)).scalar()
    return left - int(reserved or 0)


_GIFT_LOCK_CLASS = 0x6769  # "gi": the first key of a gift's advisory lock on PostgreSQL


def lock_gift(db: HqDatabase, code: str) -> None:
    """Within a write_transaction: one authorisation of a gift at a time, whichever cards ask
    (two terminals asking for the last umbrella for two members are answered in turn).
    SQLite's write lock already is that."""
    if not db.is_sqlite:
        db.database.execute_sql("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                                (_GIFT_LOCK_CLASS, code))
