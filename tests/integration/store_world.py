"""Decisions of the core on the demo store, for the terminal store's tests (and the child process
of the durability test). Members are read back from the store, as the terminal will do."""

from __future__ import annotations

from datetime import datetime

from membership import card_service
from membership import counter_operations as counter
from membership.catalogue import SaleLine
from membership.counter_operations import CounterDecision, Operation
from membership.levels import Level
from membership.refunds import RefundDecision, RefundRequest, decide_refund
from membership.sale import MemberContext, SaleDecision, SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo
from terminal.store import TerminalStore

DAY = datetime(2026, 11, 23)
CARD_NO = "8800000000000001"
MEMBER_ID = "M0001"


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def enrolment(op_id: str, card_no: str = CARD_NO, member_id: str = MEMBER_ID) -> CounterDecision:
    """开卡 with the ¥20.00 join fee in cash."""
    return card_service.enrol(
        Operation(op_id, at(9), demo.STORE, staff_id="S01"), card_no, member_id, "张三",
        demo.GOLD_CARD, [Tender(TenderKind.CASH, 2000)], level="NORMAL",
    )


def member(store: TerminalStore, card_no: str = CARD_NO) -> MemberContext:
    known = store.known_card(card_no)
    assert known is not None, card_no
    level = _level(known.card.level or "NORMAL")
    return MemberContext(known.card, demo.GOLD_CARD, store.card_balances(card_no), level=level,
                         member_name=known.member.name)


def _level(code: str) -> Level:
    return next(level for level in demo.LEVELS.levels if level.code == code)


def top_up(store: TerminalStore, op_id: str, paid: int = 100000) -> CounterDecision:
    """充值 ¥1000.00 by WeChat: the GOLD card gives ¥100.00 bonus."""
    return counter.top_up(Operation(op_id, at(9, 5), demo.STORE), member(store), paid,
                          [Tender(TenderKind.WECHAT, paid, reference="WX1")])


def member_sale(store: TerminalStore, op_id: str, when: datetime | None = None) -> SaleDecision:
    """Two lattes and a cake: ¥50.00 from the card, the rest in cash (with change)."""
    lines = (SaleLine(1, demo.PRODUCTS["LATTE"], 2), SaleLine(2, demo.PRODUCTS["CAKE"], 1))
    tenders = (Tender(TenderKind.STORED_VALUE, 5000), Tender(TenderKind.CASH, 20000))
    request = SaleRequest(op_id, when or at(10), lines, tenders)
    return decide_sale(request, demo.STORE, demo.RULES, member(store))


def guest_sale(op_id: str, when: datetime | None = None) -> SaleDecision:
    """One latte for a guest, paid with a ¥100.00 note."""
    request = SaleRequest(op_id, when or at(11), (SaleLine(1, demo.PRODUCTS["LATTE"], 1),),
                          (Tender(TenderKind.CASH, 10000),))
    return decide_sale(request, demo.STORE, demo.RULES, None)


def refund(
    store: TerminalStore, original_op: str, op_id: str, quantities: dict[int, int]
) -> RefundDecision:
    """A manager-authorised refund built from what the store kept of the sale."""
    original = store.sale_record(original_op)
    assert original is not None, original_op
    request = RefundRequest(op_id, at(16), original, authorised_by="李店长",
                            prior_refunds=store.refund_records(original_op),
                            quantities=quantities)
    return decide_refund(request, store.card_balances(original.card_no))
