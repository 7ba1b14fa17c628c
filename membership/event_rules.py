"""What a terminal's event may put in the ledger: the rules HQ checks before it applies one.

HQ does not copy a terminal's ledger entries on trust (issue 10, point 2). This is the first
slice of that check, for the mint classes that need no re-pricing: an entry kind only HQ may
write, a top-up crediting more than its tenders paid or more bonus than the card type's rule
gives, an enrolment or registration carrying any entry, an entry on a card the event does not
name, a refund or void giving back more than is left of its sale (or of a sale HQ does not
have), entries that would take a card's balance beyond what any card can hold.
`quarantine_reason` returns "" for an event a rule allows, else the reason HQ files it under in
its quarantine. Pure: HQ looks up the inputs (the bonus limit, what is left of a sale, the
card's balances) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from membership.cards import BonusTier
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.money import MAX_FEN
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
TOPUP_BONUS_WITHOUT_RULE = "topup_bonus_without_rule"
REFUND_NOT_OF_ITS_SALE = "refund_not_of_its_sale"
REFUND_BEYOND_SALE = "refund_beyond_sale"
REFUND_SALE_UNKNOWN = "refund_sale_unknown"
BALANCE_OUT_OF_RANGE = "balance_out_of_range"
# What one account of one card may hold, either way: fen of principal or bonus, points, uses,
# minutes, passes. An honest card is far inside it (an entry's delta is itself within MAX_FEN);
# a sum of many in-range credits is not, and beyond it a database's 64-bit SUM could overflow.
MAX_BALANCE = MAX_FEN
REFUNDS = frozenset({"sale.refunded", "sale.voided"})


def quarantine_reason(event_type: str, payload: Mapping[str, Any],
                      entries: Sequence[LedgerEntry], bonus_limit: int | None = None,
                      refund_left: Mapping[Account, int] | None = None) -> str:
    """"" when the rules allow the event's entries, else the first reason they do not.

    `bonus_limit` is the most bonus a top-up of its principal may carry (HQ derives it from
    the card type's published bonus rule); None when HQ has published no rule: then no bonus
    is allowed. `refund_left` is, per account, what the referenced sale took from the card
    less what earlier refunds gave back (`left_to_refund`); None when HQ does not have the
    sale (HQ asks only once every event of the terminal below the refund is in)."""
    if any(entry.kind in HQ_ONLY_KINDS for entry in entries):
        return HQ_ONLY_KIND
    named = cards_named(payload)
    if any(entry.card_no not in named for entry in entries):
        return CARD_NOT_NAMED
    if event_type in NO_ENTRY_EVENTS and entries:
        return ENTRIES_NOT_ALLOWED
    if event_type == TOP_UP:
        return _top_up_reason(payload, entries, bonus_limit)
    if event_type in REFUNDS:
        return _refund_reason(payload, entries, refund_left)
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
    if bonus and bonus_limit is None:
        return TOPUP_BONUS_WITHOUT_RULE
    if bonus and bonus_limit is not None and bonus > bonus_limit:
        return TOPUP_BONUS_BEYOND_RULE
    return ""


def left_to_refund(sale_deltas: Iterable[tuple[Account, int]],
                   refund_deltas: Iterable[tuple[Account, int]]) -> dict[Account, int]:
    """Per account, what a sale took from the card (its negative deltas) less what refunds of
    it gave back (their positive deltas)."""
    left: dict[Account, int] = {}
    for account, delta in sale_deltas:
        if delta < 0:
            left[account] = left.get(account, 0) - delta
    for account, delta in refund_deltas:
        if delta > 0:
            left[account] = left.get(account, 0) - delta
    return left


def _refund_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                   refund_left: Mapping[Account, int] | None) -> str:
    """A refund or void gives back only what its sale took: each credit names the sale, and
    per account the credits stay within what is left of it."""
    credits = [entry for entry in entries if entry.delta > 0]
    original = payload.get("original_op")
    if any(entry.reverses_op != original for entry in credits):
        return REFUND_NOT_OF_ITS_SALE
    if refund_left is None:
        return REFUND_SALE_UNKNOWN if credits else ""
    given: dict[Account, int] = {}
    for entry in credits:
        given[entry.account] = given.get(entry.account, 0) + entry.delta
    if any(amount > refund_left.get(account, 0) for account, amount in given.items()):
        return REFUND_BEYOND_SALE
    return ""


def gives_back(entries: Iterable[LedgerEntry]) -> bool:
    """Whether a refund's entries credit the card: only then does its sale have to be known."""
    return any(entry.delta > 0 for entry in entries)


def balances_after(balances: Mapping[tuple[str, Account], int], entries: Iterable[LedgerEntry]
                   ) -> dict[tuple[str, Account], int] | None:
    """Each (card, account) the entries touch, at its balance after them; None when one would
    leave -MAX_BALANCE..MAX_BALANCE (reason BALANCE_OUT_OF_RANGE). `balances` are the sums
    before (absent: 0). Python's integers do not overflow, so the check itself cannot."""
    after: dict[tuple[str, Account], int] = {}
    for entry in entries:
        key = (entry.card_no, entry.account)
        after[key] = after.get(key, balances.get(key, 0)) + entry.delta
    if any(abs(total) > MAX_BALANCE for total in after.values()):
        return None
    return after
