"""Authoritative balances, derived from the stored ledger (DESIGN.md decisions 2 and 6).

Nothing here caches a balance: every answer is folded from the entries HQ has stored, with
membership.ledger's own rules, minus what active authorisation holds reserve.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from peewee import fn

from hq.db import HqDatabase
from hq.errors import HqError
from hq.times import stored_time, utc_now
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, derive_balances
from protocol.wire_auth import AUTH_KINDS


class UnknownBalanceKind(HqError, ValueError):
    """Asked for a balance other than stored_value or count."""


def ledger_entries(db: HqDatabase, card_no: str) -> list[LedgerEntry]:
    """The card's entries in the order they happened (a lot's opening entry first)."""
    ledger = db.ledger
    rows = ledger.select().where(ledger.card_no == card_no).order_by(ledger.at, ledger.id)
    return [_entry(row) for row in rows]


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        op_id=row.op_id, card_no=row.card_no, account=Account(row.account), delta=row.delta,
        kind=EntryKind(row.kind), at=row.at, lot=row.lot, service=row.service,
        valid_from=row.valid_from, valid_until=row.valid_until, actor_card_no=row.actor_card_no,
        reverses_op=row.reverses_op, line_no=row.line_no, note=row.note,
    )


def card_balances(db: HqDatabase, card_no: str) -> CardBalances:
    return derive_balances(ledger_entries(db, card_no), card_no)


def stored_value(db: HqDatabase, card_no: str) -> int:
    """Principal plus bonus in fen: the sum of the card's entries on those two accounts."""
    ledger = db.ledger
    total = ledger.select(fn.SUM(ledger.delta)).where(
        ledger.card_no == card_no,
        ledger.account.in_([Account.PRINCIPAL.value, Account.BONUS.value]),
    ).scalar()
    return int(total or 0)


def held(db: HqDatabase, card_no: str, kind: str, service: str, now: datetime) -> int:
    """What active, unexpired holds reserve on the card (fen, or uses of `service`)."""
    holds = db.holds
    conditions = [holds.card_no == card_no, holds.kind == kind, holds.state == "active",
                  holds.expires_at > stored_time(now)]
    if kind == "count":
        conditions.append(holds.service == service)
    return int(holds.select(fn.SUM(holds.amount)).where(*conditions).scalar() or 0)


def available(db: HqDatabase, card_no: str, kind: str, service: str = "",
              now: datetime | None = None, today: date | None = None) -> int:
    """Balance minus active holds: stored value in fen, or usable uses of `service` `today`
    (the store's local day, hq.stores; by default the UTC day of `now`)."""
    now = stored_time(now or utc_now())
    if kind not in AUTH_KINDS:
        raise UnknownBalanceKind(kind)
    if kind == "stored_value":
        balance = stored_value(db, card_no)
    else:
        balance = card_balances(db, card_no).counts_for(service, today or now.date())
    return balance - held(db, card_no, kind, service, now)
