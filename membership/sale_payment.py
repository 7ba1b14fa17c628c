"""How a sale's money was paid, line by line: its tenders spread over the money lines (stored
value first, in proportion to their nets), the stored-value draw (principal and bonus kept
apart) and its ledger entries. Part of checkout (membership.sale), which decides the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from membership import stored_value, subsidiary
from membership.cards import Feature
from membership.errors import CardStateError
from membership.ledger import LedgerEntry
from membership.money import Fen
from membership.pricing import PricedSale
from membership.sale_record import split_tenders_over_lines
from membership.tenders import Settlement, TenderKind

if TYPE_CHECKING:
    from membership.sale import MemberContext, SaleRequest


@dataclass(frozen=True)
class LineMoney:
    """How one money line was paid: its tender parts, and principal and bonus of the card part."""

    line_no: int
    tender_parts: tuple[tuple[str, Fen], ...]
    principal: Fen
    bonus: Fen


@dataclass(frozen=True)
class SalePayment:
    lines: tuple[LineMoney, ...]
    draw: stored_value.Draw | None

    def of(self, line_no: int) -> LineMoney:
        return next((line for line in self.lines if line.line_no == line_no),
                    LineMoney(line_no, (), 0, 0))


def pay_lines(
    settlement: Settlement, priced: PricedSale, member: MemberContext | None, request: SaleRequest
) -> SalePayment:
    money_lines = [line for line in priced.lines if not line.line.use_count]
    # Stored value first, so its spread over lines is proportional to their nets.
    ordered = sorted(settlement.tenders, key=lambda t: t.kind is not TenderKind.STORED_VALUE)
    per_line = split_tenders_over_lines(
        [(tender.kind.value, tender.amount) for tender in ordered],
        [line.net for line in money_lines],
    )
    card_parts = [(line.line.line_no, _part(parts, TenderKind.STORED_VALUE))
                  for line, parts in zip(money_lines, per_line, strict=True)]
    draw = _draw(settlement.amount_of(TenderKind.STORED_VALUE), member, request)
    split = stored_value.allocate_draw(draw, card_parts) if draw else [
        (line_no, 0, 0) for line_no, _ in card_parts]
    return SalePayment(
        lines=tuple(
            LineMoney(line_no, tuple(parts), principal, bonus)
            for (line_no, principal, bonus), parts in zip(split, per_line, strict=True)
        ),
        draw=draw,
    )


def _part(parts: list[tuple[str, Fen]], kind: TenderKind) -> Fen:
    return sum(amount for part_kind, amount in parts if part_kind == kind)


def _draw(
    amount: Fen, member: MemberContext | None, request: SaleRequest
) -> stored_value.Draw | None:
    if not amount:
        return None
    if member is None:
        raise CardStateError("card.required")
    if not member.card_type.has(Feature.STORED_VALUE):
        raise CardStateError("card.no_stored_value", card_no=member.card.card_no)
    if member.parent is not None:
        subsidiary.ensure_subsidiary_can_spend(
            member.card, member.parent, member.card_type, member.parent_entries, amount, request.at
        )
    return stored_value.draw(member.balances, amount, member.card_type.draw_order)


def stored_value_entries(
    payment: SalePayment, member: MemberContext | None, request: SaleRequest
) -> list[LedgerEntry]:
    if payment.draw is None or member is None:
        return []
    actor = member.card.card_no if member.parent is not None else ""
    line_parts = [(line.line_no, line.principal, line.bonus) for line in payment.lines
                  if line.principal or line.bonus]
    return stored_value.spend_entries(
        member.account_card.card_no, request.op_id, payment.draw, request.at,
        actor_card_no=actor, line_parts=line_parts,
    )
