"""What the cashier services need from HQ, as Protocols: the member directory and member PIN
checks over MQTT 5 request/response (implemented in terminal/sync/, faked by hand in tests).

Every call runs on a worker thread (never the UI thread) and returns within the sync's request
time-out. `None` means HQ could not be asked or did not answer in time: the caller falls back to
what the terminal knows (its store, the offline PIN verifier) within the offline limits.
A PIN is passed as a `huiyuan_devices.keypad.base.Pin` and revealed only inside the
implementation that encrypts it for HQ; it is never logged, stored or put in an exception.

Member profiles reach HQ as `member.registered` events through the outbox (so enrolment works
offline and exactly once), not through a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from huiyuan_devices.keypad.base import Pin

from membership.birthdays import Birthday
from membership.cards import Card
from membership.ledger import CardBalances


@dataclass(frozen=True)
class MemberProfile:
    """A member as HQ registers them (enrolment gives these; HQ is the directory)."""

    member_id: str
    name: str = ""
    phone: str = ""  # 11 digits, shown masked (membership.receipts.mask_phone)
    birthday: Birthday | None = None


@dataclass(frozen=True)
class CardRef:
    """How a card was presented: by our member application's card number, or only a UID."""

    card_no: str = ""
    uid: str = ""


@dataclass(frozen=True)
class MemberRecord:
    """One card of a member, as HQ knows it now: enough for the terminal to decide operations
    on a card enrolled at another store (its balances with every lot, not only totals)."""

    profile: MemberProfile
    card: Card
    balances: CardBalances  # derived by HQ from its ledger, lots included
    as_of: datetime  # HQ's clock when it answered
    uid: str = ""  # the card's UID bound at enrolment, "" when none
    offline_pin_verifier: str = ""  # membership.pin_hash verifier without pepper; "" = no PIN
    coupons: tuple[str, ...] = ()  # codes of the member's unused coupons
    other_cards: tuple[str, ...] = field(default=())  # the member's other card numbers


class PinCheckOutcome(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # tries_left says how many before the lockout
    LOCKED = "locked"  # too many wrong PINs: only HQ (or a manager at HQ) unlocks
    NOT_SET = "not_set"  # the card has no PIN


@dataclass(frozen=True)
class PinCheck:
    outcome: PinCheckOutcome
    tries_left: int = 0


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
