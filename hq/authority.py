"""HQ as the authority for balances (DESIGN.md decision 6): online authorisation with holds,
and the per-card offline limits HQ publishes for terminals that cannot reach it. A gift's
stock is authorised the same way (kind "gift", hq.gift_stock): the hold reserves units of the
gift for whichever card, under a lock of the gift rather than of the card alone.

An approval is a hold: the amount stays reserved until the sale's event consumes it (hq.ingest)
or it expires. An operation has one hold per (kind, service) it debits, as the terminal asks for
each debit separately under the operation's op_id; the event consumes them all. Each decision
runs in one transaction that first locks the card, so two terminals asking for the same card's
last ¥50 at the same moment are answered one after the other, and the second sees the first
one's hold.

A hold belongs to the terminal that asked (the request's topic names it): it is found by
(terminal, op_id, kind, service), an op_id must be one that terminal makes, and a terminal's
active holds are bounded in number and in stored value (hq.hold_limits).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from peewee import IntegrityError

from hq.balances import available
from hq.db import HqDatabase
from hq.gift_stock import gift_available, lock_gift
from hq.hold_limits import OP_NOT_OWN, HoldLimits, over_limit, owns_op_id
from hq.ingest.rows import is_storable_text
from hq.stores import StoreZones
from hq.times import aware_time, local_day, stored_time, utc_now
from membership.cards import Card, CardStatus
from membership.errors import CardStateError
from membership.lifecycle import ensure_can_pay
from protocol.wire import WireError
from protocol.wire_auth import AuthRequest, AuthResponse, parse_auth_request

DEFAULT_HOLD_SECONDS = 300
UNKNOWN_CARD = "card.unknown"
OP_CONFLICT = "auth.op_conflict"  # an op's (kind, service) asked again for another card/amount
log = logging.getLogger(__name__)
INSUFFICIENT = {"stored_value": "balance.insufficient", "count": "count.insufficient",
                "gift": "gift.out_of_stock"}
UNLIMITED_GIFT = 1_000_000  # what an answer says is left of a gift HQ keeps no stock of


class Authority:
    def __init__(self, db: HqDatabase, hold_seconds: int = DEFAULT_HOLD_SECONDS,
                 clock: Callable[[], datetime] = utc_now,
                 limits: HoldLimits | None = None, zones: StoreZones | None = None) -> None:
        self._db = db
        self._hold = timedelta(seconds=hold_seconds)
        self._clock = clock
        self._limits = limits or HoldLimits()
        self._zones = zones or StoreZones(db)

    def handle_request(self, topic: str, payload: bytes, now: datetime | None = None
                       ) -> AuthResponse | None:
        """Parse an auth/req message and decide; a bad one becomes a dead letter (no answer)."""
        now = stored_time(now or self._clock())
        try:
            request = parse_auth_request(topic, payload)
            _check_storable(request)
        except WireError as error:
            self._db.record_dead_letter(topic, payload, error.reason, error.detail, now)
            return None
        return self.authorise(request, now)

    def authorise(self, request: AuthRequest, now: datetime | None = None) -> AuthResponse:
        now = stored_time(now or self._clock())
        if not owns_op_id(request.terminal_id, request.op_id):
            # Another terminal's op_id (they are predictable): a hold under it would collide
            # with that terminal's own request, so it is never stored.
            log.warning("terminal %s asked a hold under op_id %r, not its own: refused",
                        request.terminal_id, request.op_id)
            return AuthResponse(request.op_id, False, OP_NOT_OWN)
        try:
            with self._db.write_transaction():
                return self._decide(request, now)
        except IntegrityError:
            # The hold's key was taken meanwhile by a request for another card (same card
            # requests queue on the card lock): answer from that hold.
            existing = self._find(request)
            if existing is None:
                raise
            return _answer(existing, request)

    def _decide(self, request: AuthRequest, now: datetime) -> AuthResponse:
        cards = self._db.cards
        card = self._db.locking(cards.select().where(cards.card_no == request.card_no)).first()
        if card is None:
            return AuthResponse(request.op_id, False, UNKNOWN_CARD)
        existing = self._find(request)
        grows = existing is not None and _grows(existing, request, now)
        if existing is not None and _still_binding(existing, now) and not grows:
            return _answer(existing, request)  # a retry: the same answer again
        today = local_day(now, self._zones.of_terminal(request.terminal_id))  # the store's day
        blocked = _blocked_reason(card, today)
        if blocked:
            return AuthResponse(request.op_id, False, blocked)
        if request.kind == "gift":
            lock_gift(self._db, request.service)
            gift_left = gift_available(self._db, request.service, now)
            if gift_left is None:  # no stock kept: nothing to hold
                return AuthResponse(request.op_id, True, "", UNLIMITED_GIFT)
            left = gift_left
        else:
            left = available(self._db, request.card_no, request.kind, request.service, now,
                             today)
        if grows:  # what the operation holds already counts toward its larger debit
            left += existing.amount
        limited = over_limit(self._db, self._limits, request, existing if grows else None, now)
        if limited:  # not stored: a flood of refusals leaves no rows behind
            log.warning("terminal %s is at its hold limit (%s): %s refused", request.terminal_id,
                        limited, request.op_id)
            return AuthResponse(request.op_id, False, limited, left)
        approved = left >= request.amount
        if grows and not approved:  # the smaller hold stays: the last try may yet commit
            return AuthResponse(request.op_id, False, INSUFFICIENT[request.kind], left)
        row = {
            "card_no": request.card_no, "terminal_id": request.terminal_id,
            "kind": request.kind, "service": request.service, "amount": request.amount,
            "state": "active" if approved else "declined",
            "reason": "" if approved else INSUFFICIENT[request.kind],
            "available_after": left - request.amount if approved else left,
            "created_at": now, "expires_at": now + self._hold, "consumed_at": None,
        }
        holds = self._db.holds
        if existing is None:
            holds.insert(op_id=request.op_id, **row).execute()
        else:  # declined or expired before: decided afresh, as a top-up may have come since
            holds.update(**row).where(holds.id == existing.id).execute()
        return _response(request.op_id, row)

    def _find(self, request: AuthRequest) -> Any:
        """The hold for this debit of the operation, if this terminal asked for it before."""
        holds = self._db.holds
        return holds.get_or_none(holds.terminal_id == request.terminal_id,
                                 holds.op_id == request.op_id, holds.kind == request.kind,
                                 holds.service == request.service)

    def expire_holds(self, now: datetime | None = None) -> int:
        """Mark holds past their time as expired (they already count for nothing)."""
        holds = self._db.holds
        with self._db.write_transaction():
            return holds.update(state="expired").where(
                holds.state == "active", holds.expires_at <= stored_time(now or self._clock())
            ).execute()


def _grows(hold: Any, request: AuthRequest, now: datetime) -> bool:
    """The operation asks again for more on the same card while its hold is active: the
    cashier's next try after a decline or a change (nothing was committed, so the terminal's
    op_id is the same). The hold grows if the money is there; it never shrinks, so a late
    copy of an earlier, smaller request cannot free money the committed sale needs."""
    return (hold.state == "active" and hold.expires_at > now
            and hold.card_no == request.card_no and request.amount > hold.amount)


def _still_binding(hold: Any, now: datetime) -> bool:
    return hold.state == "consumed" or (hold.state == "active" and hold.expires_at > now)


def _answer(hold: Any, request: AuthRequest) -> AuthResponse:
    """A debit already decided: the same answer for the same card and no more than was held
    (a hold that covers more covers this too); another card, or more than a consumed hold,
    is a conflict."""
    same = (hold.card_no, hold.kind, hold.service) == (
        request.card_no, request.kind, request.service)
    if not same or request.amount > hold.amount:
        return AuthResponse(request.op_id, False, OP_CONFLICT)
    return _response(request.op_id, {
        "state": hold.state, "reason": hold.reason, "available_after": hold.available_after,
        "expires_at": hold.expires_at})


def _response(op_id: str, hold: dict[str, Any]) -> AuthResponse:
    approved = hold["state"] in ("active", "consumed")
    return AuthResponse(op_id, approved, hold["reason"], hold["available_after"],
                        aware_time(hold["expires_at"]) if approved else None)


def _blocked_reason(row: Any, today: date) -> str:
    """The card.* message key if the card may not pay today (lost, frozen, expired, ...)."""
    card = Card(card_no=row.card_no, member_id=row.member_id, type_code=row.type_code,
                status=CardStatus(row.status), expires_on=row.expires_on,
                replaced_by=row.replaced_by)
    try:
        ensure_can_pay(card, today)
    except CardStateError as error:
        return error.key
    return ""


def _check_storable(request: AuthRequest) -> None:
    for name in ("op_id", "card_no", "service"):
        if not is_storable_text(getattr(request, name)):
            raise WireError("invalid_field", name)

