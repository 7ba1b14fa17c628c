"""One checkout through `decide_sale` with everything that can reduce or pay it: promotions,
member discount, a coupon, a points offset at any rate and cap, stored value, WeChat and cash.

Whatever the mix: no discount exceeds its line, the offset stays within its cap and the points
taken are worth it, the tenders pay the amount due exactly (cash: change = received − applied),
and the ledger entries move exactly what the receipt says.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from membership import lifecycle, points, stored_value
from membership.cards import DrawOrder, QuotaPeriod
from membership.errors import DomainError
from membership.ledger import Account, CardBalances, EntryKind, derive_balances
from membership.money import apply_rate
from membership.points import PointsExpiry
from membership.pricing import PointsOffsetRule
from membership.sale import MemberContext, SaleRequest, decide_sale

from .world import (
    COUPONS,
    START,
    STORE,
    card_type,
    check_priced,
    check_settlement,
    expected_draw,
    quote,
    redeemable,
    sale_lines,
    sale_rules,
    tender_plans,
)

offset_rules = st.builds(
    PointsOffsetRule,
    points_per_yuan=st.sampled_from([1, 3, 10, 100, 250, 1000]),
    max_share_bp=st.one_of(st.sampled_from([0, 5000, 10000]), st.integers(0, 10000)),
    min_points=st.sampled_from([0, 0, 50]),
)


@given(lines=sale_lines(allow_counts=False), coupon=st.sampled_from((None, *COUPONS)),
       with_promotions=st.booleans(), draw_order=st.sampled_from(DrawOrder),
       held_points=st.one_of(st.just(0), st.integers(1, 200_000)),
       paid_in=st.sampled_from([0, 5000, 50000, 300000]), points_share=st.integers(0, 100),
       offset=offset_rules, plan=tender_plans)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_checkout_pays_exactly_what_is_due(lines, coupon, with_promotions, draw_order,
                                            held_points, paid_in, points_share, offset, plan):
    kind = card_type(draw_order, 0, QuotaPeriod.MONTH)
    rules = replace(sale_rules(30, 0, with_promotions), points_offset=offset)
    card = lifecycle.issue_card("C1", "M1", kind, START.date()).card
    ledger = points.earn_entries("C1", "op-earn", held_points, START, PointsExpiry())
    if paid_in:
        ledger += stored_value.top_up(card, kind, CardBalances(), paid_in, "op-top", START).entries
    member = MemberContext(card, kind, derive_balances(ledger, "C1"))
    requested = redeemable(member.balances, START.date()) * points_share // 100
    try:
        priced = quote(lines, coupon, member, requested, rules, START)
    except DomainError as error:
        assume(not error.key.startswith(("coupon.", "points.below_minimum")))
        raise
    room = member.balances.stored_value
    tenders, card_amount, wechat, cash = plan.tenders(priced.amount_due, room)
    sale = decide_sale(SaleRequest("op-sale", START, lines, tenders, coupon, requested),
                       STORE, rules, member)
    assert sale.priced == priced
    check_priced(sale.priced)
    check_settlement(sale.settlement, priced.amount_due, card_amount, wechat, cash)
    check_points_offset(sale.priced, offset, requested)
    check_entries(sale, member, card_amount, draw_order)


def check_points_offset(priced, offset: PointsOffsetRule, requested: int) -> None:
    """Within the cap, never more points than offered, and the points are worth the offset."""
    before_points = priced.amount_due + priced.points_offset
    assert priced.points_offset <= apply_rate(before_points, offset.max_share_bp)
    assert 0 <= priced.points_used <= requested
    assert priced.points_used * 100 // offset.points_per_yuan >= priced.points_offset
    assert (priced.points_used == 0) == (priced.points_offset == 0)


def check_entries(sale, member: MemberContext, card_amount: int, draw_order: DrawOrder) -> None:
    def moved(account, kind):
        return sum(e.delta for e in sale.entries if e.account is account and e.kind is kind)

    from_principal, from_bonus = expected_draw(member.balances, card_amount, draw_order) if (
        card_amount) else (0, 0)
    assert moved(Account.PRINCIPAL, EntryKind.SPEND) == -from_principal
    assert moved(Account.BONUS, EntryKind.SPEND) == -from_bonus
    assert moved(Account.POINTS, EntryKind.REDEEM) == -sale.priced.points_used
    assert moved(Account.POINTS, EntryKind.EARN) == sale.points_earned >= 0
