"""The member's PIN (decision 9): checked by the card itself, by HQ, or offline against HQ's
verifier, and set or changed at HQ.

Order of checks for `verify`:
1. a card presented through our member application, when a CardPinChecker is configured:
   the card checks it (ISO 7816 VERIFY, its own retry counter) and nothing else sees the PIN;
2. online: HQ checks it and counts wrong PINs toward the card's lockout;
3. offline (no HQ, or HQ did not answer): the card's offline verifier from HQ, with a counter
   on this terminal — OFFLINE_PIN_TRIES wrong PINs in a row lock the card here until HQ answers
   for it again. A card without a verifier cannot be checked offline.
A card without a PIN gives no proof: operations that take money require one.

Every PIN is wiped after use, whatever happens; none is logged or put in an error.
"""

from __future__ import annotations

from huiyuan_devices.cardreader.base import CardSource
from huiyuan_devices.keypad.base import Pin

from membership.errors import DomainError, InvalidInput
from membership.pin_hash import PIN_MAX_DIGITS, PIN_MIN_DIGITS, matches
from terminal.cashier.context import CashierContext
from terminal.cashier.ports import PinCheck, PinCheckOutcome, PinProof
from terminal.cashier.store_ports import MemberPinStore

OFFLINE_PIN_TRIES = 3


class PinRefused(DomainError):
    """The PIN gave no proof: wrong, locked, not set, or it cannot be checked now."""

    key = "pin.refused"


class MemberPinDesk:
    def __init__(self, ctx: CashierContext) -> None:
        self.ctx = ctx
        self.store: MemberPinStore = ctx.store

    def verify(self, card_no: str, pin: Pin, source: CardSource | None = None) -> PinProof:
        """Proof that the member entered the card's PIN; `source` is how the card was read."""
        try:
            # Hook: a card with our member application checks its own PIN. The card reader's
            # VERIFY is plugged in as ctx.card_pins (terminal.cashier.ports.CardPinChecker).
            if source is CardSource.MEMBER_APP and self.ctx.card_pins is not None:
                check = self.ctx.card_pins.verify(card_no, pin)
                if check is None:
                    raise PinRefused("pin.card_unavailable")
                return self._proof(card_no, check, "card")
            answered = self._ask_hq(card_no, pin)
            if answered is not None:
                return answered
            return self._check_offline(card_no, pin)
        finally:
            pin.wipe()

    def set_pin(self, card_no: str, pin: Pin) -> None:
        """Give the card a PIN (at enrolment); only HQ can, so only online."""
        try:
            self._change_at_hq(card_no, pin, None)
        finally:
            pin.wipe()

    def change_pin(self, card_no: str, old_pin: Pin, new_pin: Pin) -> None:
        """Change the card's PIN at HQ, which checks the old one (a wrong one counts)."""
        try:
            self._change_at_hq(card_no, new_pin, old_pin)
        finally:
            old_pin.wipe()
            new_pin.wipe()

    def _ask_hq(self, card_no: str, pin: Pin) -> PinProof | None:
        if self.ctx.pins is None:
            return None
        # HQ's side may wipe what it was given; the offline check may still need the digits.
        for_hq = Pin(bytearray(pin.reveal(), "ascii"))
        try:
            check = self.ctx.pins.verify_pin(card_no, for_hq)
        finally:
            for_hq.wipe()
        if check is None:
            return None
        self.store.clear_pin_failures(_subject(card_no))  # HQ answered: lift the local lock
        return self._proof(card_no, check, "hq")

    def _check_offline(self, card_no: str, pin: Pin) -> PinProof:
        subject = _subject(card_no)
        if self.store.pin_failures(subject).failures >= OFFLINE_PIN_TRIES:
            raise PinRefused("pin.locked_offline")
        known = self.store.known_card(card_no)
        verifier = known.offline_pin_verifier if known is not None else ""
        if not verifier:
            raise PinRefused("pin.unavailable_offline")
        if matches(pin.reveal(), verifier):
            self.store.clear_pin_failures(subject)
            return PinProof(card_no, self.ctx.clock(), "offline")
        failed = self.store.record_pin_failure(subject, OFFLINE_PIN_TRIES, None,
                                                   self.ctx.clock())
        if failed.failures >= OFFLINE_PIN_TRIES:
            raise PinRefused("pin.locked_offline")
        raise PinRefused("pin.wrong", tries_left=OFFLINE_PIN_TRIES - failed.failures)

    def _change_at_hq(self, card_no: str, pin: Pin, old_pin: Pin | None) -> None:
        if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
            raise InvalidInput("pin.format", min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS)
        check = None if self.ctx.pins is None else self.ctx.pins.set_pin(card_no, pin, old_pin)
        if check is None:
            raise PinRefused("pin.needs_hq")
        self._proof(card_no, check, "hq")  # raises unless ACCEPTED
        # The old PIN must not open the card offline: HQ sends the new verifier next lookup.
        self.store.forget_offline_pin_verifier(card_no)
        self.store.clear_pin_failures(_subject(card_no))

    def _proof(self, card_no: str, check: PinCheck, how: str) -> PinProof:
        if check.outcome is PinCheckOutcome.ACCEPTED:
            return PinProof(card_no, self.ctx.clock(), how)
        if check.outcome is PinCheckOutcome.WRONG:
            raise PinRefused("pin.wrong", tries_left=check.tries_left)
        if check.outcome is PinCheckOutcome.LOCKED:
            # A member card blocks itself for good (reissue it); HQ can lift only its own lock.
            raise PinRefused("pin.card_locked" if how == "card" else "pin.locked")
        raise PinRefused("pin.not_set")


def _subject(card_no: str) -> str:
    return f"card:{card_no}"
