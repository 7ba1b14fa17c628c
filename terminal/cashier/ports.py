"""What the cashier services need from HQ, as Protocols: the member directory and member PIN
checks over MQTT 5 request/response, and the debit guard that asks HQ to authorise a card debit
or decides it within the offline limits (implemented in terminal/sync/, faked by hand in tests).

Every call runs on a worker thread (never the UI thread) and returns within the sync's request
time-out. `None` means HQ could not be asked or did not answer in time: the caller falls back to
what the terminal knows (its store, the offline PIN verifier) within the offline limits.
A PIN is passed as a `huiyuan_devices.keypad.base.Pin` and revealed only inside the
implementation that encrypts it for HQ; it is never logged, stored or put in an exception.

Member profiles reach HQ as `member.registered` events through the outbox (so enrolment works
offline and exactly once), not through a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from huiyuan_devices.keypad.base import Pin

from membership.member_records import (
    CardRef,
    MemberProfile,
    MemberRecord,
    PinCheck,
    PinCheckOutcome,
)
from membership.offline_limits import DebitDecision

# The data the ports carry (membership.member_records), importable from here too.
__all__ = [
    "CardPinChecker", "CardRef", "DebitAuthoriser", "MemberDirectory", "MemberPinService",
    "MemberProfile", "MemberRecord", "PinCheck", "PinCheckOutcome", "PinProof",
]


class MemberDirectory(Protocol):
    def lookup_card(self, card: CardRef) -> MemberRecord | None:
        """The card's member and balances at HQ; None offline. An unknown card raises
        membership.errors.DomainError("card.unknown")."""

    def lookup_phone(self, phone: str) -> tuple[MemberRecord, ...] | None:
        """Every card of the member(s) with this phone number (often one); None offline."""



class MemberPinService(Protocol):
    def verify_pin(self, card_no: str, pin: Pin) -> PinCheck | None:
        """HQ checks the PIN (and counts a wrong one toward the lockout); None offline."""

    def set_pin(self, card_no: str, pin: Pin, old_pin: Pin | None = None) -> PinCheck | None:
        """Set (enrolment) or change a card's PIN at HQ; ACCEPTED when done, WRONG when
        `old_pin` did not match; None offline (a PIN can only be set online)."""


class DebitAuthoriser(Protocol):
    def authorise(self, op_id: str, card_no: str, kind: str, amount: int,
                  service: str = "") -> DebitDecision:
        """May this debit (fen of stored value, or uses of `service` for kind "count") go
        ahead: HQ's answer online, else the terminal's within the offline limits
        (terminal.sync.debit_guard). A blacklisted card is refused either way."""


class CardPinChecker(Protocol):
    """A card that checks its own PIN (our member application: ISO 7816 VERIFY through the
    card reader, with the retry counter on the card; decision 9). The PIN goes from the keypad
    to the card and nowhere else. Implemented with the card reader (huiyuan_devices)."""

    def verify(self, card_no: str, pin: Pin) -> PinCheck | None:
        """The card's answer (WRONG with the card's tries left, LOCKED when its counter ran
        out); None when the card could not be asked (removed, another card on the reader)."""


@dataclass(frozen=True)
class PinProof:
    """The member's PIN was checked for this card just now (by the card itself, by HQ, or
    offline against HQ's verifier). Operations that take money from a card require one; it
    carries no PIN."""

    card_no: str
    verified_at: datetime
    how: str  # "card", "hq" or "offline"
