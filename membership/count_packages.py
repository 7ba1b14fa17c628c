"""Count packages (计次卡): buying a package of uses of a service, using them first-in
first-out (the package that expires soonest first), and giving uses back on a refund.

Each purchase is its own lot, with its service and validity, so that expiry is exact and a
refund puts uses back into the very package they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import NoReturn

from membership.cards import Card, CardType, CountPackage, Feature
from membership.errors import CardStateError, CountError, InvalidInput, RefundError
from membership.ledger import (
    Account,
    CardBalances,
    EntryKind,
    LedgerEntry,
    Lot,
    debit_lots_fifo,
)
from membership.lifecycle import ensure_can_pay, ensure_type_matches


def find_package(card_type: CardType, code: str) -> CountPackage:
    for package in card_type.count_packages:
        if package.code == code:
            return package
    raise InvalidInput("count.unknown_package", code=code, type_code=card_type.code)


def purchase_entries(
    card: Card, card_type: CardType, package: CountPackage, op_id: str, at: datetime,
    qty: int = 1,
) -> list[LedgerEntry]:
    """购买次卡: one lot of uses × qty, valid from today for the package's validity_days
    (last usable day = today + validity_days - 1; no validity_days: never expires)."""
    ensure_type_matches(card, card_type)
    ensure_can_pay(card, at.date())
    if card.is_subsidiary:
        raise CardStateError("purchase.subsidiary_card", card_no=card.card_no,
                             parent_card_no=card.parent_card_no)
    if not card_type.has(Feature.COUNT):
        raise CardStateError("card.no_count", card_no=card.card_no)
    if package not in card_type.count_packages:
        raise InvalidInput("count.unknown_package", code=package.code, type_code=card_type.code)
    if qty <= 0:
        raise InvalidInput("input.invalid", field="qty", value=qty)
    _require_op(op_id)
    start = at.date()
    valid_until = (
        None if package.validity_days is None
        else start + timedelta(days=package.validity_days - 1)
    )
    return [LedgerEntry(
        op_id=op_id, card_no=card.card_no, account=Account.COUNT, delta=package.uses * qty,
        kind=EntryKind.PURCHASE, at=at, lot=f"{op_id}:{package.code}", service=package.service,
        valid_from=start, valid_until=valid_until,
    )]


def use_entries(
    card: Card, balances: CardBalances, service: str, uses: int, op_id: str, at: datetime,
    line_no: int | None = None,
) -> list[LedgerEntry]:
    """计次消费: take `uses` from the usable packages of `service`, soonest expiry first."""
    if uses <= 0:
        raise CountError("input.invalid", field="uses", value=uses)
    _require_op(op_id)
    ensure_can_pay(card, at.date())
    day = at.date()
    lots = [lot for lot in balances.count_lots if lot.service == service]
    usable = balances.counts_for(service, day)
    if usable < uses:
        _raise_shortage(lots, service, uses, usable, day)
    # Each use carries its package's terms, so that a refund can reopen the package with them
    # on a card that no longer holds it (a replacement takes no empty package along).
    return [
        LedgerEntry(
            op_id=op_id, card_no=card.card_no, account=Account.COUNT, delta=-taken,
            kind=EntryKind.USE, at=at, lot=lot.lot, service=service, line_no=line_no,
            valid_from=lot.valid_from, valid_until=lot.valid_until,
        )
        for lot, taken in debit_lots_fifo(lots, uses, day)
    ]


def _raise_shortage(
    lots: Sequence[Lot], service: str, uses: int, usable: int, day: date
) -> NoReturn:
    expired = [  # (last valid day, uses left) of the lots that ran out before `day`
        (lot.valid_until, lot.remaining) for lot in lots
        if lot.remaining > 0 and lot.valid_until is not None and lot.valid_until < day
    ]
    if usable == 0 and expired:
        raise CountError(
            "count.expired", service=service,
            expired_on=max(last_day for last_day, _ in expired),
            expired_uses=sum(remaining for _, remaining in expired),
        )
    raise CountError("count.insufficient", service=service, needed=uses, remaining=usable)


def restore_entries(
    card_no: str, used_entries: Sequence[LedgerEntry], uses: int, op_id: str, at: datetime,
    already_restored: Sequence[LedgerEntry] = (),
) -> list[LedgerEntry]:
    """Give `uses` back into the packages an earlier operation took them from.

    `used_entries` are that operation's USE entries; `already_restored` the REFUND entries of
    earlier partial refunds of it, so the total given back never exceeds what was taken. The
    last package taken from (the one that expires latest) is refilled first. A package that has
    expired since keeps its expiry: the uses come back expired.
    """
    if uses <= 0:
        raise CountError("input.invalid", field="uses", value=uses)
    _require_op(op_id)
    original_op = _original_op(used_entries)
    left = _left_to_restore(used_entries, already_restored)
    available = sum(left.values())
    if uses > available:
        raise RefundError("refund.count_exceeds_used", requested=uses, available=available)
    entries = []
    needed = uses
    for used in reversed(used_entries):
        portion = min(left[(used.lot, used.line_no)], needed)
        if portion <= 0:
            continue
        left[(used.lot, used.line_no)] -= portion
        needed -= portion
        entries.append(LedgerEntry(
            op_id=op_id, card_no=card_no, account=Account.COUNT, delta=portion,
            kind=EntryKind.REFUND, at=at, lot=used.lot, service=used.service,
            valid_from=used.valid_from, valid_until=used.valid_until,
            reverses_op=original_op, line_no=used.line_no,
        ))
    return entries


def _original_op(used_entries: Sequence[LedgerEntry]) -> str:
    ops = {entry.op_id for entry in used_entries}
    if len(ops) != 1 or any(
        entry.account is not Account.COUNT or entry.kind is not EntryKind.USE or entry.delta >= 0
        for entry in used_entries
    ):
        raise InvalidInput("count.not_uses_of_one_operation", ops=sorted(ops))
    return ops.pop()


def _left_to_restore(
    used_entries: Sequence[LedgerEntry], already_restored: Sequence[LedgerEntry]
) -> dict[tuple[str, int | None], int]:
    left: dict[tuple[str, int | None], int] = {}
    for used in used_entries:
        key = (used.lot, used.line_no)
        left[key] = left.get(key, 0) - used.delta
    original_op = used_entries[0].op_id
    for restored in already_restored:
        key = (restored.lot, restored.line_no)
        same_op = restored.reverses_op == original_op
        if same_op and restored.account is Account.COUNT and key in left:
            left[key] -= restored.delta
    return {key: max(amount, 0) for key, amount in left.items()}


def _require_op(op_id: str) -> None:
    if not op_id.strip():
        raise InvalidInput("input.invalid", field="op_id")
