"""Points (积分): earning on a sale, lots with expiry, redemption, expiry, clawback and gifts.

Points earned are rounded DOWN to a whole point: the member never gets a point that was not
fully paid for. No points are earned on the part of a sale paid with points (积分抵现) or with
bonus money (赠送金); the caller passes `EarningBase.eligible_fen` already net of both.

Points live in lots (批次) so that expiry and first-in first-out use are exact. A refund may take
back points the member has already spent; the shortfall becomes a negative lot (积分欠款) that the
next earnings settle first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from membership.errors import ConfigError, InvalidInput, PointsError
from membership.ledger import (
    Account,
    CardBalances,
    EntryKind,
    LedgerEntry,
    Lot,
    debit_lots_fifo,
)
from membership.money import FULL_RATE_BP, Fen, allocate

DEFAULT_FEN_PER_POINT = 100  # 1 point per ¥1.00
DEFAULT_EXPIRY_YEARS = 1
DEFAULT_EXPIRY_DAYS = 365
MAX_EXPIRY_YEARS = 100
MAX_EXPIRY_DAYS = 36_500
LOT_PREFIX = "P"


class ExpiryKind(StrEnum):
    NEVER = "never"  # 永不过期
    YEAR_END = "year_end"  # 年底清零: earned in year N, last valid day is 31 Dec of N + years
    ROLLING_DAYS = "rolling_days"  # 滚动有效期: valid `days` days counting the day earned


@dataclass(frozen=True)
class PointsExpiry:
    kind: ExpiryKind = ExpiryKind.YEAR_END
    years: int = DEFAULT_EXPIRY_YEARS
    days: int = DEFAULT_EXPIRY_DAYS

    def __post_init__(self) -> None:
        if not 0 <= self.years <= MAX_EXPIRY_YEARS or not 0 < self.days <= MAX_EXPIRY_DAYS:
            raise ConfigError("config.points_expiry_invalid", years=self.years, days=self.days)


@dataclass(frozen=True)
class EarningRule:
    """How many fen buy one point, and the multipliers (bp, 10000 = ×1) that apply."""

    fen_per_point: int = DEFAULT_FEN_PER_POINT
    category_multiplier_bp: Mapping[str, int] = field(default_factory=dict)
    level_multiplier_bp: Mapping[str, int] = field(default_factory=dict)
    store_fen_per_point: Mapping[str, int] = field(default_factory=dict)
    terminal_fen_per_point: Mapping[str, int] = field(default_factory=dict)
    expiry: PointsExpiry = PointsExpiry()

    def __post_init__(self) -> None:
        for name in (
            "category_multiplier_bp",
            "level_multiplier_bp",
            "store_fen_per_point",
            "terminal_fen_per_point",
        ):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        _validate_rule(self)

    def fen_per_point_at(self, store_id: str, terminal_id: str = "") -> int:
        """The terminal's override wins over the store's, which wins over the default."""
        if terminal_id and terminal_id in self.terminal_fen_per_point:
            return self.terminal_fen_per_point[terminal_id]
        return self.store_fen_per_point.get(store_id, self.fen_per_point)


def _validate_rule(rule: EarningRule) -> None:
    rates = [rule.fen_per_point, *rule.store_fen_per_point.values()]
    rates += list(rule.terminal_fen_per_point.values())
    if any(rate <= 0 for rate in rates):
        raise ConfigError("config.points_rule_invalid", field="fen_per_point")
    multipliers = [*rule.category_multiplier_bp.values(), *rule.level_multiplier_bp.values()]
    if any(multiplier < 0 for multiplier in multipliers):
        raise ConfigError("config.points_rule_invalid", field="multiplier_bp")


@dataclass(frozen=True)
class EarningBase:
    """One sale line's amount that earns points: already net of points and bonus money paid."""

    line_no: int
    category: str
    eligible_fen: Fen

    def __post_init__(self) -> None:
        if self.eligible_fen < 0:
            raise InvalidInput(
                "points.base_invalid", line_no=self.line_no, eligible_fen=self.eligible_fen
            )


@dataclass(frozen=True)
class PointsAward:
    total: int
    per_line: tuple[tuple[int, int], ...]  # (line_no, points); sums exactly to `total`

    def __post_init__(self) -> None:
        if sum(points for _, points in self.per_line) != self.total:
            raise InvalidInput("points.lines_mismatch", total=self.total)

    def for_line(self, line_no: int) -> int:
        return dict(self.per_line).get(line_no, 0)


def points_earned(
    bases: Iterable[EarningBase],
    rule: EarningRule,
    level_code: str,
    store_id: str,
    terminal_id: str = "",
) -> PointsAward:
    """Points for a sale: floor of Σ eligible × category × level ÷ fen_per_point.

    The total is rounded down once for the whole sale, then spread over the lines in proportion
    to each line's exact value (largest remainder), so that a refund can reverse line by line.
    """
    bases = tuple(bases)
    line_nos = [base.line_no for base in bases]
    if len(set(line_nos)) != len(line_nos):
        raise InvalidInput("points.duplicate_line", line_nos=line_nos)
    level_bp = rule.level_multiplier_bp.get(level_code, FULL_RATE_BP)
    weights = [
        base.eligible_fen * rule.category_multiplier_bp.get(base.category, FULL_RATE_BP) * level_bp
        for base in bases
    ]
    denominator = rule.fen_per_point_at(store_id, terminal_id) * FULL_RATE_BP * FULL_RATE_BP
    total = sum(weights) // denominator
    shares = allocate(total, weights)
    return PointsAward(total=total, per_line=tuple(zip(line_nos, shares, strict=True)))


def lot_for(earned_on: date, expiry: PointsExpiry) -> tuple[str, date | None]:
    """The lot that points earned on `earned_on` go into, and its last valid day.

    YEAR_END: "P2025" valid through 31 Dec 2026 (years=1). ROLLING_DAYS: "P2026-11-23" valid
    through 2027-11-22 (days=365). NEVER: "P", no end. A non-default term is part of the lot id,
    so a change of the rule never mixes points with different expiry in one lot.
    """
    if expiry.kind is ExpiryKind.NEVER:
        return LOT_PREFIX, None
    if expiry.kind is ExpiryKind.YEAR_END:
        suffix = "" if expiry.years == DEFAULT_EXPIRY_YEARS else f"+{expiry.years}y"
        return f"{LOT_PREFIX}{earned_on.year}{suffix}", date(earned_on.year + expiry.years, 12, 31)
    suffix = "" if expiry.days == DEFAULT_EXPIRY_DAYS else f"+{expiry.days}d"
    last_day = earned_on + timedelta(days=expiry.days - 1)
    return f"{LOT_PREFIX}{earned_on.isoformat()}{suffix}", last_day


def redeemable_points(balances: CardBalances, day: date) -> int:
    """Usable points less any points debt: a member who owes points cannot spend new ones."""
    debt = sum(lot.remaining for lot in balances.points_lots if lot.remaining < 0)
    return max(0, balances.usable_points(day) + debt)


def earn_entries(
    card_no: str,
    op_id: str,
    points: int,
    at: datetime,
    expiry: PointsExpiry,
    line_points: Sequence[tuple[int, int]] = (),
    *,
    balances: CardBalances | None = None,
) -> list[LedgerEntry]:
    """EARN entries: one per line with points when `line_points` is given, else one.

    With `balances`, earnings first settle negative lots (points debt from a refund), oldest
    first; the rest goes into the lot of `lot_for(at.date(), expiry)`.
    """
    if points < 0:
        raise InvalidInput("points.amount_invalid", points=points)
    portions = _earn_portions(points, line_points)
    lot, valid_until = lot_for(at.date(), expiry)
    debts = _debts(balances, exclude_lot=lot)
    entries = []
    for line_no, portion in portions:
        for target, until, amount in _settle(portion, debts, (lot, valid_until)):
            entry = LedgerEntry(
                op_id=op_id,
                card_no=card_no,
                account=Account.POINTS,
                delta=amount,
                kind=EntryKind.EARN,
                at=at,
                lot=target,
                valid_until=until,
                line_no=line_no,
            )
            entries.append(entry)
    return entries


def _earn_portions(
    points: int, line_points: Sequence[tuple[int, int]]
) -> list[tuple[int | None, int]]:
    if not line_points:
        return [(None, points)] if points else []
    if any(portion < 0 for _, portion in line_points):
        raise InvalidInput("points.amount_invalid", points=points)
    if sum(portion for _, portion in line_points) != points:
        raise InvalidInput("points.lines_mismatch", total=points)
    return [(line_no, portion) for line_no, portion in line_points if portion]


@dataclass
class _Debt:
    """A negative lot still owed while one earning is being split; local to `earn_entries`."""

    lot: str
    valid_until: date | None
    owed: int


def _debts(balances: CardBalances | None, exclude_lot: str) -> list[_Debt]:
    if balances is None:
        return []
    return [
        _Debt(lot.lot, lot.valid_until, -lot.remaining)
        for lot in sorted(balances.points_lots, key=lambda lot: (lot.opened_at, lot.lot))
        if lot.remaining < 0 and lot.lot != exclude_lot
    ]


def _settle(
    amount: int, debts: list[_Debt], target: tuple[str, date | None]
) -> list[tuple[str, date | None, int]]:
    """Split `amount` over outstanding debts (reduced in place), the rest to `target`."""
    parts = []
    for debt in debts:
        paid = min(debt.owed, amount)
        if paid:
            parts.append((debt.lot, debt.valid_until, paid))
            debt.owed -= paid
            amount -= paid
    if amount:
        parts.append((target[0], target[1], amount))
    return parts


def redeem_entries(
    card_no: str,
    op_id: str,
    balances: CardBalances,
    points: int,
    at: datetime,
    kind: EntryKind = EntryKind.REDEEM,
    line_no: int | None = None,
    note: str = "",
) -> list[LedgerEntry]:
    """Take `points` first-in first-out from the lots usable on `at`'s day."""
    if points <= 0:
        raise InvalidInput("points.amount_invalid", points=points)
    day = at.date()
    available = redeemable_points(balances, day)
    if points > available:
        raise PointsError("points.insufficient", needed=points, available=available)
    return [
        _debit(card_no, op_id, lot, taken, kind, at, line_no=line_no, note=note)
        for lot, taken in debit_lots_fifo(balances.points_lots, points, day)
    ]


def _debit(
    card_no: str,
    op_id: str,
    lot: Lot,
    amount: int,
    kind: EntryKind,
    at: datetime,
    *,
    line_no: int | None = None,
    note: str = "",
    reverses_op: str = "",
) -> LedgerEntry:
    return LedgerEntry(
        op_id=op_id,
        card_no=card_no,
        account=Account.POINTS,
        delta=-amount,
        kind=kind,
        at=at,
        lot=lot.lot,
        # The lot's terms travel with every debit, so a refund can reopen the lot with them on
        # a replacement card that never received it (empty lots do not move).
        valid_from=lot.valid_from,
        valid_until=lot.valid_until,
        line_no=line_no,
        note=note,
        reverses_op=reverses_op,
    )


def expire_entries(
    card_no: str, op_id: str, balances: CardBalances, today: date, at: datetime
) -> list[LedgerEntry]:
    """EXPIRE what remains of every lot whose last valid day is before `today`.

    A negative lot (points debt) does not expire: the debt stays until earnings settle it.
    """
    return [
        _debit(card_no, op_id, lot, lot.remaining, EntryKind.EXPIRE, at)
        for lot in balances.points_lots
        if lot.remaining > 0 and lot.valid_until is not None and lot.valid_until < today
    ]


def clawback_entries(
    card_no: str,
    op_id: str,
    balances: CardBalances,
    points: int,
    at: datetime,
    reverses_op: str,
) -> list[LedgerEntry]:
    """Take back points earned by a refunded sale: FIFO from usable lots, the rest as debt.

    What the member has already spent is taken from the newest lot even if that makes it
    negative; the next earnings fill it (see `earn_entries(balances=...)`).
    """
    if points <= 0:
        raise InvalidInput("points.amount_invalid", points=points)
    if not reverses_op:
        raise InvalidInput("points.reverses_op_missing")
    if not balances.points_lots:
        raise PointsError("points.no_lot", needed=points)
    taken = {
        lot.lot: (lot, amount)
        for lot, amount in debit_lots_fifo(balances.points_lots, points, at.date())
    }
    shortfall = points - sum(amount for _, amount in taken.values())
    if shortfall:
        newest = max(balances.points_lots, key=lambda lot: (lot.opened_at, lot.lot))
        already = taken.get(newest.lot, (newest, 0))[1]
        taken[newest.lot] = (newest, already + shortfall)
    return [
        _debit(card_no, op_id, lot, amount, EntryKind.REFUND, at, reverses_op=reverses_op)
        for lot, amount in taken.values()
    ]


@dataclass(frozen=True)
class Gift:
    """A gift in the points catalogue (积分兑换礼品). `stock` None: unlimited."""

    code: str
    name: str
    points_cost: int
    stock: int | None = None

    def __post_init__(self) -> None:
        if not self.code or self.points_cost <= 0 or (self.stock is not None and self.stock < 0):
            raise ConfigError("config.gift_invalid", code=self.code)


@dataclass(frozen=True)
class GiftRedemption:
    gift: Gift
    qty: int
    points: int
    entries: tuple[LedgerEntry, ...]


def redeem_gift(
    card_no: str,
    op_id: str,
    balances: CardBalances,
    gift: Gift,
    qty: int,
    at: datetime,
    stock_left: int | None = None,
) -> GiftRedemption:
    """Exchange points for `qty` of a gift; `stock_left` (the store's count) wins over its stock."""
    if qty <= 0:
        raise InvalidInput("input.invalid", field="qty", qty=qty)
    left = gift.stock if stock_left is None else stock_left
    if left is not None and qty > left:
        raise PointsError("gift.out_of_stock", code=gift.code, requested=qty, left=left)
    points = gift.points_cost * qty
    entries = redeem_entries(card_no, op_id, balances, points, at, note=f"gift:{gift.code}")
    return GiftRedemption(gift=gift, qty=qty, points=points, entries=tuple(entries))
