"""The ledger: immutable entries for every change of stored value, points, counts and time.

Balances are never stored as truth; `derive_balances` folds entries. Principal and bonus are kept
apart. Points, count packages and period passes live in lots, so that expiry and first-in
first-out use are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Account(StrEnum):
    PRINCIPAL = "principal"  # fen the member paid in (本金)
    BONUS = "bonus"  # fen given as top-up bonus (赠送金)
    POINTS = "points"  # points (积分), by lot
    COUNT = "count"  # remaining uses of a service package (计次), by lot
    TIME = "time"  # prepaid minutes of metered time (计时)
    PASS = "pass"  # period passes such as a monthly card (月卡), by lot: +1 granted, -1 revoked


class EntryKind(StrEnum):
    TOPUP = "topup"  # 充值
    TOPUP_BONUS = "topup_bonus"  # 充值赠送
    SPEND = "spend"  # 消费
    REFUND = "refund"  # 退货 / 撤销
    WITHDRAW = "withdraw"  # 取款
    EARN = "earn"  # 积分获得
    REDEEM = "redeem"  # 积分兑换 / 抵现
    EXPIRE = "expire"  # 过期
    PURCHASE = "purchase"  # 购买次卡 / 时长 / 月卡
    USE = "use"  # 计次消费 / 计时扣减
    FEE = "fee"  # fees taken from stored value
    TRANSFER_OUT = "transfer_out"  # 换卡转出
    TRANSFER_IN = "transfer_in"  # 换卡转入
    CANCEL_REFUND = "cancel_refund"  # 退卡退本金
    FORFEIT = "forfeit"  # 退卡作废 (bonus, points, counts)
    ADJUST = "adjust"  # HQ correction, always with a reason


LOT_ACCOUNTS = frozenset({Account.POINTS, Account.COUNT, Account.PASS})


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One signed change to one account of one card. Never updated, never deleted."""

    op_id: str  # the operation (sale, top-up, ...) that made it; globally unique
    card_no: str
    account: Account
    delta: int
    kind: EntryKind
    at: datetime
    lot: str = ""  # points lot, count package or pass id; "" for principal, bonus, time
    service: str = ""  # count packages and passes: the service they cover
    valid_from: date | None = None  # lots: first day usable
    valid_until: date | None = None  # lots: last day usable (inclusive)
    actor_card_no: str = ""  # a subsidiary card that spent its parent's balance
    reverses_op: str = ""  # refunds and voids: the op_id being reversed
    line_no: int | None = None  # the sale line it belongs to, for partial refunds
    note: str = ""


@dataclass(frozen=True, slots=True)
class Lot:
    lot: str
    service: str
    valid_from: date | None
    valid_until: date | None
    remaining: int
    opened_at: datetime

    def usable_on(self, day: date) -> bool:
        if self.remaining <= 0:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class CardBalances:
    principal: int = 0
    bonus: int = 0
    time_minutes: int = 0
    points_lots: tuple[Lot, ...] = ()
    count_lots: tuple[Lot, ...] = ()
    pass_lots: tuple[Lot, ...] = ()
    entry_count: int = field(default=0, compare=False)

    @property
    def stored_value(self) -> int:
        return self.principal + self.bonus

    @property
    def points(self) -> int:
        return sum(lot.remaining for lot in self.points_lots)

    def usable_points(self, day: date) -> int:
        return sum(lot.remaining for lot in self.points_lots if lot.usable_on(day))

    def counts_for(self, service: str, day: date) -> int:
        lots = self.count_lots
        return sum(lot.remaining for lot in lots if lot.service == service and lot.usable_on(day))

    def has_pass(self, service: str, day: date) -> bool:
        return any(lot.service == service and lot.usable_on(day) for lot in self.pass_lots)


def derive_balances(entries: Iterable[LedgerEntry], card_no: str | None = None) -> CardBalances:
    """Fold entries (optionally only those of `card_no`) into balances."""
    return derive_balances_after(CardBalances(), entries, card_no)


def derive_balances_after(
    start: CardBalances, entries: Iterable[LedgerEntry], card_no: str | None = None
) -> CardBalances:
    """`start` with `entries` folded in: the balances an operation leaves behind."""
    totals = {
        Account.PRINCIPAL: start.principal,
        Account.BONUS: start.bonus,
        Account.TIME: start.time_minutes,
    }
    lots: dict[Account, dict[str, Lot]] = {
        Account.POINTS: {lot.lot: lot for lot in start.points_lots},
        Account.COUNT: {lot.lot: lot for lot in start.count_lots},
        Account.PASS: {lot.lot: lot for lot in start.pass_lots},
    }
    count = start.entry_count
    for entry in entries:
        if card_no is not None and entry.card_no != card_no:
            continue
        count += 1
        if entry.account in LOT_ACCOUNTS:
            _fold_lot(lots[entry.account], entry)
        else:
            totals[entry.account] += entry.delta
    return CardBalances(
        principal=totals[Account.PRINCIPAL],
        bonus=totals[Account.BONUS],
        time_minutes=totals[Account.TIME],
        points_lots=_ordered(lots[Account.POINTS]),
        count_lots=_ordered(lots[Account.COUNT]),
        pass_lots=_ordered(lots[Account.PASS]),
        entry_count=count,
    )


def _fold_lot(lots: dict[str, Lot], entry: LedgerEntry) -> None:
    current = lots.get(entry.lot)
    if current is None:
        # The first entry of a lot carries its terms (service, validity).
        lots[entry.lot] = Lot(
            lot=entry.lot,
            service=entry.service,
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
            remaining=entry.delta,
            opened_at=entry.at,
        )
        return
    lots[entry.lot] = Lot(
        lot=current.lot,
        service=current.service,
        valid_from=current.valid_from,
        valid_until=current.valid_until,
        remaining=current.remaining + entry.delta,
        opened_at=current.opened_at,
    )


def _ordered(lots: dict[str, Lot]) -> tuple[Lot, ...]:
    """First-in first-out order: the lot that expires first, then the oldest, then by id."""
    return tuple(
        sorted(
            lots.values(),
            key=lambda lot: (lot.valid_until or date.max, lot.opened_at, lot.lot),
        )
    )


def debit_lots_fifo(lots: Iterable[Lot], amount: int, day: date) -> list[tuple[Lot, int]]:
    """Take `amount` from usable lots, soonest expiry first. Returns (lot, taken) pairs.

    The caller checks the total is enough; this returns what could be taken.
    """
    taken: list[tuple[Lot, int]] = []
    needed = amount
    for lot in lots:
        if needed <= 0:
            break
        if not lot.usable_on(day):
            continue
        portion = min(lot.remaining, needed)
        taken.append((lot, portion))
        needed -= portion
    return taken
