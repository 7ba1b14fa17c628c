"""Which store may act on which card or member (issue 10, "a card or member the terminal's store
may not act on"). Pure: HQ looks up who issued each card and who registered each member, and
passes them in; `cross_store_reason` returns "" when the rules allow the event, else the reason
HQ quarantines it under.

A member may *spend* at any store of the chain (通用卡): sales, count uses, refunds, top-ups,
purchases and withdrawals are allowed from every store, and a loss or a freeze may be reported
anywhere (a member reports a lost card at the nearest counter). What changes a card's ownership
or terms, or lifts a block, is the issuing store's alone: a replacement, a re-issue (a second
`card.issued` for a card already issued), an extension, a cancellation, lifting a loss or a
freeze, a subsidiary card bound to a parent card, the first PIN. A member's profile is changed
only by the store that registered the member (another store may send the same profile again).
HQ has no online authorisation of card services, so nothing else opens these.

An issuer of "" is unknown (a card issued by a terminal whose store HQ does not know, a card
whose `card.issued` has not reached HQ, a card from before HQ recorded issuers): not judged.
Nor is a terminal whose own store HQ does not know (not registered with `hq terminal add`, and
none of its events named one): refusing it would protect nothing, since such a terminal names
its store in its first batch (hq.ingest), and would quarantine an honest new terminal's work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from membership.profiles import ProfileExtras, read_extras

NOT_OWN_STORE = "not_own_store"
REPLACE_NOT_OWN_STORE = "replace_not_own_store"
REISSUE_NOT_OWN_STORE = "reissue_not_own_store"
PARENT_NOT_OWN_STORE = "parent_not_own_store"
PROFILE_NOT_OWN_STORE = "profile_not_own_store"
PIN_NOT_OWN_STORE = "pin.not_own_store"  # a refusal's message key on the wire (pin/resp)

CARD_ISSUED = "card.issued"
CARD_REPLACED = "card.replaced"
MEMBER_REGISTERED = "member.registered"
# Card services only the issuing store may send (besides card.issued and card.replaced).
ISSUING_STORE_ONLY = frozenset({"card.extended", "card.cancelled", "card.found",
                                "card.unfrozen"})
PROFILE_FIELDS = ("name", "phone", "birthday")
# Every event type the rules judge: any other is allowed from every store.
JUDGED = frozenset({CARD_ISSUED, CARD_REPLACED, MEMBER_REGISTERED, *ISSUING_STORE_ONLY})


@dataclass(frozen=True)
class MemberOwner:
    """The store that registered a member ("" unknown), and the profile HQ holds."""

    store_id: str
    profile: Mapping[str, Any]  # PROFILE_FIELDS, and EXTRA_FIELDS when HQ holds them


def may_act(acting_store: str, issuing_store: str) -> bool:
    """Whether a terminal of `acting_store` may change a card issued by `issuing_store` (""
    for either: unknown, not judged)."""
    return not issuing_store or not acting_store or acting_store == issuing_store


def cross_store_reason(event_type: str, payload: Mapping[str, Any], acting_store: str,
                       issuers: Mapping[str, str],
                       members: Mapping[str, MemberOwner] | None = None) -> str:
    """"" when a terminal of `acting_store` may send this event, else the reason it may not.
    `issuers` maps card numbers to their issuing store ("" or absent: unknown); `members`
    maps member ids HQ knows to their owner."""
    if event_type == CARD_ISSUED:
        return _issue_reason(payload, acting_store, issuers)
    if event_type == CARD_REPLACED:
        cards = (_text(payload, "old_card_no"), _text(payload, "new_card_no"))
        if any(not may_act(acting_store, issuers.get(card, "")) for card in cards if card):
            return REPLACE_NOT_OWN_STORE
        return ""
    if event_type in ISSUING_STORE_ONLY:
        card_no = _text(payload, "card_no")
        return "" if may_act(acting_store, issuers.get(card_no, "")) else NOT_OWN_STORE
    if event_type == MEMBER_REGISTERED:
        owner = (members or {}).get(_text(payload, "member_id"))
        if owner is None or may_act(acting_store, owner.store_id):
            return ""
        return "" if same_profile(payload, owner.profile) else PROFILE_NOT_OWN_STORE
    return ""


def same_profile(payload: Mapping[str, Any], profile: Mapping[str, Any]) -> bool:
    """The registration says what HQ already holds: it changes nothing. The details of a
    profile edit (membership.profiles.EXTRA_FIELDS) count when the registration carries them."""
    if not all(payload.get(name, "") == profile.get(name, "") for name in PROFILE_FIELDS):
        return False
    held = read_extras(profile) or ProfileExtras()
    sent = read_extras(payload)
    return sent is None or sent == held


def _issue_reason(payload: Mapping[str, Any], acting_store: str,
                  issuers: Mapping[str, str]) -> str:
    if not may_act(acting_store, issuers.get(_text(payload, "card_no"), "")):
        return REISSUE_NOT_OWN_STORE
    parent = _text(payload, "parent_card_no")
    if parent and not may_act(acting_store, issuers.get(parent, "")):
        return PARENT_NOT_OWN_STORE
    return ""


def issuer_after(event_type: str, payload: Mapping[str, Any], acting_store: str,
                 issuers: Mapping[str, str]) -> dict[str, str]:
    """The issuers an allowed event sets (card number -> store): the first issue of a card
    makes its store the issuer; a replacement's new card keeps the old card's issuer."""
    if event_type == CARD_ISSUED:
        card_no = _text(payload, "card_no")
        if card_no and not issuers.get(card_no):
            return {card_no: acting_store}
    elif event_type == CARD_REPLACED:
        old, new = _text(payload, "old_card_no"), _text(payload, "new_card_no")
        if old and new and issuers.get(old) and not issuers.get(new):
            return {new: issuers[old]}
    return {}


def _text(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    return value if isinstance(value, str) else ""
