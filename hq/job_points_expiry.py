"""The daily points expiry (积分过期): HQ writes an `expire` entry for what remains of every
points lot whose last valid day is before the job's day (membership.points.expire_entries).

The ledger is the truth (decision 2): an expired lot is emptied by an entry of HQ's own, so
HQ's balances, its lookups and snapshots, and the terminals that cache them (hq.card_updates)
all say the same. HQ's entries carry terminal `hq`, seq 0 and the op_id
`hq:points_expiry:<day>`: one per card and lot, deterministic, written once (hq.jobs).
"""

from __future__ import annotations

from datetime import date, datetime

from peewee import fn

from hq.balances import card_balances
from hq.db import HqDatabase
from hq.ingest.rows import entry_row
from membership.ledger import Account
from membership.points import expire_entries

HQ_TERMINAL = "hq"  # the terminal_id of the entries HQ writes itself
HQ_SEQ = 0


def expiry_op_id(day: date) -> str:
    return f"hq:points_expiry:{day.isoformat()}"


def expire_points(db: HqDatabase, day: date, at: datetime) -> list[str]:
    """Within the job's transaction: the cards whose points expired, in card order."""
    changed = []
    for card_no in _lock(db, cards_with_lapsed_points(db, day)):
        entries = expire_entries(card_no, expiry_op_id(day), card_balances(db, card_no), day, at)
        if entries:
            db.bulk_insert(db.ledger, [entry_row(HQ_TERMINAL, HQ_SEQ, entry)
                                       for entry in entries])
            changed.append(card_no)
    return changed


def cards_with_lapsed_points(db: HqDatabase, day: date) -> list[str]:
    """Cards with a lot whose last valid day is before `day` and whose entries sum above 0."""
    ledger = db.ledger
    lapsed = (ledger.select(ledger.card_no)
              .where(ledger.account == Account.POINTS.value)
              .group_by(ledger.card_no, ledger.lot)
              .having((fn.SUM(ledger.delta) > 0) & (fn.MAX(ledger.valid_until) < day)))
    return sorted({row.card_no for row in lapsed})


def _lock(db: HqDatabase, card_nos: list[str]) -> list[str]:
    """Lock the cards in card order, as the ingest does (hq.ingest.sql.lock_cards): a batch
    debiting one of them waits for the job, never reads half of it."""
    if not card_nos or db.is_sqlite:
        return card_nos  # SQLite's write transaction already holds the database
    cards = db.cards
    db.locking(cards.select(cards.card_no).where(cards.card_no.in_(card_nos))
               .order_by(cards.card_no)).execute()
    return card_nos
