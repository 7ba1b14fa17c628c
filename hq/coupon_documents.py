"""The `coupons` documents HQ has stored, decoded by the core (membership.config_documents) with a
catalogue, so that gift coupons find their product: for the member lookup (hq.member_coupons)
and for the live coupons that bound the `coupons_used` document (hq.card_documents).

A coupon is live while the latest version of some `coupons` document (any scope) defines it and
its `valid_until` is not past. A used code that is not live can leave `coupons_used`: a terminal
refuses it anyway (`coupon.unknown`, `coupon.expired`). When HQ cannot tell, nothing leaves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from peewee import fn

from hq.db import HqDatabase
from hq.times import stored_time
from membership.config_documents import CATALOGUE, COUPONS, StoreConfiguration
from membership.coupons import Coupon
from membership.errors import DomainError

log = logging.getLogger("hq.coupon_documents")
# A terminal's clock may be behind HQ's (up to max_clock_skew_s, flagged beyond), and a coupon's
# `valid_until` is store-local wall time while HQ's clock is UTC (a store is at most 14 hours
# from UTC): a used coupon stays listed this long past its end, while a terminal may still
# think it valid.
EXPIRED_GRACE = timedelta(days=1)

# What a hostile or mistaken document may raise in the core's decoders besides DomainError.
DECODE_ERRORS = (DomainError, TypeError, AttributeError, KeyError, ValueError, RecursionError)
FLEET = "all"

# (name, scope, version) of one stored document.
DocumentKey = tuple[str, str, int]


def decode_coupons(db: HqDatabase, coupons: DocumentKey, catalogue: DocumentKey | None
                   ) -> tuple[Coupon, ...]:
    """Every coupon of that `coupons` version, decoded with that catalogue version (None: no
    catalogue, so a gift coupon does not decode). Raises one of DECODE_ERRORS."""
    keys = (coupons,) if catalogue is None else (coupons, catalogue)
    bodies = {name: _body(db, name, scope, version) for name, scope, version in keys}
    return tuple(StoreConfiguration.from_documents(bodies).coupons.values())


def live_coupon_codes(db: HqDatabase, now: datetime) -> frozenset[str] | None:
    """The codes of every live coupon at `now` (or ended less than EXPIRED_GRACE before);
    None when HQ cannot tell (it holds no `coupons` document, so coupons may come from
    elsewhere, or one latest version does not decode)."""
    latest = _latest_versions(db)
    coupon_scopes = sorted((scope, version) for (name, scope), version in latest.items()
                           if name == COUPONS)
    if not coupon_scopes:
        return None
    moment = stored_time(now) - EXPIRED_GRACE
    live: set[str] = set()
    for scope, version in coupon_scopes:
        try:
            coupons = decode_coupons(db, (COUPONS, scope, version), _catalogue_for(latest, scope))
        except DECODE_ERRORS as error:
            log.warning("coupons v%d for %s does not decode (%s): coupons_used keeps every code "
                        "used", version, scope, error)
            return None
        live.update(coupon.code for coupon in coupons if moment <= coupon.valid_until)
    return frozenset(live)


def _latest_versions(db: HqDatabase) -> dict[tuple[str, str], int]:
    """(name, scope) -> latest version, for the coupons and catalogue documents."""
    rows = db.config_documents
    latest = (rows.select(rows.name, rows.scope, fn.MAX(rows.version))
              .where(rows.name.in_([COUPONS, CATALOGUE])).group_by(rows.name, rows.scope))
    return {(name, scope): version for name, scope, version in latest.tuples()}


def _catalogue_for(latest: Mapping[tuple[str, str], int], scope: str) -> DocumentKey | None:
    """The catalogue a `coupons` document of `scope` is decoded with: that scope's latest, else
    the fleet's, else none."""
    for candidate in (scope, FLEET):
        version = latest.get((CATALOGUE, candidate))
        if version is not None:
            return CATALOGUE, candidate, version
    return None


def _body(db: HqDatabase, name: str, scope: str, version: int) -> Mapping[str, Any]:
    rows = db.config_documents
    row = rows.get((rows.name == name) & (rows.scope == scope) & (rows.version == version))
    body = json.loads(row.body)
    if not isinstance(body, dict):
        raise ValueError(f"{name} v{version} for {scope}: the body is not an object")
    return body
