"""Stored value (储值): top-up with bonus (充值赠送), drawing a payment from principal (本金) and
bonus (赠送金), and withdrawal (取款).

Principal is money the member paid in and may get back; bonus is a gift that can only be spent.
The split of every payment is decided here and recorded per account, so refunds, withdrawals and
cancellations know exactly how much of each is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from membership.cards import BonusTier, Card, CardType, DrawOrder, Feature
from membership.errors import CardStateError, InsufficientBalance, InvalidInput
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry
from membership.lifecycle import ensure_can_pay, ensure_type_matches
from membership.money import Fen, allocate, apply_rate, round_half_up


def bonus_for(tiers: Sequence[BonusTier], paid: Fen) -> Fen:
    """The bonus for a top-up of `paid`: only the highest tier met applies (tiers do not add up).

    bonus = tier.bonus × (full multiples of min_paid if repeat, else 1) + paid × bonus_rate.
    """
    if paid < 0:
        raise InvalidInput("input.invalid", field="paid", value=paid)
    met = [tier for tier in tiers if tier.min_paid <= paid]
    if not met:
        return 0
    tier = max(met, key=lambda candidate: candidate.min_paid)
    times = paid // tier.min_paid if tier.repeat else 1
    return tier.bonus * times + apply_rate(paid, tier.bonus_rate_bp)


def largest_top_up(tiers: Sequence[BonusTier], room: Fen) -> Fen:
    """The largest payment whose amount and bonus together fit in `room` (0 if none does).

    Paid plus bonus rises with the payment within the span of each tier (and below the lowest),
    but may fall where a higher tier starts, so each span is searched on its own.
    """
    starts = sorted({tier.min_paid for tier in tiers if 0 < tier.min_paid <= room})
    spans = zip([1, *starts], [*(start - 1 for start in starts), room], strict=True)
    largest = 0
    for low, high in spans:
        if low > high or low + bonus_for(tiers, low) > room:
            continue
        while low < high:  # the last payment in [low, high] that still fits
            middle = (low + high + 1) // 2
            if middle + bonus_for(tiers, middle) <= room:
                low = middle
            else:
                high = middle - 1
        largest = max(largest, low)
    return largest


@dataclass(frozen=True)
class TopUpDecision:
    card_no: str
    paid: Fen
    bonus: Fen
    entries: tuple[LedgerEntry, ...]


def top_up(
    card: Card, card_type: CardType, balances: CardBalances, paid: Fen, op_id: str, at: datetime
) -> TopUpDecision:
    """充值: `paid` goes to principal, the tier bonus to bonus."""
    _ensure_usable(card, card_type, at)
    if card.is_subsidiary:
        raise CardStateError("topup.subsidiary_card", card_no=card.card_no,
                             parent_card_no=card.parent_card_no)
    _ensure_stored_value(card, card_type)
    minimum = max(card_type.min_topup, 1)
    if paid < minimum:
        raise InvalidInput("topup.below_minimum", paid=paid, minimum=minimum)
    bonus = bonus_for(card_type.bonus_tiers, paid)
    after = balances.stored_value + paid + bonus
    if card_type.max_balance is not None and after > card_type.max_balance:
        room = card_type.max_balance - balances.stored_value
        largest = largest_top_up(card_type.bonus_tiers, room)
        if largest < minimum:
            raise InvalidInput("topup.balance_full", max_balance=card_type.max_balance,
                               balance_after=after)
        raise InvalidInput("topup.over_maximum", max_balance=card_type.max_balance,
                           balance_after=after, largest=largest)
    entries = [_entry(card.card_no, op_id, Account.PRINCIPAL, paid, EntryKind.TOPUP, at)]
    if bonus > 0:
        entries.append(_entry(card.card_no, op_id, Account.BONUS, bonus, EntryKind.TOPUP_BONUS, at))
    return TopUpDecision(card_no=card.card_no, paid=paid, bonus=bonus, entries=tuple(entries))


def _ensure_usable(card: Card, card_type: CardType, at: datetime) -> None:
    ensure_type_matches(card, card_type)
    ensure_can_pay(card, at.date())


def _ensure_stored_value(card: Card, card_type: CardType) -> None:
    if not card_type.has(Feature.STORED_VALUE):
        raise CardStateError("card.no_stored_value", card_no=card.card_no)


@dataclass(frozen=True)
class Draw:
    """What one payment takes from principal and from bonus."""

    principal: Fen
    bonus: Fen

    @property
    def total(self) -> Fen:
        return self.principal + self.bonus


def draw(balances: CardBalances, amount: Fen, order: DrawOrder = DrawOrder.PROPORTIONAL) -> Draw:
    """Split a payment of `amount` over principal and bonus.

    PROPORTIONAL (the default, 按比例扣除) takes bonus in the ratio it stands to the balance,
    half-up to the fen: ¥55.00 from ¥1000 principal + ¥100 bonus takes ¥5.00 bonus, ¥50.00
    principal. A negative account (an offline overdraft) counts as empty.
    """
    if amount <= 0:
        raise InvalidInput("input.invalid", field="amount", value=amount)
    principal, bonus = max(balances.principal, 0), max(balances.bonus, 0)
    available = principal + bonus
    if amount > available:
        raise InsufficientBalance("balance.insufficient", needed=amount, available=available)
    if order is DrawOrder.PRINCIPAL_FIRST:
        from_principal = min(amount, principal)
        return Draw(principal=from_principal, bonus=amount - from_principal)
    if order is DrawOrder.BONUS_FIRST:
        from_bonus = min(amount, bonus)
        return Draw(principal=amount - from_bonus, bonus=from_bonus)
    # Since amount <= principal + bonus, the exact share lies in [amount - principal, bonus] and
    # so does its rounding; the clamp states the guarantee a refactoring must not lose.
    from_bonus = round_half_up(amount * bonus, available)
    from_bonus = max(min(from_bonus, bonus), amount - principal)
    return Draw(principal=amount - from_bonus, bonus=from_bonus)


def allocate_draw(
    drawn: Draw, line_amounts: Sequence[tuple[int, Fen]]
) -> list[tuple[int, Fen, Fen]]:
    """Spread a draw over sale lines by their card-paid amounts: (line_no, principal, bonus).

    The line amounts must add up to the draw; each line's principal is its proportional share
    (largest remainder), so principal and bonus both add up exactly.
    """
    if sum(amount for _, amount in line_amounts) != drawn.total or any(
        amount < 0 for _, amount in line_amounts
    ):
        raise InvalidInput("spend.parts_mismatch", total=drawn.total)
    principal_parts = allocate(drawn.principal, [amount for _, amount in line_amounts])
    return [
        (line_no, principal, amount - principal)
        for (line_no, amount), principal in zip(line_amounts, principal_parts, strict=True)
    ]


def spend_entries(
    card_no: str, op_id: str, drawn: Draw, at: datetime, actor_card_no: str = "",
    line_parts: Sequence[tuple[int, Fen, Fen]] = (),
) -> list[LedgerEntry]:
    """SPEND entries (negative) for a draw: one per account, or with `line_parts`
    (line_no, principal, bonus) one per line and account, so a partial refund finds its share."""
    if drawn.principal < 0 or drawn.bonus < 0:
        raise InvalidInput("input.invalid", field="draw")
    if line_parts and (
        sum(part[1] for part in line_parts) != drawn.principal
        or sum(part[2] for part in line_parts) != drawn.bonus
        or any(part[1] < 0 or part[2] < 0 for part in line_parts)
    ):
        raise InvalidInput("spend.parts_mismatch", principal=drawn.principal, bonus=drawn.bonus)
    parts: Sequence[tuple[int | None, Fen, Fen]] = line_parts or [
        (None, drawn.principal, drawn.bonus)
    ]
    entries = []
    for line_no, principal, bonus in parts:
        for account, amount in ((Account.PRINCIPAL, principal), (Account.BONUS, bonus)):
            if amount:
                entries.append(_entry(card_no, op_id, account, -amount, EntryKind.SPEND, at,
                                      actor_card_no=actor_card_no, line_no=line_no))
    return entries


def withdraw(
    card: Card, card_type: CardType, balances: CardBalances, amount: Fen, op_id: str,
    at: datetime,
) -> list[LedgerEntry]:
    """取款: pay principal back in cash. Bonus can never be withdrawn."""
    _ensure_usable(card, card_type, at)
    if card.is_subsidiary:
        raise CardStateError("withdraw.subsidiary_card", card_no=card.card_no,
                             parent_card_no=card.parent_card_no)
    _ensure_stored_value(card, card_type)
    if amount <= 0:
        raise InvalidInput("input.invalid", field="amount", value=amount)
    if amount > balances.principal:
        raise InsufficientBalance(
            "balance.insufficient_principal", needed=amount, available=max(balances.principal, 0)
        )
    return [_entry(card.card_no, op_id, Account.PRINCIPAL, -amount, EntryKind.WITHDRAW, at)]


def _entry(
    card_no: str, op_id: str, account: Account, delta: Fen, kind: EntryKind, at: datetime,
    actor_card_no: str = "", line_no: int | None = None,
) -> LedgerEntry:
    if not op_id.strip():
        raise InvalidInput("input.invalid", field="op_id")
    return LedgerEntry(op_id=op_id, card_no=card_no, account=account, delta=delta, kind=kind,
                       at=at, actor_card_no=actor_card_no, line_no=line_no)
