"""HQ's member directory and member PIN service for the cashier, over the sync's MQTT 5
request/response (the cashier's MemberDirectory and MemberPinService ports).

Every call blocks a worker thread (never the UI thread) for at most the directory time-out and
returns None when HQ cannot be asked or does not answer in time, or refuses a lookup for the
terminal's rate (lookup.rate_limited: the cache serves, as when HQ is down). HQ's other refusals
are domain errors with HQ's message key (card.unknown, pin.already_set, ...), except that a phone
no member has gives an empty tuple. HQ sends a card's offline PIN verifier only when the lookup
says the card was read here (CardRef.presented).
A PIN is revealed only inside protocol.pin_sealing.seal_pin_request, which seals it to
HQ's public key (the newest the broker delivered, kept by the SyncClient).
"""

from __future__ import annotations

import logging
import time

from huiyuan_devices.keypad.base import Pin

from membership.errors import DomainError, InvalidInput
from membership.member_records import (
    CardRef,
    MemberRecord,
    PinCheck,
    PinCheckOutcome,
)
from membership.profiles import normalise_phone, normalise_uid
from protocol.pin_sealing import seal_pin_request
from protocol.wire import WireError
from protocol.wire_members import (
    RATE_LIMITED,
    UNKNOWN_MEMBER,
    LookupRequest,
    LookupResponse,
    parse_lookup_response,
)
from protocol.wire_pins import KEY_STALE, SEAL_REFUSED, parse_pin_response
from terminal.sync.card_updates import member_record
from terminal.sync.client import SyncClient

log = logging.getLogger("terminal.sync.directory")


class HqDirectory:
    """MemberDirectory and MemberPinService at HQ."""

    def __init__(self, sync: SyncClient, timeout_s: float | None = None) -> None:
        self._sync = sync
        self._timeout_s = (sync.settings.directory_timeout_s if timeout_s is None
                           else timeout_s)

    @property
    def _terminal_id(self) -> str:
        return self._sync.settings.terminal_id

    # --- MemberDirectory -------------------------------------------------------------------------

    def lookup_card(self, card: CardRef) -> MemberRecord | None:
        """By card number, else by UID. Raises DomainError("card.unknown") when HQ does not
        know the card; InvalidInput for a reference with neither (or a malformed UID)."""
        uid = normalise_uid(card.uid)
        if not card.card_no and not uid:
            raise InvalidInput("card.required")
        response = self._lookup(LookupRequest(self._terminal_id, card_no=card.card_no, uid=uid,
                                              presented=card.presented))
        if response is None:
            return None
        _raise_refusal(response)
        return member_record(response.records[0], response.as_of) if response.records else None

    def lookup_phone(self, phone: str) -> tuple[MemberRecord, ...] | None:
        """Every card (at most 20) of the members with this phone; empty when HQ knows no
        member with it (HQ's answer `member.unknown`)."""
        normalised = normalise_phone(phone)
        if not normalised:
            raise InvalidInput("member.phone_invalid")
        response = self._lookup(LookupRequest(self._terminal_id, phone=normalised))
        if response is None:
            return None
        if response.reason == UNKNOWN_MEMBER:
            return ()
        _raise_refusal(response)
        return tuple(member_record(record, response.as_of) for record in response.records)

    def _lookup(self, request: LookupRequest) -> LookupResponse | None:
        payload = self._sync.request("lookup", request.to_bytes(), self._timeout_s)
        if payload is None:
            return None
        try:
            response = parse_lookup_response(payload)
        except WireError as error:
            log.warning("ignored a lookup answer from HQ: %s", error)
            return None
        if response.reason == RATE_LIMITED:
            log.warning("HQ refused a lookup: too many from this terminal just now")
            return None
        return response

    # --- MemberPinService ------------------------------------------------------------------------

    def verify_pin(self, card_no: str, pin: Pin) -> PinCheck | None:
        """HQ checks the PIN; a wrong one counts toward the card's lockout."""
        return self._ask_pin(card_no, "verify", pin, None)

    def set_pin(self, card_no: str, pin: Pin, old_pin: Pin | None = None) -> PinCheck | None:
        """Without `old_pin`: the card's first PIN (DomainError("pin.already_set") if it has
        one). With it: a change, WRONG (and counted) when `old_pin` does not match."""
        return self._ask_pin(card_no, "set" if old_pin is None else "change", pin, old_pin)

    def _ask_pin(self, card_no: str, purpose: str, pin: Pin, old_pin: Pin | None
                 ) -> PinCheck | None:
        if not self._sync.online.is_set():
            return None
        deadline = time.monotonic() + self._timeout_s
        key = self._sync.pin_key(self._timeout_s)
        if key is None:
            log.warning("no PIN key from HQ yet: cannot ask HQ to check a PIN")
            return None
        request = seal_pin_request(key, self._terminal_id, card_no, purpose, pin, old_pin,
                                   self._sync.clock())
        payload = self._sync.request("pin", request.to_bytes(),
                                     max(0.0, deadline - time.monotonic()))
        if payload is None:
            return None
        try:
            response = parse_pin_response(payload)
        except WireError as error:
            log.warning("ignored a PIN answer from HQ: %s", error)
            return None
        if response.outcome != "refused":
            return PinCheck(PinCheckOutcome(response.outcome), response.tries_left)
        if response.reason == KEY_STALE:
            # HQ's workers hold different keys (hq.pin_secrets): as if HQ did not answer.
            log.warning("HQ refused the PIN key %s as stale", key.key_id)
            return None
        raise DomainError(response.reason or SEAL_REFUSED)


def _raise_refusal(response: LookupResponse) -> None:
    if response.reason:
        raise DomainError(response.reason)


