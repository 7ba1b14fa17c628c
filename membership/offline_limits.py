"""Offline limits (decision 6): what a terminal may debit from stored value and count cards while
it cannot reach HQ. HQ owns them and publishes them as the `offline_limits` configuration
document; the terminal reads the same document back with `from_document`. Both sides use this
one class, so the defaults and the document's shape cannot drift apart.

Document body:
    {"per_card_fen": 20000, "per_card_uses": 1, "per_terminal_fen": 200000,
     "cards": {"8800000000001234": {"fen": 50000, "uses": 3}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from membership.money import Fen

DEFAULT_CARD_LIMIT_FEN: Fen = 20_000  # ¥200 a card until HQ says otherwise
DEFAULT_CARD_LIMIT_USES = 1  # one use of any one count service
DEFAULT_TERMINAL_LIMIT_FEN: Fen = 200_000  # ¥2,000 of unsynced card debits on one terminal


@dataclass(frozen=True)
class OfflineLimits:
    per_card_fen: Fen = DEFAULT_CARD_LIMIT_FEN
    per_card_uses: int = DEFAULT_CARD_LIMIT_USES
    per_terminal_fen: Fen = DEFAULT_TERMINAL_LIMIT_FEN
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
                   _card_overrides(cards) if isinstance(cards, Mapping) else {})

    def to_document(self) -> dict[str, Any]:
        return {"per_card_fen": self.per_card_fen, "per_card_uses": self.per_card_uses,
                "per_terminal_fen": self.per_terminal_fen,
                "cards": {card_no: dict(limits) for card_no, limits in sorted(self.cards.items())}}

    def for_card(self, card_no: str, kind: str) -> int:
        """The card's limit: in uses for kind "count", in fen otherwise."""
        override = self.cards.get(card_no, {})
        if kind == "count":
            return int(override.get("uses", self.per_card_uses))
        return int(override.get("fen", self.per_card_fen))


def _is_limit(value: Any) -> bool:
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
