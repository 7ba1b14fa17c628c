"""A member's card as HQ's member directory describes it, and HQ's (or the card's) answer to a
PIN check: plain data that the terminal's sync builds from HQ's answers (terminal.sync.directory),
its store caches (terminal.store.members) and its cashier services decide with. The cashier's
ports (terminal/cashier/ports.py) speak in these types; they live here so that the sync and the
store, which the cashier depends on, need nothing from the cashier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from membership.birthdays import Birthday
from membership.cards import Card
from membership.ledger import CardBalances
from membership.profiles import ProfileExtras


@dataclass(frozen=True)
class MemberProfile:
    """A member as HQ registers them (enrolment gives these; HQ is the directory)."""

    member_id: str
    name: str = ""
    phone: str = ""  # 11 digits, shown masked (membership.receipts.mask_phone)
    birthday: Birthday | None = None
    extras: ProfileExtras | None = None  # None: not known (an older HQ answered)


@dataclass(frozen=True)
class CardRef:
    """How a card was presented: by our member application's card number, or only a UID."""

    card_no: str = ""
    uid: str = ""
    presented: bool = False  # read by this terminal's reader just now (not typed, not a lookup)


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
    last_visit: datetime | None = None  # the card's latest visit HQ knows (membership.visits)


class PinCheckOutcome(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # tries_left says how many before the lockout
    LOCKED = "locked"  # too many wrong PINs: only HQ (or a manager at HQ) unlocks
    NOT_SET = "not_set"  # the card has no PIN


@dataclass(frozen=True)
class PinCheck:
    """The answer to a PIN check, from HQ or from the card itself."""

    outcome: PinCheckOutcome
    tries_left: int = 0
