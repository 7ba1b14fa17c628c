"""The rules HQ checks for the counter operations that move a member's balances without a sale:
a withdrawal (取款) and the purchase of a count package (次卡) or a period pass (月卡).

Each returns "" when its event's entries are what the operation gives, else the reason HQ
quarantines it under (hq.ingest.quarantine). Pure: HQ passes in what it knows (the principal on
the card, the packages and passes its published card types offer).

- `card.withdrawn`: principal only (bonus is a gift and never paid out), as much as the event
  says, and no more than the principal HQ knows on the card: paying out more is bonus or
  another terminal's money leaving as cash.
- `package.purchased`: the uses of a package some published version of the card's type offers
  (`uses` × qty of its service), at its price × qty, paid in full by the tenders (stored value
  drawn as its tender says).
- `pass.purchased`: one pass of a published pass, at its price, paid in full.
- `gift.redeemed`: the points of a published gift × qty, taken as points redeemed, nothing
  else (the gift is the store's stock; points kept back would be points minted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeGuard

from membership.cards import CountPackage, PeriodPass
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.points import Gift
from membership.tenders import TenderKind

WITHDRAW = "card.withdrawn"
PACKAGE = "package.purchased"
PASS = "pass.purchased"
GIFT = "gift.redeemed"
PURCHASES = frozenset({PACKAGE, PASS})

WITHDRAW_ENTRIES = "withdraw_entries"
WITHDRAW_BEYOND_PRINCIPAL = "withdraw_beyond_principal"
PURCHASE_UNKNOWN = "purchase_unknown"  # no published card type offers it
PURCHASE_ENTRIES = "purchase_entries"  # not the uses, or not the pass, it gives
PURCHASE_NOT_PAID = "purchase_not_paid"
GIFT_UNKNOWN = "gift_unknown"  # no published points_rules offers it for those points
GIFT_ENTRIES = "gift_entries"

_STORED_VALUE = (Account.PRINCIPAL, Account.BONUS)


def withdrawal_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                      principal_at_hq: int) -> str:
    amount = payload.get("amount")
    if not _whole(amount) or amount <= 0 or any(
            entry.account is not Account.PRINCIPAL or entry.kind is not EntryKind.WITHDRAW
            or entry.delta >= 0 for entry in entries):
        return WITHDRAW_ENTRIES
    if -sum(entry.delta for entry in entries) != amount:
        return WITHDRAW_ENTRIES
    return WITHDRAW_BEYOND_PRINCIPAL if amount > principal_at_hq else ""


def package_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                   offered: Iterable[CountPackage]) -> str:
    """`offered`: the packages of the event's code in every published version of the card's
    type (an honest terminal may sell from an older version)."""
    qty, price = payload.get("qty"), payload.get("price")
    if not _whole(qty) or qty <= 0 or not _whole(price):
        return PURCHASE_ENTRIES
    candidates = [package for package in offered if package.price * qty == price]
    if not candidates:
        return PURCHASE_UNKNOWN
    lots = [entry for entry in entries if entry.account is not Account.PRINCIPAL
            and entry.account is not Account.BONUS]
    fits = any(len(lots) == 1 and lots[0].account is Account.COUNT
               and lots[0].kind is EntryKind.PURCHASE and lots[0].service == package.service
               and lots[0].delta == package.uses * qty for package in candidates)
    return paid_reason(payload, entries, price) if fits else PURCHASE_ENTRIES


def pass_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                offered: Iterable[PeriodPass]) -> str:
    price = payload.get("price")
    candidates = [period_pass for period_pass in offered if period_pass.price == price]
    if not _whole(price) or not candidates:
        return PURCHASE_UNKNOWN
    lots = [entry for entry in entries if entry.account not in _STORED_VALUE]
    fits = any(len(lots) == 1 and lots[0].account is Account.PASS
               and lots[0].kind is EntryKind.PURCHASE and lots[0].delta == 1
               and lots[0].service == period_pass.service for period_pass in candidates)
    return paid_reason(payload, entries, price) if fits else PURCHASE_ENTRIES


def gift_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                offered: Iterable[Gift]) -> str:
    """`offered`: the gifts of the event's code in every published `points_rules` version."""
    qty, points = payload.get("qty"), payload.get("points")
    if not _whole(qty) or qty <= 0 or not _whole(points):
        return GIFT_ENTRIES
    if not any(gift.points_cost * qty == points for gift in offered):
        return GIFT_UNKNOWN
    redeemed = all(entry.account is Account.POINTS and entry.kind is EntryKind.REDEEM
                   and entry.delta < 0 for entry in entries)
    return "" if redeemed and -sum(entry.delta for entry in entries) == points else GIFT_ENTRIES


def paid_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry], price: int) -> str:
    """The tenders pay the price exactly, and the card's draw is its stored-value tender."""
    tenders = payload.get("tenders")
    if not isinstance(tenders, list):
        return PURCHASE_NOT_PAID
    amounts: dict[str, int] = {}
    for tender in tenders:
        amount = tender.get("amount") if isinstance(tender, Mapping) else None
        kind = tender.get("kind") if isinstance(tender, Mapping) else None
        if not _whole(amount) or amount <= 0 or kind == TenderKind.COUNT.value:
            return PURCHASE_NOT_PAID
        amounts[str(kind)] = amounts.get(str(kind), 0) + amount
    drawn = -sum(entry.delta for entry in entries if entry.account in _STORED_VALUE)
    stored_value_ok = all(entry.kind is EntryKind.SPEND and entry.delta < 0
                          for entry in entries if entry.account in _STORED_VALUE)
    paid = sum(amounts.values()) == price
    return "" if paid and stored_value_ok and drawn == amounts.get(
        TenderKind.STORED_VALUE.value, 0) else PURCHASE_NOT_PAID


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
