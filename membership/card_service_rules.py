"""The rules HQ checks for the card services that take a fee or move a card's balances
(membership.card_service, membership.lifecycle): enrolment (开卡, join fee), replacement
(换卡 / 补卡, replacement fee), extension (延期, annual fee) and cancellation (退卡, fee kept
from the principal).

`card_service_reason` returns "" when the event's fee and entries are what the rule gives,
else the reason HQ quarantines it under (hq.ingest.card_service_checks). Pure: HQ passes in the
fees of every published version of the card's type (none when it does not know the type: then
the fee is not judged, the entries still are).

- a fee paid in (join, replacement, annual) is one a published version gives (a subsidiary
  card's enrolment none) and its tenders pay exactly it, in money (stored value and counts pay
  nothing in);
- a replacement only moves balances: out of the old card (`transfer_out`), into the new one
  (`transfer_in`), the same amount of every account, lot and service;
- an extension moves nothing, and neither does a loss, freeze or their lifting, or a shift;
- a cancellation only closes the card: its principal paid back (`cancel_refund`), everything
  else forfeited (`forfeit`), and the principal splits into `refund_to_member` and `fee_kept`,
  the published cancellation fee (at most the principal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from membership.cards import Fees
from membership.event_rules import paid_in
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.tenders import TenderKind

ISSUE = "card.issued"
REPLACE = "card.replaced"
EXTEND = "card.extended"
CANCEL = "card.cancelled"
# What moves no balance at all: a card's status, a shift (cash counted is the drawer's).
NO_ENTRY_EVENTS = frozenset({"card.lost", "card.found", "card.frozen", "card.unfrozen",
                             "shift.opened", "shift.closed"})
CARD_SERVICES = frozenset({ISSUE, REPLACE, EXTEND, CANCEL}) | NO_ENTRY_EVENTS

FEE_NOT_AS_PUBLISHED = "fee_not_as_published"
FEE_NOT_PAID = "fee_not_paid"
SERVICE_ENTRIES = "card_service_entries"

_FEE_FIELDS = {ISSUE: "join_fee", REPLACE: "fee", EXTEND: "fee"}
_CARD_TENDERS = {TenderKind.STORED_VALUE.value, TenderKind.COUNT.value}


def card_service_reason(event_type: str, payload: Mapping[str, Any],
                        entries: Sequence[LedgerEntry], fees: Iterable[Fees]) -> str:
    fees = list(fees)
    if event_type in NO_ENTRY_EVENTS:
        return SERVICE_ENTRIES if entries else ""
    if event_type == CANCEL:
        return _cancel_reason(payload, entries, fees)
    if event_type not in _FEE_FIELDS:
        return ""
    fee = payload.get(_FEE_FIELDS[event_type], 0)
    if fees and fee not in _published_fees(event_type, payload, fees):
        return FEE_NOT_AS_PUBLISHED
    tenders = payload.get("tenders", [])
    if not isinstance(tenders, list) or any(
            isinstance(tender, Mapping) and tender.get("kind") in _CARD_TENDERS
            for tender in tenders) or paid_in(tenders) != fee:
        return FEE_NOT_PAID
    if event_type == EXTEND and entries:
        return SERVICE_ENTRIES
    if event_type == REPLACE and not _only_moved(payload, entries):
        return SERVICE_ENTRIES
    return ""


def _published_fees(event_type: str, payload: Mapping[str, Any], fees: Sequence[Fees]
                    ) -> set[int]:
    if event_type == ISSUE:
        return {0} if payload.get("parent_card_no") else {item.join for item in fees}
    if event_type == REPLACE:
        return {item.replacement for item in fees}
    return {item.annual for item in fees}


def _only_moved(payload: Mapping[str, Any], entries: Sequence[LedgerEntry]) -> bool:
    old, new = payload.get("old_card_no"), payload.get("new_card_no")
    moved: dict[tuple[Account, str, str], int] = {}
    for entry in entries:
        out = (entry.card_no, entry.kind, entry.delta < 0) == (old, EntryKind.TRANSFER_OUT, True)
        into = (entry.card_no, entry.kind, entry.delta > 0) == (new, EntryKind.TRANSFER_IN, True)
        if out or into:
            key = (entry.account, entry.lot, entry.service)
            moved[key] = moved.get(key, 0) + entry.delta
        else:
            return False
    return all(total == 0 for total in moved.values())


def _cancel_reason(payload: Mapping[str, Any], entries: Sequence[LedgerEntry],
                   fees: Sequence[Fees]) -> str:
    card_no = payload.get("card_no")
    for entry in entries:
        refund = entry.account is Account.PRINCIPAL
        kind = EntryKind.CANCEL_REFUND if refund else EntryKind.FORFEIT
        if entry.card_no != card_no or entry.kind is not kind or entry.delta >= 0:
            return SERVICE_ENTRIES
    principal = -sum(entry.delta for entry in entries if entry.account is Account.PRINCIPAL)
    refunded, kept = payload.get("refund_to_member", 0), payload.get("fee_kept", 0)
    if not isinstance(refunded, int) or not isinstance(kept, int) or refunded < 0 or kept < 0 \
            or refunded + kept != principal:
        return SERVICE_ENTRIES
    if fees and kept not in {min(item.cancellation, principal) for item in fees}:
        return FEE_NOT_AS_PUBLISHED
    return "" if payload.get("tenders", []) == [] else FEE_NOT_PAID
