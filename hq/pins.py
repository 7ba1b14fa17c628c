"""Member PINs at HQ (decision 9): set, change and verify against slow peppered verifiers, with a
lockout after three wrong PINs in a row. Answers `pin/req` (docs/protocol.md).

The PIN reaches HQ sealed to its key (protocol/pin_sealing.py) and exists here in clear only
between opening the seal and hashing it: it is never stored, logged, put in a dead letter or an
exception. A seal that does not open for its request (moved to another card, purpose or terminal,
or altered) is a dead letter `pin_undecryptable`; a request seen before, or sent too far from
HQ's clock for its nonce still to be remembered, is refused without touching the card's PIN. A
request sealed with an earlier scheme (protocol.wire_pins.PIN_ALGORITHM) is a dead letter
`pin_algorithm` and refused `pin.algorithm`. A terminal that has counted wrong PINs on
FAILED_CARDS_PER_DAY distinct cards (hq.terminal_limits) has its checks of other cards refused
`pin.terminal_limited`, uncounted: one terminal cannot lock every card of the chain. A card's
first PIN is set only by a terminal of the store that issued it (`pin.not_own_store`,
membership.store_rules): another store could otherwise choose the PIN of a card it does not
own before its member does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from peewee import IntegrityError

from hq.db import HqDatabase
from hq.ownership import card_issuers, terminal_store
from hq.pin_secrets import PinSecrets
from hq.terminal_limits import failed_card_limit
from hq.times import stored_time, utc_now
from membership.pin_hash import OFFLINE_COST, ONLINE_COST, make_verifier, matches
from membership.store_rules import PIN_NOT_OWN_STORE, may_act
from protocol.pin_sealing import SealError, open_sealed
from protocol.wire import WireError
from protocol.wire_pins import (
    ALGORITHM_STALE,
    ALREADY_SET,
    KEY_STALE,
    PIN_ALGORITHM,
    REPLAYED,
    SEAL_REFUSED,
    STALE,
    TERMINAL_LIMITED,
    PinRequest,
    PinResponse,
    PinSecret,
    parse_pin_plaintext,
    parse_pin_request,
)

log = logging.getLogger("hq.pins")
MAX_FAILURES = 3
# A request is opened only this close to HQ's clock, and its nonce is kept longer than twice
# that, so any request that could still pass the time check is remembered.
REQUEST_WINDOW = timedelta(hours=1)
NONCE_MEMORY = timedelta(hours=3)
_PARSER_ERRORS = (WireError, TypeError, AttributeError, KeyError, ValueError, RecursionError)


def _refused(reason: str) -> PinResponse:
    return PinResponse("refused", 0, reason)


class PinAuthority:
    def __init__(self, db: HqDatabase, secrets: PinSecrets,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self.secrets = secrets
        self._clock = clock
        self.failed_cards = failed_card_limit()

    def handle_request(self, topic: str, payload: bytes, now: datetime | None = None
                       ) -> PinResponse | None:
        """Parse, open and decide; None (no answer) for a malformed request."""
        now = stored_time(now or self._clock())
        try:
            request = parse_pin_request(topic, payload)
            sent_at = stored_time(request.sent_at)
        except (*_PARSER_ERRORS, OverflowError) as error:
            reason = error.reason if isinstance(error, WireError) else "invalid_field"
            detail = error.detail if isinstance(error, WireError) else type(error).__name__
            self._db.record_dead_letter(topic, payload, reason, detail, now)
            return None
        refusal = self._screen(topic, payload, request, now)
        if refusal is not None:
            return refusal
        secret = self._open(topic, payload, request, now)
        if secret is None:
            return _refused(SEAL_REFUSED)
        if abs(sent_at - now) > REQUEST_WINDOW:
            return _refused(STALE)
        response = self.decide(request, secret, now)
        if request.purpose != "set" and response.outcome in ("wrong", "locked"):
            self.failed_cards.count_failure(request.terminal_id, request.card_no, now)
        return response

    def _screen(self, topic: str, payload: bytes, request: PinRequest, now: datetime
                ) -> PinResponse | None:
        """A refusal decided before the seal is opened, or None."""
        if request.algorithm != PIN_ALGORITHM:
            self._db.record_dead_letter(
                topic, payload, "pin_algorithm",
                f"sealed with {request.algorithm}; HQ opens only {PIN_ALGORITHM}", now)
            return _refused(ALGORITHM_STALE)
        if request.key_id != self.secrets.key_id:
            return _refused(KEY_STALE)
        if request.purpose != "set" and not self.failed_cards.allows(
                request.terminal_id, request.card_no, now):
            log.warning("refused a PIN check of card %s from terminal %s: it failed PINs on "
                        "%d cards within %s", request.card_no, request.terminal_id,
                        self.failed_cards.limit, self.failed_cards.period)
            return _refused(TERMINAL_LIMITED)
        return None

    def _open(self, topic: str, payload: bytes, request: PinRequest, now: datetime
              ) -> PinSecret | None:
        try:
            plaintext = open_sealed(self.secrets.private_key, request.sealed,
                                    request.associated_data())
            return parse_pin_plaintext(plaintext, request.purpose)
        except SealError:
            reason, detail = "pin_undecryptable", "the seal does not open for this request"
        except WireError as error:  # its detail names the field, never a digit
            reason, detail = error.reason, error.detail
        self._db.record_dead_letter(topic, payload, reason, detail, now)
        return None

    def decide(self, request: PinRequest, secret: PinSecret, now: datetime) -> PinResponse:
        # The slow hashes of a new PIN are made before the transaction, not while holding locks.
        new_verifiers = (self._verifiers(secret.pin) if request.purpose in ("set", "change")
                         else None)
        try:
            with self._db.write_transaction():
                if not self._remember_nonce(request, now):
                    return _refused(REPLAYED)
                pins = self._db.member_pins
                row = self._db.locking(
                    pins.select().where(pins.card_no == request.card_no)).first()
                return self._apply(request, row, secret, new_verifiers, now)
        except IntegrityError:
            # Another worker set this card's first PIN at the same moment.
            return _refused(ALREADY_SET)

    def _verifiers(self, pin: str) -> dict[str, str]:
        return {"verifier": make_verifier(pin, ONLINE_COST, self.secrets.pepper),
                "offline_verifier": make_verifier(pin, OFFLINE_COST)}

    def _remember_nonce(self, request: PinRequest, now: datetime) -> bool:
        """False when the nonce was seen before (a replay or a redelivery)."""
        nonces = self._db.pin_nonces
        nonces.delete().where(nonces.seen_at < now - NONCE_MEMORY).execute()
        inserted = self._db.bulk_insert(
            nonces, [{"nonce": request.nonce, "card_no": request.card_no, "seen_at": now}],
            skip_duplicates=True, returning="nonce")
        return bool(inserted)

    def _apply(self, request: PinRequest, row: Any, secret: PinSecret,
               new_verifiers: dict[str, str] | None, now: datetime) -> PinResponse:
        pins = self._db.member_pins
        if request.purpose == "set":
            if row is not None:
                return _refused(ALREADY_SET)
            if not self._issuing_store(request):
                return _refused(PIN_NOT_OWN_STORE)
            pins.insert(card_no=request.card_no, failures=0, locked=False, updated_at=now,
                        **(new_verifiers or {})).execute()
            return PinResponse("accepted", MAX_FAILURES)
        if row is None:
            return PinResponse("not_set")
        if row.locked:
            return PinResponse("locked")
        offered = secret.old_pin if request.purpose == "change" else secret.pin
        if not matches(offered, row.verifier, self.secrets.pepper):
            return self._count_failure(row, now)
        changes: dict[str, Any] = {"failures": 0, "locked": False, "updated_at": now}
        if request.purpose == "change":
            changes.update(new_verifiers or {})
        elif row.failures == 0:
            return PinResponse("accepted", MAX_FAILURES)  # nothing to reset: no write
        self._db.update_row(pins, "card_no", row.card_no, changes)
        return PinResponse("accepted", MAX_FAILURES)

    def _issuing_store(self, request: PinRequest) -> bool:
        """Whether the terminal's store issued the card (or HQ does not know who did)."""
        issuer = card_issuers(self._db, [request.card_no]).get(request.card_no, "")
        store = terminal_store(self._db, request.terminal_id)
        if may_act(store, issuer):
            return True
        log.warning("refused the first PIN of card %s from terminal %s: store %r did not "
                    "issue it (%r did)", request.card_no, request.terminal_id, store, issuer)
        return False

    def _count_failure(self, row: Any, now: datetime) -> PinResponse:
        failures = row.failures + 1
        locked = failures >= MAX_FAILURES
        self._db.update_row(self._db.member_pins, "card_no", row.card_no,
                            {"failures": failures, "locked": locked, "updated_at": now})
        return PinResponse("locked") if locked else PinResponse("wrong", MAX_FAILURES - failures)


def unlock_pin(db: HqDatabase, card_no: str, now: datetime) -> bool:
    """Clear a card's lockout (a person at HQ decided so); False when the card has no PIN."""
    pins = db.member_pins
    with db.write_transaction():
        changed = pins.update(failures=0, locked=False, updated_at=stored_time(now)).where(
            pins.card_no == card_no).execute()
    return bool(changed)
