"""HQ as the member directory: answers `lookup/req` by card number, UID or phone with the member's
profile, the card as HQ knows it, its balances derived from HQ's ledger (every lot), the member's
unused coupons (hq.member_coupons) and the member's other cards (docs/protocol.md).

The offline PIN verifier goes only with a card the request says was read at the terminal
(`presented`), never with a phone lookup or a snapshot page, and at most VERIFIERS_PER_HOUR
times per terminal; lookups beyond LOOKUPS_PER_MINUTE per terminal are refused
`lookup.rate_limited` (hq.terminal_limits: counted in this worker's memory). Every lookup is
logged (a phone by its last four digits).

Read only. A malformed request becomes a dead letter and gets no answer, like auth/req.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from hq.balances import card_balances
from hq.db import HqDatabase
from hq.member_coupons import MemberCoupons
from hq.request_parsing import parsed_or_dead_letter
from hq.stores import StoreZones
from hq.terminal_limits import lookup_limit, verifier_limit
from hq.times import aware_time, stored_time, utc_now
from membership.cards import Card, CardStatus
from membership.ledger import CardBalances, Lot
from membership.lifecycle import TERMINAL_STATUSES
from membership.profiles import ProfileExtras, parse_birthday_text
from protocol.wire_members import (
    MAX_LOOKUP_RECORDS,
    MAX_OTHER_CARDS,
    RATE_LIMITED,
    UNKNOWN_CARD,
    UNKNOWN_MEMBER,
    LookupRecord,
    LookupRequest,
    LookupResponse,
    ProfileRecord,
    parse_lookup_request,
)

log = logging.getLogger("hq.member_lookup")
_MAX_REPLACEMENTS = 20  # how far back previous_card_nos follows replaced_by


class MemberLookup:
    def __init__(self, db: HqDatabase, clock: Callable[[], datetime] = utc_now,
                 zones: StoreZones | None = None) -> None:
        self._db = db
        self._clock = clock
        self.coupons = MemberCoupons(db, zones)
        self.lookups = lookup_limit()
        self.verifiers = verifier_limit()

    def handle_request(self, topic: str, payload: bytes, now: datetime | None = None
                       ) -> LookupResponse | None:
        now = stored_time(now or self._clock())
        request = parsed_or_dead_letter(self._db, topic, payload, parse_lookup_request, now)
        if request is None:
            return None
        if not self.lookups.take(request.terminal_id, now):
            log.warning("refused a lookup from terminal %s: over %d a minute",
                        request.terminal_id, self.lookups.limit)
            return LookupResponse(aware_time(now), (), RATE_LIMITED)
        return self.lookup(request, now)

    def lookup(self, request: LookupRequest, now: datetime | None = None) -> LookupResponse:
        now = stored_time(now or self._clock())
        with self._db.database.atomic():  # one consistent view of cards, ledger and members
            if request.by == "phone":
                rows, unknown = self._cards_of_phone(request.phone), UNKNOWN_MEMBER
            else:
                rows, unknown = self._cards_presented(request), UNKNOWN_CARD
            verifier_for = self._verifier_for(request, rows, now)
            _log_lookup(request, rows, verifier_for)
            if not rows:
                return LookupResponse(aware_time(now), (), unknown)
            coupons = self.coupons.codes_by_member(
                request.terminal_id, {row.member_id for row in rows}, now)
            return LookupResponse(aware_time(now), tuple(
                self.record(row, coupons.get(row.member_id, ()),
                            offline_verifier=row.card_no == verifier_for) for row in rows))

    def _verifier_for(self, request: LookupRequest, rows: list[Any], now: datetime) -> str:
        """The card whose offline verifier the answer may carry: the one card read at the
        terminal, within its hourly allowance; "" for none."""
        if request.by != "card" or not request.presented or len(rows) != 1:
            return ""
        if not self.verifiers.take(request.terminal_id, now):
            log.warning("sent no offline PIN verifier to terminal %s: over %d an hour",
                        request.terminal_id, self.verifiers.limit)
            return ""
        return str(rows[0].card_no)

    def _cards_presented(self, request: LookupRequest) -> list[Any]:
        cards = self._db.cards
        if request.card_no:
            return list(cards.select().where(cards.card_no == request.card_no))
        bound = sorted(cards.select().where(cards.uid == request.uid), key=_live_first)
        return bound[:1]  # a UID bound again after its card was cancelled: the live card

    def _cards_of_phone(self, phone: str) -> list[Any]:
        members, cards = self._db.members, self._db.cards
        member_ids = [row.member_id for row in members.select(members.member_id).where(
            members.phone == phone).order_by(members.member_id).limit(MAX_LOOKUP_RECORDS)]
        if not member_ids:
            return []
        found = cards.select().where(cards.member_id.in_(member_ids))
        return sorted(found, key=_live_first)[:MAX_LOOKUP_RECORDS]

    def record(self, row: Any, coupons: tuple[str, ...], offline_verifier: bool = False
               ) -> LookupRecord:
        """One card row as the answer carries it (also hq.snapshots' pages, which never carry
        the offline PIN verifier)."""
        pin = None
        if offline_verifier:
            pins = self._db.member_pins
            pin = pins.get_or_none(pins.card_no == row.card_no)
        return LookupRecord(
            profile=self._profile(row.member_id), card=self._card(row),
            balances=aware_lots(card_balances(self._db, row.card_no)), uid=row.uid or "",
            offline_pin_verifier=pin.offline_verifier if pin is not None else "",
            coupons=coupons, other_cards=self._other_cards(row.member_id, row.card_no),
            last_visit=aware_time(row.last_visit_at) if row.last_visit_at else None)

    def _profile(self, member_id: str) -> ProfileRecord:
        members = self._db.members
        member = members.get_or_none(members.member_id == member_id) if member_id else None
        if member is None:
            return ProfileRecord(member_id)
        return ProfileRecord(member_id, member.name, member.phone,
                             parse_birthday_text(member.birthday),
                             ProfileExtras(member.address, member.gender, member.notes,
                                           bool(member.consent)))

    def _card(self, row: Any) -> Card:
        return Card(row.card_no, row.member_id, row.type_code, CardStatus(row.status),
                    issued_on=row.issued_on, expires_on=row.expires_on, level=row.level,
                    parent_card_no=row.parent_card_no, quota=row.quota,
                    replaced_by=row.replaced_by, previous_card_nos=self._previous(row.card_no))

    def _previous(self, card_no: str) -> tuple[str, ...]:
        """The cards this one replaced, oldest first, following replaced_by backwards."""
        cards = self._db.cards
        chain: list[str] = []
        current = card_no
        while len(chain) < _MAX_REPLACEMENTS:
            before = cards.select(cards.card_no).where(cards.replaced_by == current).first()
            if before is None or before.card_no in chain or before.card_no == card_no:
                break
            chain.append(before.card_no)
            current = before.card_no
        return tuple(reversed(chain))

    def _other_cards(self, member_id: str, card_no: str) -> tuple[str, ...]:
        if not member_id:  # cards HQ knows only from ledger entries: no member to share
            return ()
        cards = self._db.cards
        rows = cards.select(cards.card_no).where(
            cards.member_id == member_id, cards.card_no != card_no,
        ).order_by(cards.card_no).limit(MAX_OTHER_CARDS)
        return tuple(row.card_no for row in rows)


def _log_lookup(request: LookupRequest, rows: list[Any], verifier_for: str) -> None:
    asked = (f"phone ...{request.phone[-4:]}" if request.by == "phone"
             else f"card {request.card_no or 'uid ' + request.uid}"
             + (" (presented)" if request.presented else ""))
    log.info("lookup from terminal %s by %s: %d card(s)%s", request.terminal_id, asked, len(rows),
             f", offline verifier of {verifier_for}" if verifier_for else "")


def _live_first(row: Any) -> tuple[bool, int, str]:
    """Cards still in use first, then the most recently issued, then by number."""
    issued = row.issued_on.toordinal() if row.issued_on else 0
    return CardStatus(row.status) in TERMINAL_STATUSES, -issued, row.card_no


def aware_lots(balances: CardBalances) -> CardBalances:
    """The balances with each lot's opening time aware: stored times are naive UTC (hq.times),
    and the wire reads a naive time as the writer's local time."""
    def aware(lots: tuple[Lot, ...]) -> tuple[Lot, ...]:
        return tuple(replace(lot, opened_at=aware_time(lot.opened_at)) for lot in lots)
    return replace(balances, points_lots=aware(balances.points_lots),
                   count_lots=aware(balances.count_lots), pass_lots=aware(balances.pass_lots))
