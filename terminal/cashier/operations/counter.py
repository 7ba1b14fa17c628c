"""Counter operations on a member's card other than a sale: top-up (充值), withdrawal (取款),
buying a count package, prepaid time or a period pass, closing a timed session (计时结账) and
redeeming points for a gift (积分兑换).

Packages, time, passes and sessions may be paid from the stored value too: the PIN proof is
then required, exactly as at checkout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from membership import count_packages, counter_operations, timecards
from membership.cards import CardType, TimeRate
from membership.errors import InvalidInput
from membership.gift_stock import GIFT, GIFT_STOCK, OUT_OF_STOCK, decode_gift_stock, known_left
from membership.money import Fen
from membership.permissions import Action
from membership.points import Gift
from membership.sale import MemberContext
from membership.tenders import Tender
from terminal.cashier.context import CashierContext, StaffMember
from terminal.cashier.operations.common import DebitRefused, OperationResult, carry_out
from terminal.cashier.ports import PinProof


def top_up(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, paid: Fen,
    tenders: Sequence[Tender],
) -> OperationResult:
    """充值 `paid` into principal; the card type's tiers add the bonus."""
    op = ctx.operation(staff, Action.TOP_UP)
    decision = counter_operations.top_up(op, member, paid, tenders,
                              ctx.configuration().commission_rules)
    return carry_out(ctx, decision)


def withdraw(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, amount: Fen,
    pin_proof: PinProof | None,
) -> OperationResult:
    """取款: principal paid out in cash (the drawer opens)."""
    op = ctx.operation(staff, Action.WITHDRAW)
    decision = counter_operations.withdraw(op, member, amount)
    return carry_out(ctx, decision, pin_proof)


def buy_package(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, package_code: str,
    tenders: Sequence[Tender], qty: int = 1, pin_proof: PinProof | None = None,
) -> OperationResult:
    """购买次卡: a package of the member's card type."""
    package = count_packages.find_package(member.card_type, package_code)
    op = ctx.operation(staff, Action.SELL_PACKAGE)
    decision = counter_operations.buy_package(op, member, package, qty, tenders,
                                   ctx.configuration().commission_rules)
    return carry_out(ctx, decision, pin_proof)


def buy_time(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, minutes: int, price: Fen,
    tenders: Sequence[Tender], pin_proof: PinProof | None = None,
) -> OperationResult:
    """购买时长: prepaid minutes at the price the cashier charges for them."""
    op = ctx.operation(staff, Action.SELL_TIME)
    decision = counter_operations.buy_time(op, member, minutes, price, tenders)
    return carry_out(ctx, decision, pin_proof)


def buy_pass(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, pass_code: str,
    tenders: Sequence[Tender], pin_proof: PinProof | None = None,
) -> OperationResult:
    """购买月卡 / 季卡: a period pass of the member's card type, from today."""
    period_pass = timecards.find_pass(member.card_type, pass_code)
    op = ctx.operation(staff, Action.SELL_PASS)
    decision = counter_operations.buy_pass(op, member, period_pass, tenders)
    return carry_out(ctx, decision, pin_proof)


def close_time_session(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, service: str,
    started_at: datetime, tenders: Sequence[Tender] = (), pin_proof: PinProof | None = None,
) -> OperationResult:
    """计时结账 of a session of `service` that started at `started_at` and ends now: a pass
    covers it, else prepaid minutes, else money by `tenders`. The open session itself is the
    session table's (terminal.store); this only decides, commits and prints the close."""
    rate = time_rate(member.card_type, service)
    op = ctx.operation(staff, Action.TIME_SESSION)
    decision = counter_operations.close_session(op, member, rate, started_at,
                                                tenders)
    return carry_out(ctx, decision, pin_proof)


def redeem_gift(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, gift_code: str,
    qty: int = 1,
) -> OperationResult:
    """积分兑换: a gift of the points catalogue (the `points_rules` document), points FIFO."""
    gift = ctx.configuration().gifts.get(gift_code)
    if gift is None:
        raise InvalidInput("gift.unknown", code=gift_code)
    op = ctx.operation(staff, Action.REDEEM_GIFT)
    decision = counter_operations.redeem_gift(op, member, gift, qty)
    if gift.stock is not None:
        _hold_gift_units(ctx, op.op_id, member, gift.code, qty)
    return carry_out(ctx, decision)


def gifts_with_stock_known(ctx: CashierContext) -> list[Gift]:
    """The points catalogue's gifts, each with a stock showing what HQ last published is left
    of it (its `gift_stock` document; the catalogue's stock until there is one)."""
    document = ctx.store.effective_config(GIFT_STOCK)
    published = decode_gift_stock(document.body if document else None)
    return [replace(gift, stock=known_left(gift, published))
            for gift in ctx.configuration().gifts.values()]


def _hold_gift_units(ctx: CashierContext, op_id: str, member: MemberContext, code: str,
                     qty: int) -> None:
    """The gift's stock is the chain's: HQ holds the units, or offline the terminal's own
    bound does (membership.gift_stock); refused with what is left."""
    answer = ctx.guard.authorise(op_id, member.account_card.card_no, GIFT, qty, code)
    if not answer.approved:
        left = answer.available if answer.available is not None else 0
        raise DebitRefused(answer.reason or OUT_OF_STOCK, code=code, requested=qty, left=left)


def time_rate(card_type: CardType, service: str) -> TimeRate:
    for rate in card_type.time_rates:
        if rate.service == service:
            return rate
    raise InvalidInput("time.unknown_service", service=service, type_code=card_type.code)
