"""Checkout at the counter: the quote the screen shows, the confirmed sale (split tenders,
stored value with the member's PIN, a coupon, points as payment), and count use (计次消费).

A guest sale (no member) may be paid in cash, by bank card, WeChat or Alipay; the core refuses
stored value, points and count lines without a card. A coupon already used is refused
(terminal.cashier.coupons), at the quote and again at the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from membership.catalogue import Product, SaleLine, validate_sale_lines
from membership.config_documents import StoreConfiguration
from membership.errors import InvalidInput
from membership.permissions import Action
from membership.pricing import PricedSale
from membership.sale import MemberContext, SaleRequest, decide_sale, quote
from membership.tenders import Tender
from terminal.cashier.context import CashierContext, StaffMember
from terminal.cashier.coupons import coupon_for
from terminal.cashier.operations.common import OperationResult, carry_out
from terminal.cashier.ports import PinProof


def quote_sale(
    ctx: CashierContext, staff: StaffMember, member: MemberContext | None,
    lines: Sequence[SaleLine], coupon_code: str = "", points_requested: int = 0,
) -> PricedSale:
    """What the sale costs now, before any tender: for the screen, nothing is committed."""
    config = ctx.configuration()
    request = SaleRequest("", ctx.clock(), current_lines(config, lines),
                          coupon=coupon_for(ctx, config, coupon_code),
                          points_requested=points_requested)
    return quote(request, ctx.store_context(staff), config.sale_rules(), member)


def confirm_sale(
    ctx: CashierContext, staff: StaffMember, member: MemberContext | None,
    lines: Sequence[SaleLine], tenders: Sequence[Tender], coupon_code: str = "",
    points_requested: int = 0, pin_proof: PinProof | None = None,
    action: Action = Action.SELL,
) -> OperationResult:
    """结账: decide the sale, authorise its card debits, commit, print. Cash change is the
    core's (the tenders hold the cash handed over)."""
    config = ctx.configuration()
    op = ctx.operation(staff, action)
    request = SaleRequest(op.op_id, op.at, current_lines(config, lines), tuple(tenders),
                          coupon=coupon_for(ctx, config, coupon_code),
                          points_requested=points_requested)
    decision = decide_sale(request, op.store, config.sale_rules(), member)
    return carry_out(ctx, decision, pin_proof)


def check_member_can_pay(ctx: CashierContext, member: MemberContext) -> None:
    """Before the member is asked for their PIN: a card that cannot pay today (lost, frozen,
    expired...) is refused now, as the sale (or the withdrawal) would refuse it, and no PIN is
    typed for it."""
    member.ensure_can_pay(ctx.clock().date())


def use_count(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, service_code: str,
    qty: int = 1, served_by: str = "",
) -> OperationResult:
    """计次消费: `qty` uses of a service from the member's packages (soonest expiry first);
    `served_by` is the staff member who gave the service, for commission."""
    line = SaleLine(1, _product(ctx.configuration(), service_code), qty, use_count=True,
                    staff_id=served_by)
    return confirm_sale(ctx, staff, member, (line,), (), action=Action.USE_COUNT)


def current_lines(config: StoreConfiguration, lines: Sequence[SaleLine]) -> tuple[SaleLine, ...]:
    """The lines with the products as the configuration in force has them: a price changed
    since the screen was built is charged as HQ set it (the tenders then no longer match, and
    the cashier quotes again)."""
    validate_sale_lines(lines)
    return tuple(replace(line, product=_product(config, line.product.code)) for line in lines)


def _product(config: StoreConfiguration, code: str) -> Product:
    product = config.products.get(code)
    if product is None:
        raise InvalidInput("catalogue.unknown_product", code=code)
    return product
