"""The configuration documents HQ derives from its own tables (decision 6): the card
`blacklist` (lost, frozen and cancelled cards), the `offline_limits` (per card, and per
terminal where a terminal has its own), `coupons_used` (the coupon codes used of the coupons
still live, hq.coupons and hq.coupon_documents) and `gift_stock` (what is left of each gift,
hq.gift_stock).

`refresh_card_documents` computes what each document should say now, compares it with the latest
stored version of that (name, scope), and stores and publishes a new version only where it
differs. HQ calls it when ingested events changed a card's status, used a coupon or redeemed a
gift (a worker coalesces the `coupons_used` and `gift_stock` refreshes, hq.service), when an
operator changes a limit (`hq limits ...`), and at start-up. Two workers refreshing at once may
both publish the same content under consecutive versions; a terminal then applies the second as
a no-op change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hq.card_events import BLACKLISTED
from hq.config_push import next_document
from hq.coupon_documents import live_coupon_codes
from hq.coupons import coupons_used_body
from hq.db import HqDatabase
from hq.errors import HqError
from hq.gift_stock import gift_stock_body
from membership.cards import CardStatus
from membership.config_codec_blacklist import BLACKLIST, Blacklist, encode_blacklist
from membership.config_documents import COUPONS_USED
from membership.gift_stock import GIFT_STOCK
from membership.offline_limits import OFFLINE_LIMITS, OfflineLimits
from protocol.wire_config import ConfigDocument

CARD_DOCUMENTS = (BLACKLIST, OFFLINE_LIMITS, COUPONS_USED, GIFT_STOCK)
MAX_GIFTS = 1000  # gift units one terminal may hand out offline, at most
Publisher = Callable[[ConfigDocument], None]


class InvalidOfflineLimit(HqError, ValueError):
    """A negative limit."""


class UnknownCard(HqError, LookupError):
    """HQ has never seen this card."""


def blacklist_body(db: HqDatabase) -> dict[str, Any]:
    cards = db.cards
    rows = cards.select(cards.card_no, cards.status).where(cards.status.in_(BLACKLISTED))
    return encode_blacklist(Blacklist({row.card_no: CardStatus(row.status) for row in rows}))


def offline_limit_bodies(db: HqDatabase) -> dict[str, dict[str, Any]]:
    """scope -> body: one for `all`, and one per terminal with a limit of its own (the most
    specific scope wins whole, so it repeats the card limits)."""
    cards = db.cards
    overrides = {}
    for row in cards.select().where(cards.offline_limit_fen.is_null(False)
                                    | cards.offline_limit_uses.is_null(False)):
        limits = {"fen": row.offline_limit_fen, "uses": row.offline_limit_uses}
        overrides[row.card_no] = {key: value for key, value in limits.items()
                                  if value is not None}
    gifts = gift_allowance(db)
    fleet = OfflineLimits(per_terminal_gifts=gifts, cards=overrides)
    bodies = {"all": fleet.to_document()}
    terminals = db.terminals
    for row in terminals.select().where(terminals.offline_limit_fen.is_null(False)):
        own = OfflineLimits(per_terminal_fen=row.offline_limit_fen, per_terminal_gifts=gifts,
                            cards=overrides)
        bodies[f"terminal:{row.id}"] = own.to_document()
    return bodies


def gift_allowance(db: HqDatabase) -> int:
    """The gift units each terminal may redeem offline: kept in the fleet's `offline_limits`
    document itself (`set_gift_allowance`), the default until one says otherwise."""
    return OfflineLimits.from_document(_latest_body(db, OFFLINE_LIMITS, "all")).per_terminal_gifts


def set_gift_allowance(db: HqDatabase, units: int, now: datetime) -> ConfigDocument:
    """Store a new version of the fleet's `offline_limits` with `units` as the gift allowance,
    for the caller to publish; the terminal-scoped versions follow at the next refresh."""
    if not isinstance(units, int) or isinstance(units, bool) or not 0 <= units <= MAX_GIFTS:
        raise InvalidOfflineLimit(f"the gift allowance must be a whole number 0-{MAX_GIFTS}")
    with db.write_transaction():
        db.lock_derived_documents()
        body = offline_limit_bodies(db)["all"] | {"per_terminal_gifts": units}
        return next_document(db, OFFLINE_LIMITS, "all", body, now)


def desired_card_documents(db: HqDatabase, now: datetime,
                           names: tuple[str, ...] = CARD_DOCUMENTS
                           ) -> dict[tuple[str, str], dict[str, Any]]:
    """(name, scope) -> the body it should have at `now`, for the documents in `names` only."""
    desired: dict[tuple[str, str], dict[str, Any]] = {}
    if BLACKLIST in names:
        desired[(BLACKLIST, "all")] = blacklist_body(db)
    if OFFLINE_LIMITS in names:
        desired |= {(OFFLINE_LIMITS, scope): body
                    for scope, body in offline_limit_bodies(db).items()}
    if COUPONS_USED in names:
        desired[(COUPONS_USED, "all")] = coupons_used_body(db, live_coupon_codes(db, now))
    if GIFT_STOCK in names:
        desired[(GIFT_STOCK, "all")] = gift_stock_body(db)
    return desired


def refresh_card_documents(db: HqDatabase, publish: Publisher, now: datetime,
                           names: tuple[str, ...] = CARD_DOCUMENTS) -> list[ConfigDocument]:
    """Store and publish a new version of every document in `names` whose content changed.

    Computing a body, comparing it and storing it happen in one transaction that holds the
    refresh lock: otherwise a worker that read the tables first could store its older list
    as a newer version than another worker's (and terminals would apply it). Published after
    the commit, so a terminal never gets a version HQ then rolls back."""
    with db.write_transaction():
        db.lock_derived_documents()
        stored = [next_document(db, name, scope, body, now)
                  for (name, scope), body in desired_card_documents(db, now, names).items()
                  if _latest_body(db, name, scope) != body]
    for document in stored:
        publish(document)
    return stored


def _latest_body(db: HqDatabase, name: str, scope: str) -> dict[str, Any] | None:
    rows = db.config_documents
    latest = (rows.select(rows.body).where((rows.name == name) & (rows.scope == scope))
              .order_by(rows.version.desc()).limit(1).first())
    return None if latest is None else json.loads(latest.body)


def set_card_offline_limits(db: HqDatabase, card_no: str, fen: int | None,
                            uses: int | None) -> None:
    """Set (or, with None, reset to the default) the offline limits of a card HQ knows."""
    _check_limits(card_no, fen, uses)
    cards = db.cards
    with db.write_transaction():
        changed = cards.update(offline_limit_fen=fen, offline_limit_uses=uses
                               ).where(cards.card_no == card_no).execute()
    if not changed:
        raise UnknownCard(f"card {card_no} is not known at HQ")


def set_terminal_offline_limit(db: HqDatabase, terminal_id: str, fen: int | None) -> None:
    """A terminal's own limit on unsynced card debits (None: back to the default)."""
    _check_limits(terminal_id, fen)
    terminals = db.terminals
    with db.write_transaction():
        terminals.insert(id=terminal_id, offline_limit_fen=fen).on_conflict(
            conflict_target=[terminals.id], update={terminals.offline_limit_fen: fen}).execute()


def _check_limits(owner: str, *limits: int | None) -> None:
    if any(limit is not None and (not isinstance(limit, int) or limit < 0) for limit in limits):
        raise InvalidOfflineLimit(f"{owner}: offline limits must be whole numbers >= 0")

