"""Refunds and voids (退货 / 撤销): reverse exactly what a sale did, partly or wholly, once.

For every refunded unit the refund gives back that unit's share of each tender, of principal and
bonus, of points used and earned, of count uses and of commission. The money shares come from
`money.unit_shares` (identical units give back identical amounts, to the fen where the line's
total divides), points and commission from `money.cumulative_share`; either way refunding a line
unit by unit, in any number of steps, returns exactly what the whole line took: no fen gained,
none lost. Points and count uses go back into
(and come back out of) the very lots the sale touched, so a full refund with nothing in between
leaves every lot as it was. A used coupon is not given back: the refund returns what was paid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from membership import commission, count_packages, points
from membership.errors import InvalidInput, RefundError
from membership.events import DomainEvent, entry_to_dict
from membership.ledger import (
    Account,
    CardBalances,
    EntryKind,
    LedgerEntry,
    derive_balances_after,
)
from membership.levels import Activity
from membership.money import Fen, cumulative_share, unit_shares
from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow, mask_card_no
from membership.sale_record import RecordLine, SaleRecord
from membership.tenders import TenderKind


@dataclass(frozen=True)
class RefundRecord:
    op_id: str
    original_op: str
    at: datetime
    quantities: tuple[tuple[int, int], ...]  # (line_no, units refunded)
    amount: Fen
    tender_refunds: tuple[tuple[str, Fen], ...]
    entries: tuple[LedgerEntry, ...] = ()
    commissions: tuple[commission.CommissionLine, ...] = ()
    is_void: bool = False


@dataclass(frozen=True)
class RefundRequest:
    op_id: str
    at: datetime
    original: SaleRecord
    authorised_by: str  # the store manager who allowed it
    prior_refunds: tuple[RefundRecord, ...] = ()
    quantities: Mapping[int, int] = field(default_factory=dict)  # empty: everything left
    reason: str = ""
    void: bool = False  # 撤销: the whole sale, only if nothing of it was refunded yet


@dataclass(frozen=True)
class RefundDecision:
    record: RefundRecord
    entries: tuple[LedgerEntry, ...]
    commissions: tuple[commission.CommissionLine, ...]
    activity: Activity | None  # for level evaluation: negative spend and points
    receipt: Receipt
    events: tuple[DomainEvent, ...]


def decide_refund(
    request: RefundRequest, balances: CardBalances | None, account_card_no: str = ""
) -> RefundDecision:
    """`balances` are the account card's now; `account_card_no` the card that holds the account
    now (after a replacement, the new card; the lots moved with the same ids)."""
    original = request.original
    card_no = account_card_no or original.card_no
    if not request.authorised_by:
        raise RefundError("refund.needs_manager")
    before = refunded_units(original, request.prior_refunds)
    quantities = _quantities(request, before)
    shares = [_LineShare.of(original.line(no), before.get(no, 0), qty)
              for no, qty in quantities.items()]
    entries = _stored_value_entries(shares, card_no, request)
    entries += _count_restores(original, request, shares, card_no)
    entries += _points_restores(original, request, shares, card_no)
    clawback = sum(share.points_earned for share in shares)
    if clawback:
        now = derive_balances_after(balances or CardBalances(), entries, card_no)
        entries += _points_clawback(original, request, clawback, card_no, now)
    qty_by_line = {line.line_no: line.qty for line in original.lines}
    commissions = tuple(
        commission.reverse_commissions(original.commissions, before, quantities, qty_by_line)
    )
    record = _record(request, quantities, shares, entries, commissions)
    return RefundDecision(
        record=record,
        entries=tuple(entries),
        commissions=commissions,
        activity=Activity(request.at, spend=-record.amount, points=-clawback) if card_no else None,
        receipt=_receipt(record, original, shares, card_no),
        events=(_event(record, original),),
    )


def refunded_units(original: SaleRecord, prior: Sequence[RefundRecord]) -> dict[int, int]:
    units: dict[int, int] = {}
    for refund in prior:
        if refund.original_op != original.op_id:
            raise InvalidInput("refund.wrong_sale", op_id=refund.op_id)
        for line_no, qty in refund.quantities:
            units[line_no] = units.get(line_no, 0) + qty
    return units


def _quantities(request: RefundRequest, before: Mapping[int, int]) -> dict[int, int]:
    original = request.original
    if request.void and before:
        raise RefundError("refund.void_after_refund", op_id=original.op_id)
    left = {line.line_no: line.qty - before.get(line.line_no, 0) for line in original.lines}
    wanted = dict(request.quantities) if request.quantities and not request.void else {
        no: qty for no, qty in left.items() if qty > 0}
    if not wanted:
        raise RefundError("refund.nothing_left", op_id=original.op_id)
    for line_no, qty in wanted.items():
        if line_no not in left:
            raise RefundError("refund.unknown_line", line_no=line_no)
        if qty <= 0:
            raise InvalidInput("refund.qty_not_positive", line_no=line_no)
        if qty > left[line_no]:
            raise RefundError("refund.exceeds", line_no=line_no, requested=qty, left=left[line_no])
    return wanted


@dataclass(frozen=True)
class _LineShare:
    line: RecordLine
    qty: int
    tender_parts: tuple[tuple[str, Fen], ...]
    principal: Fen
    bonus: Fen
    points_used: int
    points_earned: int
    count_uses: int

    @classmethod
    def of(cls, line: RecordLine, before: int, qty: int) -> _LineShare:
        def share(total: int) -> int:
            return cumulative_share(total, before, qty, line.qty)

        # The money parts are shared out together, so identical units get identical amounts.
        # The card's part is what goes back to principal and bonus, to the fen.
        others = [(kind, amount) for kind, amount in line.tender_parts
                  if kind != TenderKind.STORED_VALUE]
        principal, bonus, *other_shares = unit_shares(
            [line.principal, line.bonus, *(amount for _, amount in others)], before, qty, line.qty)
        shares_of_others = iter(other_shares)
        tender_parts = tuple(
            (kind, principal + bonus if kind == TenderKind.STORED_VALUE else next(shares_of_others))
            for kind, _ in line.tender_parts
        )
        return cls(
            line=line, qty=qty, tender_parts=tender_parts, principal=principal, bonus=bonus,
            points_used=share(line.points_used), points_earned=share(line.points_earned),
            count_uses=qty if line.count_service else 0,
        )

    @property
    def amount(self) -> Fen:
        return sum(amount for _, amount in self.tender_parts)


def _stored_value_entries(
    shares: Sequence[_LineShare], card_no: str, request: RefundRequest
) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    for share in shares:
        for account, amount in ((Account.PRINCIPAL, share.principal), (Account.BONUS, share.bonus)):
            if amount:
                entries.append(LedgerEntry(
                    op_id=request.op_id, card_no=card_no, account=account, delta=amount,
                    kind=EntryKind.REFUND, at=request.at, reverses_op=request.original.op_id,
                    line_no=share.line.line_no, actor_card_no=request.original.actor_card_no,
                ))
    return entries


def _count_restores(
    original: SaleRecord, request: RefundRequest, shares: Sequence[_LineShare], card_no: str
) -> list[LedgerEntry]:
    """Count uses go back into the very packages they were taken from."""
    already = [entry for refund in request.prior_refunds for entry in refund.entries]
    entries: list[LedgerEntry] = []
    for share in shares:
        if not share.count_uses:
            continue
        used = [entry for entry in original.entries if entry.account is Account.COUNT
                and entry.kind is EntryKind.USE and entry.line_no == share.line.line_no]
        entries += count_packages.restore_entries(card_no, used, share.count_uses, request.op_id,
                                          request.at, already_restored=already)
    return entries


def _points_restores(
    original: SaleRecord, request: RefundRequest, shares: Sequence[_LineShare], card_no: str
) -> list[LedgerEntry]:
    """Points used as payment go back into the lots they came from, the last lot taken first:
    the sale took the soonest-expiring lots first, so the one that lasts longest is refilled."""
    amount = sum(share.points_used for share in shares)
    if not amount:
        return []
    restored: dict[str, int] = {}
    for refund in request.prior_refunds:
        for entry in refund.entries:
            returned = entry.kind is EntryKind.REFUND and entry.delta > 0
            if entry.account is Account.POINTS and returned:
                restored[entry.lot] = restored.get(entry.lot, 0) + entry.delta
    taken = [e for e in original.entries
             if e.account is Account.POINTS and e.kind is EntryKind.REDEEM]
    entries = []
    for entry in reversed(taken):
        portion = min(-entry.delta - restored.get(entry.lot, 0), amount)
        if portion <= 0:
            continue
        amount -= portion
        entries.append(LedgerEntry(
            op_id=request.op_id, card_no=card_no, account=Account.POINTS, delta=portion,
            kind=EntryKind.REFUND, at=request.at, lot=entry.lot, valid_from=entry.valid_from,
            valid_until=entry.valid_until,
            reverses_op=original.op_id,
        ))
    if amount:
        raise RefundError("refund.points_exceed_used", left=amount)
    return entries


def _points_clawback(
    original: SaleRecord, request: RefundRequest, amount: int, card_no: str,
    balances: CardBalances,
) -> list[LedgerEntry]:
    """Points earned come back out of the lots they went into, as far as those still hold them,
    so that a refund never swaps soon-expiring points for fresh ones. What the member has spent
    since is taken first-in first-out and, beyond that, owed (points.clawback_entries)."""
    left = _earned_not_clawed(original, request.prior_refunds)
    held = {lot.lot: lot.remaining for lot in balances.points_lots}
    entries = []
    for lot in reversed(list(left)):  # the sale's new lot before any debt its points settled
        portion = min(left[lot], held.get(lot, 0), amount)
        if portion > 0:
            amount -= portion
            entries.append(_clawback_entry(original, request, card_no, lot, portion))
    if amount and not balances.points_lots:
        # No lot left at all (the points expired and a replacement card took no empty lots):
        # the points are owed on the lot they were earned into, which opens again with its terms.
        entries.append(_clawback_entry(original, request, card_no, list(left)[-1], amount))
    elif amount:
        entries += points.clawback_entries(
            card_no, request.op_id, derive_balances_after(balances, entries), amount, request.at,
            reverses_op=original.op_id,
        )
    return entries


def _earned_not_clawed(original: SaleRecord, prior: Sequence[RefundRecord]) -> dict[str, int]:
    """Per lot, the points the sale earned into it less what earlier refunds took from it."""
    left: dict[str, int] = {}
    for entry in original.entries:
        if entry.account is Account.POINTS and entry.kind is EntryKind.EARN:
            left[entry.lot] = left.get(entry.lot, 0) + entry.delta
    for refund in prior:
        for entry in refund.entries:
            if entry.account is Account.POINTS and entry.delta < 0 and entry.lot in left:
                left[entry.lot] += entry.delta
    return left


def _clawback_entry(
    original: SaleRecord, request: RefundRequest, card_no: str, lot: str, points_back: int
) -> LedgerEntry:
    earned = next(entry for entry in original.entries if entry.account is Account.POINTS
                  and entry.kind is EntryKind.EARN and entry.lot == lot)
    return LedgerEntry(
        op_id=request.op_id, card_no=card_no, account=Account.POINTS, delta=-points_back,
        kind=EntryKind.REFUND, at=request.at, lot=lot, valid_from=earned.valid_from,
        valid_until=earned.valid_until, reverses_op=original.op_id,
    )


def _record(
    request: RefundRequest,
    quantities: Mapping[int, int],
    shares: Sequence[_LineShare],
    entries: Sequence[LedgerEntry],
    commissions: tuple[commission.CommissionLine, ...],
) -> RefundRecord:
    by_kind: dict[str, Fen] = {}
    for share in shares:
        for kind, amount in share.tender_parts:
            by_kind[kind] = by_kind.get(kind, 0) + amount
    return RefundRecord(
        op_id=request.op_id, original_op=request.original.op_id, at=request.at,
        quantities=tuple(sorted(quantities.items())),
        amount=sum(share.amount for share in shares),
        tender_refunds=tuple((kind, amount) for kind, amount in by_kind.items() if amount),
        entries=tuple(entries), commissions=commissions, is_void=request.void,
    )


def _receipt(
    record: RefundRecord, original: SaleRecord, shares: Sequence[_LineShare], card_no: str
) -> Receipt:
    return Receipt(
        kind=ReceiptKind.REFUND,
        op_id=record.op_id,
        at=record.at,
        terminal_id=original.terminal_id,
        card_no_masked=mask_card_no(card_no) if card_no else "",
        lines=tuple(ReceiptLine(share.line.name, share.qty, 0, -share.amount) for share in shares),
        totals=(ReceiptRow("receipt.original_sale", value=original.op_id),
                ReceiptRow("receipt.refund_total", -record.amount)),
        tenders=tuple(
            ReceiptRow(f"tender.{kind}", -amount) for kind, amount in record.tender_refunds
        ),
        footer_keys=("receipt.refund_footer",),
    )


def _event(record: RefundRecord, original: SaleRecord) -> DomainEvent:
    return DomainEvent(
        type="sale.voided" if record.is_void else "sale.refunded",
        op_id=record.op_id,
        at=record.at,
        payload={
            "original_op": original.op_id,
            "card_no": original.card_no,
            "amount": record.amount,
            "quantities": [list(pair) for pair in record.quantities],
            "tender_refunds": [list(pair) for pair in record.tender_refunds],
            "entries": [entry_to_dict(entry) for entry in record.entries],
        },
    )
