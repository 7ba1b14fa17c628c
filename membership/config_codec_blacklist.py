"""The `blacklist` document (decision 6): the cards HQ has listed as unable to pay (lost,
frozen, cancelled), which every terminal refuses, offline too. HQ builds it from its card table
(hq.card_documents); a terminal's store refuses a malformed one whole when it is applied, so
the version in force stays (terminal.store.cache); the member desk and the debit guard read the
version in force back. All of them use this codec, so they cannot read it by different rules.

Body: {"cards": {"8800000000001234": "lost", "8800000000005678": "frozen"}}

A listed card takes the listed status, which must be one that forbids paying (any CardStatus
but active: HQ lists lost, frozen and cancelled cards today). A card number is a non-empty
printable text of at most MAX_ID_CHARS characters. Anything else refuses the whole document
with a ConfigError naming the document, the card (or its place in the list) and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from membership.cards import CardStatus
from membership.config_fields import BODY
from membership.errors import ConfigError
from membership.profiles import MAX_ID_CHARS

BLACKLIST = "blacklist"
BLOCKING_STATUSES = frozenset(CardStatus) - {CardStatus.ACTIVE}
_BLOCKING_BY_VALUE = {status.value: status for status in BLOCKING_STATUSES}
_BLOCKING_VALUES = frozenset(_BLOCKING_BY_VALUE)
# A bound on a misbehaving HQ: more than a document of protocol.wire.MAX_CONFIG_BYTES can hold.
MAX_LISTED_CARDS = 500_000
_CARDS = "cards"


@dataclass(frozen=True)
class Blacklist:
    """Card number -> the status it is listed with; a card not listed is not blocked here."""

    cards: Mapping[str, CardStatus] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not set(self.cards.values()) <= BLOCKING_STATUSES:
            wrong = sorted(card_no for card_no, status in self.cards.items()
                           if status not in BLOCKING_STATUSES)
            raise ValueError(f"cards {wrong} are listed with a status that allows paying")
        object.__setattr__(self, "cards", MappingProxyType(dict(self.cards)))

    def status_of(self, card_no: str) -> CardStatus | None:
        return self.cards.get(card_no)


def encode_blacklist(blacklist: Blacklist) -> dict[str, Any]:
    """The body HQ publishes, cards in number order."""
    return {_CARDS: {card_no: blacklist.cards[card_no].value
                     for card_no in sorted(blacklist.cards)}}


def decode_blacklist(body: Any) -> Blacklist:
    """The blacklist of a document body, strictly (see the module's docstring)."""
    if not isinstance(body, Mapping):
        raise ConfigError("config.field_type", document=BLACKLIST, item=BODY, field=BODY,
                          expected="object")
    unknown = sorted(str(key) for key in body if key != _CARDS)
    if unknown:
        raise ConfigError("config.field_unknown", document=BLACKLIST, item=BODY,
                          field=", ".join(unknown))
    if _CARDS not in body:
        raise ConfigError("config.field_missing", document=BLACKLIST, item=BODY, field=_CARDS)
    cards = body[_CARDS]
    if not isinstance(cards, Mapping):
        raise ConfigError("config.field_type", document=BLACKLIST, item=BODY, field=_CARDS,
                          expected="object")
    if len(cards) > MAX_LISTED_CARDS:
        raise ConfigError("config.list_too_long", document=BLACKLIST, item=BODY, field=_CARDS,
                          maximum=MAX_LISTED_CARDS)
    if not _all_card_nos_valid(cards):
        _refuse_first_card_no(cards)
    if not _all_statuses_blocking(cards):
        _refuse_first_status(cards)
    return Blacklist({card_no: _BLOCKING_BY_VALUE[status] for card_no, status in cards.items()})


# The terminal decodes the list in force for every member shown and every debit: these checks
# run over the whole list in C (10,000 cards in about a millisecond), and only a document that
# fails them is gone through card by card to name the culprit.

def _all_card_nos_valid(cards: Mapping[Any, Any]) -> bool:
    if not cards:
        return True
    try:
        joined = "".join(cards)
    except TypeError:  # a key that is not a text
        return False
    lengths = list(map(len, cards))
    return min(lengths) > 0 and max(lengths) <= MAX_ID_CHARS and joined.isprintable()


def _all_statuses_blocking(cards: Mapping[Any, Any]) -> bool:
    try:
        statuses = set(cards.values())
    except TypeError:  # a status that is an object or a list
        return False
    return all(type(status) is str for status in statuses) and statuses <= _BLOCKING_VALUES


def _refuse_first_card_no(cards: Mapping[Any, Any]) -> None:
    for index, card_no in enumerate(cards):
        if (not isinstance(card_no, str) or not 0 < len(card_no) <= MAX_ID_CHARS
                or not card_no.isprintable()):
            # The number itself is not repeated: it may be anything, of any length.
            raise ConfigError("config.card_no_invalid", document=BLACKLIST,
                              item=f"{_CARDS}[{index}]", field=_CARDS)


def _refuse_first_status(cards: Mapping[str, Any]) -> None:
    for card_no, status in cards.items():
        where = {"document": BLACKLIST, "item": card_no, "field": f"{_CARDS}.{card_no}"}
        if isinstance(status, float):
            raise ConfigError("config.float_refused", value=status, **where)
        if not isinstance(status, str):
            raise ConfigError("config.field_type", expected="text", **where)
        if status not in _BLOCKING_VALUES:
            allowed = ", ".join(sorted(_BLOCKING_VALUES))
            raise ConfigError("config.value_unknown", value=status[:MAX_ID_CHARS],
                              allowed=allowed, **where)
