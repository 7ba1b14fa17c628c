"""What a terminal's event may put in the ledger: the rules HQ checks before it applies one.

HQ does not copy a terminal's ledger entries on trust (issue 10, point 2). This is the first
slice of that check, for the mint classes that need no re-pricing: an entry kind only HQ may
write, a top-up crediting more than its tenders paid or more bonus than the card type's rule
gives, an enrolment or registration carrying any entry, an entry on a card the event does not
name. `quarantine_reason` returns "" for an event a rule allows, else the reason HQ files it
under in its quarantine. Pure: HQ looks up the inputs (the bonus limit) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from membership.cards import BonusTier
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.stored_value import bonus_for
from membership.tenders import TenderKind

# Kinds only HQ writes: a correction is an operator's decision, never a terminal's.
HQ_ONLY_KINDS = frozenset({EntryKind.ADJUST})
TOP_UP = "card.topped_up"
NO_ENTRY_EVENTS = frozenset({"member.registered", "card.issued"})
# Tenders that bring money in; stored value and counts are the card's own and pay nothing in.
_PAYING_TENDERS = frozenset(kind.value for kind in TenderKind) - {
    TenderKind.STORED_VALUE.value, TenderKind.COUNT.value}
_TOP_UP_ENTRIES = {Account.PRINCIPAL: EntryKind.TOPUP, Account.BONUS: EntryKind.TOPUP_BONUS}

HQ_ONLY_KIND = "hq_only_kind"
CARD_NOT_NAMED = "card_not_named"
ENTRIES_NOT_ALLOWED = "entries_not_allowed"
TOPUP_ENTRY_KIND = "topup_entry_kind"
TOPUP_PRINCIPAL_NOT_PAID = "topup_principal_not_paid"
TOPUP_BONUS_BEYOND_RULE = "topup_bonus_beyond_rule"


def quarantine_reason(event_type: str, payload: Mapping[str, Any],
                      entries: Sequence[LedgerEntry], bonus_limit: int | None = None) -> str:
    """"" when the rules allow the event's entries, else the first reason they do not.

    `bonus_limit` is the most bonus a top-up of its principal may carry (HQ derives it from
    the card type's published bonus rule); None when HQ has no rule to bound it by."""
    if any(entry.kind in HQ_ONLY_KINDS for entry in entries):
        return HQ_ONLY_KIND
    named = cards_named(payload)
    if any(entry.card_no not in named for entry in entries):
        return CARD_NOT_NAMED
    if event_type in NO_ENTRY_EVENTS and entries:
        return ENTRIES_NOT_ALLOWED
    if event_type == TOP_UP:
        return _top_up_reason(payload, entries, bonus_limit)
    return ""


def cards_named(payload: Mapping[str, Any]) -> set[str]:
    """The card numbers an event names at its top level (card_no, old_card_no, new_card_no,
    actor_card_no, ...): the only cards its entries may touch."""
    return {value for key, value in payload.items()
            if key.endswith("card_no") and isinstance(value, str) and value}


def paid_in(tenders: Iterable[Any]) -> int:
    """Fen the listed tenders brought in (cash kept, bank card, WeChat, Alipay)."""
    total = 0
    for tender in tenders:
        if not isinstance(tender, Mapping) or tender.get("kind") not in _PAYING_TENDERS:
            continue
        amount = tender.get("amount")
        if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0:
            total += amount
    return total


def top_up_principal(entries: Iterable[LedgerEntry]) -> int:
    return sum(entry.delta for entry in entries if entry.account is Account.PRINCIPAL)


def max_bonus(tier_sets: Iterable[Sequence[BonusTier]], paid: int) -> int | None:
    """The most bonus any of the bonus rules gives for `paid` (None when there is none): an
    honest terminal may have priced with any version HQ published."""
    bonuses = [bonus_for(tiers, paid) for tiers in tier_sets]
    return max(bonuses) if bonuses else None


def _top_up_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                   bonus_limit: int | None) -> str:
    if any(_TOP_UP_ENTRIES.get(entry.account) is not entry.kind or entry.delta <= 0
           for entry in entries):
        return TOPUP_ENTRY_KIND
    tenders = payload.get("tenders")
    paid = paid_in(tenders if isinstance(tenders, list) else [])
    if top_up_principal(entries) != paid:
        return TOPUP_PRINCIPAL_NOT_PAID
    bonus = sum(entry.delta for entry in entries if entry.account is Account.BONUS)
    if bonus and bonus_limit is not None and bonus > bonus_limit:
        return TOPUP_BONUS_BEYOND_RULE
    return ""
