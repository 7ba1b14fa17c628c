"""What a completed sale leaves behind, line by line, so that any refund reverses it exactly.

Each line keeps its share of every tender, of principal and bonus, of points used and earned,
and its count uses. Shares are exact integer splits (membership.money.allocate): summed over the
lines they give back the sale's totals to the fen and to the point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from membership.commission import CommissionLine
from membership.ledger import LedgerEntry
from membership.money import Fen, allocate


@dataclass(frozen=True)
class RecordLine:
    line_no: int
    product_code: str
    name: str
    category: str
    qty: int
    gross: Fen
    net: Fen
    tender_parts: tuple[tuple[str, Fen], ...] = ()  # (tender kind, fen); sums to net
    principal: Fen = 0  # the stored-value part drawn from principal
    bonus: Fen = 0  # ... and from bonus
    points_used: int = 0
    points_earned: int = 0
    count_service: str = ""  # set when count uses (计次) paid this line; qty uses were taken
    staff_id: str = ""

    def tender_part(self, kind: str) -> Fen:
        return sum(amount for part_kind, amount in self.tender_parts if part_kind == kind)


@dataclass(frozen=True)
class SaleRecord:
    op_id: str
    at: datetime
    store_id: str
    terminal_id: str
    card_no: str  # the card whose balances moved (a subsidiary card's parent), "" for a guest
    actor_card_no: str  # the subsidiary card that paid, "" otherwise
    lines: tuple[RecordLine, ...]
    commissions: tuple[CommissionLine, ...] = ()
    entries: tuple[LedgerEntry, ...] = ()
    amount_due: Fen = 0
    cash_received: Fen = 0
    change: Fen = 0

    def line(self, line_no: int) -> RecordLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise KeyError(line_no)


def split_tenders_over_lines(
    tender_amounts: Sequence[tuple[str, Fen]], nets: Sequence[Fen]
) -> list[list[tuple[str, Fen]]]:
    """Spread tenders over lines so that every line's parts sum to its net exactly.

    Tenders are laid down one after another, each in proportion to what is still unpaid on every
    line; the last tender takes exactly what remains. Both every tender's and every line's sums
    are exact.
    """
    if sum(amount for _, amount in tender_amounts) != sum(nets):
        raise ValueError("tenders must sum to the lines' nets")
    unpaid = list(nets)
    parts: list[list[tuple[str, Fen]]] = [[] for _ in nets]
    for kind, amount in tender_amounts:
        shares = allocate(amount, unpaid)
        for index, share in enumerate(shares):
            if share:
                parts[index].append((kind, share))
                unpaid[index] -= share
    return parts
