"""The coupons a member holds, for HQ's answer to a member lookup (hq.member_lookup).

A member's coupons are those of the `coupons` document in effect for the asking terminal whose
`member_id` is that member's, not expired and never used anywhere (hq.coupons). The document is
decoded by the core (membership.config_documents, through hq.coupon_documents), with the
catalogue in effect so that gift coupons find their product, once per distinct pair of versions:
a lookup is on the cashier's card-tap path and a catalogue may hold thousands of products. A
document that does not decode gives no coupons (and one warning), never a failed lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from hq.config_push import desired_documents
from hq.coupon_documents import DECODE_ERRORS, DocumentKey, decode_coupons
from hq.coupons import used_codes
from hq.db import HqDatabase
from hq.stores import StoreZones
from hq.times import local_wall_time
from membership.config_documents import CATALOGUE, COUPONS
from membership.coupons import Coupon
from protocol.wire import MAX_ID_LENGTH
from protocol.wire_members import MAX_OTHER_CARDS

log = logging.getLogger("hq.member_coupons")

# What terminals accept in a record's `coupons` (protocol.wire_members refuses the whole answer
# beyond it): at most MAX_OTHER_CARDS * 5 codes of at most 64 characters.
MAX_COUPONS_PER_RECORD = MAX_OTHER_CARDS * 5
_CACHED_VERSIONS = 16  # distinct (coupons, catalogue) versions in effect across the fleet

# The coupons document, then the catalogue (None: there is none).
DocumentPair = tuple[DocumentKey, DocumentKey | None]


class MemberCoupons:
    """Decoded coupon documents are kept by version: a new version is a new key, so nothing
    stale is ever served. Used from one thread (the worker's network loop)."""

    def __init__(self, db: HqDatabase, zones: StoreZones | None = None) -> None:
        self._db = db
        self._zones = zones or StoreZones(db)
        self._decoded: dict[DocumentPair, tuple[Coupon, ...]] = {}

    def codes_by_member(self, terminal_id: str, member_ids: Collection[str], now: datetime
                        ) -> dict[str, tuple[str, ...]]:
        """member_id -> the codes of that member's usable coupons, sorted."""
        members = {member_id for member_id in member_ids if member_id}
        if not members:
            return {}
        # A coupon's times are store-local wall-clock times (docs/protocol.md, "Times").
        wall = local_wall_time(now, self._zones.of_terminal(terminal_id))
        held = [coupon for coupon in self.effective(terminal_id)
                if coupon.member_id in members and not coupon.used and wall <= coupon.valid_until
                and len(coupon.code) <= MAX_ID_LENGTH]
        used = used_codes(self._db, (coupon.code for coupon in held))
        codes: dict[str, list[str]] = {}
        for coupon in held:
            if coupon.code not in used:
                codes.setdefault(coupon.member_id, []).append(coupon.code)
        return {member_id: tuple(sorted(found)[:MAX_COUPONS_PER_RECORD])
                for member_id, found in codes.items()}

    def effective(self, terminal_id: str) -> tuple[Coupon, ...]:
        """Every coupon of the `coupons` document in effect for the terminal."""
        desired = desired_documents(self._db, terminal_id)
        if COUPONS not in desired:
            return ()
        catalogue = desired.get(CATALOGUE)
        key: DocumentPair = ((COUPONS, *desired[COUPONS]),
                            None if catalogue is None else (CATALOGUE, *catalogue))
        coupons = self._decoded.get(key)
        if coupons is None:
            coupons = self._decode(key)
            if len(self._decoded) >= _CACHED_VERSIONS:
                self._decoded.clear()
            self._decoded[key] = coupons
        return coupons

    def _decode(self, key: DocumentPair) -> tuple[Coupon, ...]:
        try:
            return decode_coupons(self._db, *key)
        except DECODE_ERRORS as error:
            name, scope, version = key[0]
            log.warning("%s v%d for %s does not decode (%s): lookups answer no coupons", name,
                        version, scope, error)
            return ()
