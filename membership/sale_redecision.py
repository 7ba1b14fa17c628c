"""HQ decides a terminal's sale again and compares its ledger entries with the terminal's.

`sale_mismatch` takes the sale's inputs (membership.sale_inputs), the configuration HQ
published at the versions they name, the card as HQ knows it and the terminal's entries; it
runs the first half of `decide_sale` (`sale_moves`: no record, receipt or event) and returns
"" when the entries agree, else what differed (`points_earned`, `stored_value`, `amount_due`,
...). The comparison gives an honest terminal no false mismatch (docs/domain.md, "HQ
re-decides every sale"):

- balances are taken as the terminal could legitimately have known them, which HQ cannot know
  exactly (an offline terminal sells on a stale balance): the stored-value draw is split as the
  terminal split it, the points asked for and the count uses the lines need are taken as there.
  Whether the card really had them is the overdraft check's question (hq.ingest), not this one;
- card states (lost, frozen, expired) are the blacklist's concern, not re-decided here;
- the level priced with is accepted when it is one the card has at HQ, or gives no more than
  that level does (`no_better_level`): an offline terminal may not know an upgrade.
Then everything that moves value must agree exactly: per card, the stored value drawn from
principal and from bonus, the points redeemed and earned, the uses per service, the amount due,
and the coupon marked used (`coupon_used`: the one HQ's decision applied, or none).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from membership.cards import Card, CardStatus
from membership.catalogue import SaleLine
from membership.config_documents import StoreConfiguration
from membership.coupons import Coupon
from membership.errors import DomainError
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, Lot
from membership.levels import Level
from membership.money import FULL_RATE_BP
from membership.points import EarningRule
from membership.sale import MemberContext, SaleRequest, StoreContext, sale_moves
from membership.sale_inputs import SaleInputs

SYNTHETIC_LOT = "hq-redecision"


class Mismatch(Exception):
    """What differs between HQ's decision and the terminal's, e.g. `unit_price`."""


@dataclass(frozen=True)
class SaleSeen:
    """A sale as the terminal sent it."""

    op_id: str
    at: datetime
    store_id: str
    terminal_id: str
    card_no: str  # the account card; "" for a guest
    amount_due: object  # the payload's, compared with HQ's
    entries: tuple[LedgerEntry, ...]
    coupon_used: object = ""  # the payload's: the coupon it says the sale applied


@dataclass(frozen=True)
class CardAtHq:
    """The account card as HQ knows it, and the level codes it may have priced with (its own
    and, for a subsidiary card's sale, the subsidiary's)."""

    card: Card
    level_codes: tuple[str, ...] = ()


def sale_mismatch(sale: SaleSeen, inputs: SaleInputs, configuration: StoreConfiguration,
                  card: CardAtHq | None) -> str:
    """"" when HQ's decision moves exactly what the terminal's entries move, else what not.

    `card` None for a member's sale: HQ does not have the card yet (its enrolment is in a gap
    of the terminal's seqs still coming). Then the sale stands if it is what some card type
    and level of its configuration give; the overdraft check judges its draws once the gap is
    filled (docs/domain.md)."""
    if card is None and sale.card_no:
        mismatches = [_decided_mismatch(sale, inputs, configuration, CardAtHq(
            Card(sale.card_no, "", code), (inputs.level_code,)))
            for code in sorted(configuration.card_types)]
        return "" if "" in mismatches else (mismatches[0] if mismatches else "card_type")
    return _decided_mismatch(sale, inputs, configuration, card)


def _decided_mismatch(sale: SaleSeen, inputs: SaleInputs, configuration: StoreConfiguration,
                      card: CardAtHq | None) -> str:
    try:
        request = _request(sale, inputs, configuration)
        member = _member(sale, inputs, configuration, card, request)
        moves = sale_moves(request, StoreContext(sale.store_id, sale.terminal_id),
                           configuration.sale_rules(), member)
    except Mismatch as mismatch:
        return str(mismatch)
    except DomainError as error:  # HQ's core refuses what the terminal's accepted
        return f"refused:{error.key}"
    if sale.amount_due != moves.priced.amount_due:
        return "amount_due"
    # A coupon marked used that the sale never applied would block it for its member.
    coupon = request.coupon
    if sale.coupon_used != (coupon.code if coupon and coupon.code in moves.priced.applied
                            else ""):
        return "coupon_used"
    return entries_mismatch(moves.entries, sale.entries)


def _request(sale: SaleSeen, inputs: SaleInputs, configuration: StoreConfiguration
             ) -> SaleRequest:
    lines = []
    for line in inputs.lines:
        product = configuration.products.get(line.product_code)
        if product is None:
            raise Mismatch("product")
        if product.unit_price != line.unit_price:
            raise Mismatch("unit_price")
        lines.append(SaleLine(line.line_no, product, line.qty, line.use_count, line.staff_id))
    return SaleRequest(sale.op_id, sale.at, tuple(lines), inputs.tenders,
                       _coupon(inputs, configuration), inputs.points_requested)


def _coupon(inputs: SaleInputs, configuration: StoreConfiguration) -> Coupon | None:
    if not inputs.coupon_code:
        return None
    coupon = configuration.coupons.get(inputs.coupon_code)
    if coupon is None:
        raise Mismatch("coupon")
    return replace(coupon, used=False)  # a coupon used twice is HQ's coupon check's business


def _member(sale: SaleSeen, inputs: SaleInputs, configuration: StoreConfiguration,
            known: CardAtHq | None, request: SaleRequest) -> MemberContext | None:
    if not sale.card_no:
        return None
    if known is None:
        raise Mismatch("card_unknown")  # not reached: sale_mismatch tries every type
    card_type = configuration.card_types.get(known.card.type_code)
    if card_type is None:
        raise Mismatch("card_type")
    # The account card as it pays: states are the blacklist's concern (see the module's doc).
    card = known.card
    if card.status is not CardStatus.ACTIVE or card.expires_on or card.parent_card_no:
        card = replace(card, status=CardStatus.ACTIVE, expires_on=None, parent_card_no="")
    return MemberContext(card=card, card_type=card_type,
                         balances=balances_as_known(sale.card_no, sale.entries, inputs, request),
                         level=_level(inputs.level_code, configuration, known.level_codes))


def balances_as_known(card_no: str, entries: Iterable[LedgerEntry], inputs: SaleInputs,
                      request: SaleRequest) -> CardBalances:
    """Balances under which the sale's draws are exactly as the terminal made them, if they
    are what the sale needs: principal and bonus as drawn (so the draw order splits the same
    total the same way), the points asked for, and the uses the count lines take."""
    drawn = {Account.PRINCIPAL: 0, Account.BONUS: 0}
    for entry in entries:
        if entry.card_no == card_no and entry.account in drawn and entry.kind is EntryKind.SPEND:
            drawn[entry.account] -= entry.delta
    opened = request.at
    points_lots = (Lot(SYNTHETIC_LOT, "", None, None, inputs.points_requested, opened),
                   ) if inputs.points_requested else ()
    uses: dict[str, int] = {}
    for line in request.lines:
        if line.use_count:
            uses[line.product.code] = uses.get(line.product.code, 0) + line.qty
    count_lots = tuple(Lot(f"{SYNTHETIC_LOT}:{service}", service, None, None, count, opened)
                       for service, count in sorted(uses.items()))
    return CardBalances(principal=drawn[Account.PRINCIPAL], bonus=drawn[Account.BONUS],
                        points_lots=points_lots, count_lots=count_lots)


def _level(code: str, configuration: StoreConfiguration, hq_codes: Sequence[str]
           ) -> Level | None:
    """The level the terminal priced with, if the card could have had it."""
    policy = configuration.levels
    if policy is None:
        if code:
            raise Mismatch("level")
        return None
    named = next((level for level in policy.levels if level.code == code), None)
    if named is None:
        raise Mismatch("level")
    # The terminal prices a card whose level the document lacks at the base level.
    by_code = {level.code: level for level in policy.levels}
    references = [by_code.get(hq_code, policy.base) for hq_code in hq_codes] or [policy.base]
    earning = configuration.earning
    if not any(named.code == reference.code or no_better_level(named, reference, earning)
               for reference in references):
        raise Mismatch("level")
    return named


def no_better_level(level: Level, than: Level, earning: EarningRule | None) -> bool:
    """Whether `level` gives no lower price on any category and no more points than `than`:
    a card may have been priced at it by a terminal that does not know of an upgrade yet."""
    categories = set(level.category_discount_bp) | set(than.category_discount_bp)
    rates = level.discount_bp >= than.discount_bp and all(
        level.discount_for(category) >= than.discount_for(category) for category in categories)
    return rates and _multiplier(level, earning) <= _multiplier(than, earning)


def _multiplier(level: Level, earning: EarningRule | None) -> int:
    if earning is None:
        return FULL_RATE_BP
    return earning.level_multiplier_bp.get(level.code, level.points_multiplier_bp)


# What each account's entries are called in a mismatch.
_NAMES = {
    (Account.PRINCIPAL, EntryKind.SPEND): "stored_value", (Account.BONUS, EntryKind.SPEND):
    "stored_value", (Account.POINTS, EntryKind.EARN): "points_earned",
    (Account.POINTS, EntryKind.REDEEM): "points_redeemed", (Account.COUNT, EntryKind.USE):
    "count_uses",
}


def entries_mismatch(decided: Iterable[LedgerEntry], sent: Iterable[LedgerEntry]) -> str:
    """"" when both move the same totals per card, account, kind and service (lots, lines and
    entry counts may differ: they follow balances HQ cannot know), else the first that not."""
    ours, theirs = _totals(decided), _totals(sent)
    for key in sorted(set(ours) | set(theirs)):
        if ours.get(key, 0) != theirs.get(key, 0):
            return _NAMES.get((key[1], key[2]), "entries")
    return ""


def _totals(entries: Iterable[LedgerEntry]) -> dict[tuple[str, Account, EntryKind, str], int]:
    totals: dict[tuple[str, Account, EntryKind, str], int] = {}
    for entry in entries:
        service = entry.service if entry.account is Account.COUNT else ""
        key = (entry.card_no, entry.account, entry.kind, service)
        totals[key] = totals.get(key, 0) + entry.delta
    return totals
