"""`sale_moves` is the first half of `decide_sale`, all HQ's re-decision runs: what it moves must
be exactly what the terminal's full decision commits, or HQ would compare against something
else than the terminal did."""

from __future__ import annotations

import pytest

from membership.catalogue import SaleLine
from membership.sale import MemberContext, SaleRequest, SaleRules, decide_sale, quote, sale_moves
from membership.tenders import Tender
from tests.support.sale_world import AT, CAKE, EARN, LATTE, STORE, card_pay, cash, member

RULES = SaleRules(earning=EARN)
LINES = (SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1))


def _request(who: MemberContext | None, pay: str) -> SaleRequest:
    due = quote(SaleRequest("T01-100", AT, LINES), STORE, RULES, who).amount_due
    tenders: tuple[Tender, ...] = (card_pay(due),) if pay == "card" else (cash(due + 1000),)
    return SaleRequest("T01-100", AT, LINES, tenders)


@pytest.mark.parametrize(("who", "pay"), [(None, "cash"), (member(), "cash"),
                                          (member(), "card")])
def test_sale_moves_moves_what_decide_sale_commits(who: MemberContext | None, pay: str) -> None:
    request = _request(who, pay)
    moves = sale_moves(request, STORE, RULES, who)
    decision = decide_sale(request, STORE, RULES, who)
    assert tuple(moves.entries) == decision.entries
    assert moves.priced == decision.priced and moves.settlement == decision.settlement
    assert (moves.award.total if moves.award else 0) == decision.points_earned
    if who is not None:
        assert decision.points_earned > 0 and decision.entries  # the member case moves things
