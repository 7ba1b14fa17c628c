"""Offline limits (decision 6): what a terminal may debit from stored value and count cards while
it cannot reach HQ. HQ owns them and publishes them as the `offline_limits` configuration
document; the terminal reads the same document back with `from_document`. Both sides use this
one class, so the defaults and the document's shape cannot drift apart.

`decide_offline_debit` is the terminal's decision when HQ cannot be asked (or does not answer
in time): the debit must fit the card's limit less what this terminal took from the card since
HQ last heard, the terminal's limit less everything it took from any card (stored value only),
and the last balance it knew. terminal.sync.debit_guard reads those from the store and asks HQ
first when it can; a DebitDecision says who decided.

Document body:
    {"per_card_fen": 20000, "per_card_uses": 1, "per_terminal_fen": 200000,
     "per_terminal_gifts": 2, "cards": {"8800000000001234": {"fen": 50000, "uses": 3}}}

`per_terminal_gifts`: the gift units (积分礼品) a terminal may hand out that HQ has not heard
of (membership.gift_stock.decide_offline_gift).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from membership.ledger import CardBalances
from membership.money import Fen

OFFLINE_LIMITS = "offline_limits"
STORED_VALUE = "stored_value"  # a debit's kind: fen of stored value (principal and bonus)
COUNT = "count"  # a debit's kind: uses of one count service
LIMIT_REACHED = "offline.limit_reached"
DEFAULT_CARD_LIMIT_FEN: Fen = 20_000  # ¥200 a card until HQ says otherwise
DEFAULT_CARD_LIMIT_USES = 1  # one use of any one count service
DEFAULT_TERMINAL_LIMIT_FEN: Fen = 200_000  # ¥2,000 of unsynced card debits on one terminal
DEFAULT_TERMINAL_GIFTS = 2  # gift units a terminal may redeem offline before HQ hears of them


@dataclass(frozen=True)
class OfflineLimits:
    per_card_fen: Fen = DEFAULT_CARD_LIMIT_FEN
    per_card_uses: int = DEFAULT_CARD_LIMIT_USES
    per_terminal_fen: Fen = DEFAULT_TERMINAL_LIMIT_FEN
    per_terminal_gifts: int = DEFAULT_TERMINAL_GIFTS
    cards: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # per-card overrides

    @classmethod
    def from_document(cls, body: Mapping[str, Any] | None) -> OfflineLimits:
        """A missing or malformed field keeps its (conservative) default."""
        body = body or {}

        def whole(name: str, default: int) -> int:
            value = body.get(name)
            return value if _is_limit(value) else default

        cards = body.get("cards")
        return cls(whole("per_card_fen", DEFAULT_CARD_LIMIT_FEN),
                   whole("per_card_uses", DEFAULT_CARD_LIMIT_USES),
                   whole("per_terminal_fen", DEFAULT_TERMINAL_LIMIT_FEN),
                   whole("per_terminal_gifts", DEFAULT_TERMINAL_GIFTS),
                   _card_overrides(cards) if isinstance(cards, Mapping) else {})

    def to_document(self) -> dict[str, Any]:
        return {"per_card_fen": self.per_card_fen, "per_card_uses": self.per_card_uses,
                "per_terminal_fen": self.per_terminal_fen,
                "per_terminal_gifts": self.per_terminal_gifts,
                "cards": {card_no: dict(limits) for card_no, limits in sorted(self.cards.items())}}

    def for_card(self, card_no: str, kind: str) -> int:
        """The card's limit: in uses for kind "count", in fen otherwise."""
        override = self.cards.get(card_no, {})
        if kind == "count":
            return int(override.get("uses", self.per_card_uses))
        return int(override.get("fen", self.per_card_fen))



@dataclass(frozen=True)
class DebitDecision:
    """May a card debit go ahead: HQ's answer (online) or this terminal's own (offline)."""

    approved: bool
    online: bool
    reason: str = ""  # a message key when refused
    available: int | None = None  # fen or uses left after it (refused: left before it)


@dataclass(frozen=True)
class OfflinePosition:
    """What the terminal knows of one card for one debit, in fen for stored value or in uses
    of the debit's service for a count."""

    # HQ's last authorisation answer, when newer than the cached card: what was available
    # before the debit it answered. None: no such answer.
    hq_available: int | None
    cached_available: int  # the cached card with this terminal's unacknowledged entries
    card_unsynced: int  # this terminal's debits of the card HQ has not acknowledged
    terminal_unsynced_fen: int = 0  # stored value taken from every card, unacknowledged

    def known_available(self) -> int:
        """The last balance this terminal knew, its own unsynced debits taken off. HQ's
        answer predates the debits made since, so they come off it; the cached card has them."""
        if self.hq_available is None:
            return self.cached_available
        return self.hq_available - self.card_unsynced


def available_in(balances: CardBalances, kind: str, service: str = "") -> int:
    """What a debit of `kind` could take from these balances: fen, or uses of `service`."""
    if kind == COUNT:
        return sum(lot.remaining for lot in balances.count_lots if lot.service == service)
    return balances.stored_value


def decide_offline_debit(card_no: str, kind: str, amount: int, limits: OfflineLimits,
                         position: OfflinePosition) -> DebitDecision:
    """Approve `amount` (fen, or uses for COUNT) when it fits all that applies: the card's
    limit less its unsynced debits, the terminal's limit less all its unsynced stored-value
    debits (not for counts: a use is not money), and the balance last known."""
    card_room = limits.for_card(card_no, kind) - position.card_unsynced
    left = min(card_room, position.known_available())
    if kind != COUNT:
        left = min(left, limits.per_terminal_fen - position.terminal_unsynced_fen)
    if amount > left:
        return DebitDecision(False, False, LIMIT_REACHED, max(left, 0))
    return DebitDecision(True, False, "", left - amount)

def _is_limit(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _card_overrides(cards: Mapping[Any, Any]) -> dict[str, dict[str, int]]:
    """Only well-formed entries: a bad one falls back to the defaults for that card."""
    overrides: dict[str, dict[str, int]] = {}
    for card_no, limits in cards.items():
        if isinstance(card_no, str) and isinstance(limits, Mapping):
            kept = {key: limits[key] for key in ("fen", "uses") if _is_limit(limits.get(key))}
            if kept:
                overrides[card_no] = kept
    return overrides
