"""`make storeday`: a scripted day at the demo store, played through the membership core alone
(no store, no UI, no HQ). Prints every receipt as the 58 mm printer would and the closing
balances: a quick look at the rules and the Chinese receipts without starting anything.

Every operation's decision is kept in in-memory day books (`DayBooks`) the way the terminal's
store commits it to SQLite: entries appended, cards replaced by their new state, nothing else.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from membership import card_service, counter_operations
from membership.cards import Card
from membership.catalogue import SaleLine
from membership.counter_operations import CounterDecision, Operation
from membership.errors import DomainError
from membership.ledger import LedgerEntry, derive_balances
from membership.levels import Activity, upgrade_for
from membership.money import format_fen
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext, SaleDecision, SaleRequest, decide_sale, quote
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo
from terminal.i18n import error_message, translate
from terminal.receipts.text import render_text

DAY = datetime(2026, 11, 23)


@dataclass
class DayBooks:
    """The terminal's books for the day: the ledger, the cards, takings, commissions."""

    entries: list[LedgerEntry] = field(default_factory=list)
    cards: dict[str, Card] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    activities: dict[str, list[Activity]] = field(default_factory=lambda: defaultdict(list))
    takings: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    commissions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seq: int = 0

    def next_op(self, hour: int, minute: int) -> Operation:
        self.seq += 1
        at = DAY.replace(hour=hour, minute=minute)
        return Operation(f"{demo.STORE.terminal_id}-{self.seq}", at, demo.STORE)

    def member(self, card_no: str) -> MemberContext:
        card = self.cards[card_no]
        level = next(lv for lv in demo.LEVELS.levels if lv.code == (card.level or "NORMAL"))
        return MemberContext(card, demo.GOLD_CARD, derive_balances(self.entries, card_no),
                             level=level, member_name=self.names.get(card.member_id, ""))

    def commit(self, decision: CounterDecision | SaleDecision, lang: str) -> None:
        self.entries += decision.entries
        for card in getattr(decision, "cards", ()):
            self.cards[card.card_no] = card
        settlement = decision.settlement
        for tender in settlement.tenders if settlement else ():
            self.takings[tender.kind.value] += tender.amount
        for line in decision.commissions:
            self.commissions[line.staff_id] += line.amount
        print(render_text(decision.receipt, width=32, lang=lang))


def play(lang: str = "zh_CN") -> DayBooks:
    books = DayBooks()
    books.names["M0001"] = "张三"
    card_no = "8800000000000001"
    _enrol_and_top_up(books, card_no, lang)
    _morning_sales(books, card_no, lang)
    _services(books, card_no, lang)
    _afternoon(books, card_no, lang)
    _refuse_bad_input(books, card_no, lang)
    return books


def _enrol_and_top_up(books: DayBooks, card_no: str, lang: str) -> None:
    op = books.next_op(9, 5)
    books.commit(card_service.enrol(
        Operation(op.op_id, op.at, op.store, staff_id="S01"), card_no, "M0001", "张三",
        demo.GOLD_CARD, [Tender(TenderKind.CASH, 2000)], level="NORMAL",
        rules=demo.RULES.commission_rules), lang)
    op = books.next_op(9, 6)
    books.commit(counter_operations.top_up(
        Operation(op.op_id, op.at, op.store, staff_id="S01"), books.member(card_no), 100000,
        [Tender(TenderKind.WECHAT, 100000, reference="WX4200001234")],
        demo.RULES.commission_rules), lang)


def _morning_sales(books: DayBooks, card_no: str, lang: str) -> None:
    products = demo.PRODUCTS
    guest = SaleRequest(books.next_op(9, 30).op_id, DAY.replace(hour=9, minute=30),
                        (SaleLine(1, products["AMERICANO"], 2),),
                        (Tender(TenderKind.CASH, 5000),))
    books.commit(decide_sale(guest, demo.STORE, demo.RULES, None), lang)
    op = books.next_op(10, 15)
    member_sale = SaleRequest(
        op.op_id, op.at,
        (SaleLine(1, products["LATTE"], 2), SaleLine(2, products["CAKE"], 1),
         SaleLine(3, products["CROISSANT"], 3), SaleLine(4, products["BEANS"], 1)),
        (Tender(TenderKind.STORED_VALUE, 15000), Tender(TenderKind.CASH, 10000)),
        coupon=demo.WELCOME_COUPON,
    )
    _sell(books, card_no, member_sale, lang)


def _sell(books: DayBooks, card_no: str, request: SaleRequest, lang: str) -> SaleDecision:
    decision = decide_sale(request, demo.STORE, demo.RULES, books.member(card_no))
    books.commit(decision, lang)
    books.activities[card_no].append(
        Activity(request.at, decision.priced.amount_due, decision.points_earned))
    change = upgrade_for(demo.LEVELS, books.cards[card_no].level or "NORMAL",
                         books.activities[card_no], request.at)
    if change is not None:
        # The new level's discount applies from the next sale.
        card = books.cards[card_no]
        books.cards[card_no] = Card(**{**card.__dict__, "level": change.to_code})
        name = next(lv.name for lv in demo.LEVELS.levels if lv.code == change.to_code)
        print(f"** {translate('level.changed', lang, level=name)}\n")
    return decision


def _services(books: DayBooks, card_no: str, lang: str) -> None:
    op = books.next_op(11, 0)
    books.commit(counter_operations.buy_package(
        Operation(op.op_id, op.at, op.store, staff_id="S02"), books.member(card_no),
        demo.FACIAL_PACKAGE, 1, [Tender(TenderKind.STORED_VALUE, 50000),
                                 Tender(TenderKind.BANK_CARD, 108000, reference="POS-77812")],
        demo.RULES.commission_rules), lang)
    books.activities[card_no].append(Activity(op.at, demo.FACIAL_PACKAGE.price, 0))
    op = books.next_op(14, 0)
    use = SaleRequest(op.op_id, op.at,
                      (SaleLine(1, demo.PRODUCTS["FACIAL"], 1, use_count=True, staff_id="S02"),))
    _sell(books, card_no, use, lang)


def _afternoon(books: DayBooks, card_no: str, lang: str) -> None:
    op = books.next_op(15, 0)
    points_now = books.member(card_no).balances.points
    sale = SaleRequest(op.op_id, op.at,
                       (SaleLine(1, demo.PRODUCTS["BEANS"], 1),
                        SaleLine(2, demo.PRODUCTS["CAKE"], 1)),
                       points_requested=points_now)
    sale = _pay_exactly(books, card_no, sale, TenderKind.ALIPAY)
    decision = _sell(books, card_no, sale, lang)
    op = books.next_op(16, 0)
    refund = decide_refund(
        RefundRequest(op.op_id, op.at, decision.record, authorised_by="李店长",
                      quantities={2: 1}, reason="顾客不要蛋糕"),
        books.member(card_no).balances,
    )
    books.entries += refund.entries
    for kind, amount in refund.record.tender_refunds:
        books.takings[kind] -= amount
    print(render_text(refund.receipt, width=32, lang=lang))


def _pay_exactly(
    books: DayBooks, card_no: str, request: SaleRequest, kind: TenderKind
) -> SaleRequest:
    """Price first, then pay exactly what is due with one tender, as the cashier does."""
    due = quote(request, demo.STORE, demo.RULES, books.member(card_no)).amount_due
    tender = Tender(kind, due, reference="ALI20261123" if kind is TenderKind.ALIPAY else "")
    return SaleRequest(request.op_id, request.at, request.lines, (tender,),
                       request.coupon, request.points_requested)


def _refuse_bad_input(books: DayBooks, card_no: str, lang: str) -> None:
    """What the cashier sees when the card cannot pay: a translated message, nothing moves."""
    op = books.next_op(17, 0)
    too_much = _pay_exactly(books, card_no, SaleRequest(
        op.op_id, op.at, (SaleLine(1, demo.PRODUCTS["BEANS"], 10),)), TenderKind.STORED_VALUE)
    before = len(books.entries)
    try:
        decide_sale(too_much, demo.STORE, demo.RULES, books.member(card_no))
    except DomainError as error:
        print(f"!! {error_message(error, lang)}\n")
    assert len(books.entries) == before


def print_closing(books: DayBooks, lang: str) -> None:
    print("=" * 32)
    for card_no, card in books.cards.items():
        balances = derive_balances(books.entries, card_no)
        print(f"{translate('receipt.card_no', lang)}：{card_no}  {card.level}")
        print(f"  {translate('receipt.principal', lang)} {format_fen(balances.principal)}")
        print(f"  {translate('receipt.bonus', lang)} {format_fen(balances.bonus)}")
        print(f"  {translate('receipt.points', lang)} {balances.points}")
        for lot in balances.count_lots:
            print(f"  {translate('receipt.counts_left', lang)} {lot.service} {lot.remaining}")
    for kind, amount in sorted(books.takings.items()):
        print(f"{translate('tender.' + kind, lang)} {format_fen(amount)}")
    for staff_id, amount in sorted(books.commissions.items()):
        print(f"{translate('receipt.commission', lang)} {staff_id} {format_fen(amount)}")
    print(f"ledger entries: {len(books.entries)}")


def main(argv: list[str]) -> int:
    lang = argv[0] if argv else "zh_CN"
    books = play(lang)
    print_closing(books, lang)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
