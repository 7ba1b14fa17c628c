"""The state of the operation-sequence machine, and its sale and refund rules.

Split from test_operation_sequences.py only to keep each file short; the machine is one class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from membership.cards import Card, CardStatus
from membership.catalogue import SaleLine
from membership.errors import DomainError
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, derive_balances
from membership.refunds import RefundRequest, decide_refund
from membership.sale import MemberContext, SaleRequest, decide_sale
from membership.tenders import TenderKind

from .model import (
    ChildMoney,
    Money,
    Sold,
    Tally,
    attempt,
    blocked,
    quota_used,
)
from .world import (
    COUPONS,
    HAIRCUT,
    MANAGER,
    SERVICE,
    START,
    STORE,
    RefundShare,
    check_priced,
    check_settlement,
    expected_draw,
    redeemable,
    sale_lines,
    tender_plans,
)
from .world import (
    quote as price_quote,
)

# (which card, and 0 to take any card at all; otherwise a card that may pay, when there is one)
picks = st.tuples(st.integers(0, 10_000), st.integers(0, 4))


class SalesMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.ledger: list[LedgerEntry] = []
        self.cards: dict[str, Card] = {}
        self.tally: dict[str, Tally] = {}
        self.money = Money()
        self.sales: list[Sold] = []
        self.child_spends: list[ChildMoney] = []
        self.child_refunds: list[ChildMoney] = []
        self.clawed_lots: set[str] = set()
        self.lot_terms: dict[str, tuple] = {}
        self.serial = 0
        self.checked_entries = 0

    # --- helpers ----------------------------------------------------------------------------

    def next_op(self) -> str:
        self.serial += 1
        return f"OP-{self.serial}"

    def days(self, count: int) -> timedelta:
        return timedelta(days=count)

    def minutes(self, count: int) -> timedelta:
        return timedelta(minutes=count)

    def add_card(self, card: Card) -> None:
        self.serial += 1
        self.cards[card.card_no] = card
        self.tally.setdefault(card.card_no, Tally())

    def pick_card(self, pick: tuple[int, int], subsidiary: bool | None = None) -> Card:
        index, anyone = pick
        pool = [card for _, card in sorted(self.cards.items())
                if subsidiary is None or card.is_subsidiary == subsidiary]
        usable = [card for card in pool if not blocked(card) and not (
            card.is_subsidiary and blocked(self.cards[card.parent_card_no]))]
        pool = usable if anyone and usable else pool
        return pool[index % len(pool)]

    def balances(self, card_no: str) -> CardBalances:
        return derive_balances(self.ledger, card_no)

    def account_of(self, card_no: str) -> str:
        """The card that holds an account now, following replacements."""
        while card_no and self.cards[card_no].replaced_by:
            card_no = self.cards[card_no].replaced_by
        return card_no

    def commit(self, entries: Iterable[LedgerEntry]) -> None:
        for entry in entries:
            opens_lot = entry.kind in (EntryKind.EARN, EntryKind.PURCHASE)
            if entry.account in (Account.POINTS, Account.COUNT) and opens_lot:
                terms = (entry.service, entry.valid_from, entry.valid_until)
                assert self.lot_terms.setdefault(entry.lot, terms) == terms, entry
            self.ledger.append(entry)

    # --- sale -------------------------------------------------------------------------------

    def member_context(self, card: Card) -> MemberContext:
        if card.is_subsidiary:
            parent = self.cards[card.parent_card_no]
            return MemberContext(card, self.card_type, self.balances(parent.card_no),
                                 parent=parent, parent_entries=tuple(self.ledger))
        return MemberContext(card, self.card_type, self.balances(card.card_no))

    def card_room(self, member: MemberContext) -> int:
        """What the card can pay now: the balance, and for a subsidiary card its quota left."""
        account = self.tally[member.account_card.card_no]
        room = max(account.principal, 0) + max(account.bonus, 0)
        if member.parent is None:
            return room
        used = quota_used(self.card_type.subsidiary.period.value, member.card.card_no,
                          self.child_spends, self.child_refunds, self.now)
        return min(room, max(member.card.quota - used, 0))

    def sale_must_fail(self, member: MemberContext, lines, card_amount: int) -> set[str]:
        """The errors a priced sale must fail with, from the model (empty: it must succeed)."""
        must: set[str] = set()
        needed = sum(line.qty for line in lines if line.use_count)
        if needed > member.balances.counts_for(SERVICE, self.now.date()):
            must |= {"count.insufficient", "count.expired"}
        if not card_amount:
            return must
        account = self.tally[member.account_card.card_no]
        if card_amount > max(account.principal, 0) + max(account.bonus, 0):
            must.add("balance.insufficient")
        if member.parent is not None:
            used = quota_used(self.card_type.subsidiary.period.value, member.card.card_no,
                              self.child_spends, self.child_refunds, self.now)
            if used + card_amount > member.card.quota:
                must.add("subsidiary.quota_exceeded")
        return must

    @rule(pick=picks, guest=st.integers(0, 9), lines=sale_lines(),
          coupon=st.sampled_from((None, *COUPONS)),
          ask_points=st.sampled_from(["none", "within", "over"]),
          points_pick=st.integers(0, 10_000), plan=tender_plans)
    def sale(self, pick, guest, lines, coupon, ask_points, points_pick, plan, fits_card=False):
        card = None if guest == 0 else self.pick_card(pick)
        member = self.member_context(card) if card else None
        if member is None:
            lines = tuple(replace(line, use_count=False) for line in lines)
            plan = replace(plan, card_percent=0)
        requested = 0
        if member and ask_points != "none":
            available = redeemable(member.balances, self.now.date())
            if ask_points == "over":
                requested = available + 1 + points_pick % 50
            else:  # often all of them, which the offset cap then cuts to what it allows
                requested = available if points_pick % 2 else points_pick % (available + 1)
        must = blocked(card, *([member.parent] if member.parent else [])) if card else set()
        try:
            quote = price_quote(lines, coupon, member, requested, self.rules, self.now)
        except DomainError as error:
            must.add(error.key)
            quote = None
        room = self.card_room(member) if member and fits_card else None
        tenders, card_amount, wechat, cash = plan.tenders(quote.amount_due if quote else 1, room)
        if quote and member and not must:
            must = self.sale_must_fail(member, lines, card_amount)
        request = SaleRequest(self.next_op(), self.now, lines, tenders, coupon, requested)
        decision = attempt(self.ledger, lambda: decide_sale(request, STORE, self.rules, member),
                           must)
        if decision is None:
            return
        assert decision.priced == quote
        check_priced(decision.priced)
        check_settlement(decision.settlement, quote.amount_due, card_amount, wechat, cash)
        self.book_sale(decision, member, card_amount)

    @rule(pick=st.integers(0, 10_000), lines=sale_lines(),
          coupon=st.sampled_from((None, *COUPONS)), points_pick=st.integers(0, 10_000),
          plan=tender_plans)
    def member_sale(self, pick, lines, coupon, points_pick, plan):
        """A member's ordinary sale on a card that may pay, as a rule of its own so that sales
        (and the refunds, replacements and expiries that follow them) are frequent."""
        self.sale((pick, 1), 1, lines, coupon, "within", points_pick, plan, fits_card=True)

    @rule(pick=picks, uses_pick=st.integers(0, 10_000), more=sale_lines(allow_counts=False),
          plan=tender_plans)
    def count_sale(self, pick, uses_pick, more, plan):
        """A service paid by count package uses, with other lines paid in money."""
        card = self.pick_card(pick)
        account = self.cards[card.parent_card_no] if card.is_subsidiary else card
        held = self.balances(account.card_no).counts_for(SERVICE, self.now.date())
        haircut = SaleLine(1, HAIRCUT, 1 + uses_pick % max(held, 1), use_count=True)
        lines = (haircut, *(replace(line, line_no=line.line_no + 1) for line in more))
        self.sale(pick, 1, lines, None, "within", uses_pick, plan, fits_card=True)

    def book_sale(self, decision, member: MemberContext | None, card_amount: int) -> None:
        record = decision.record
        from_principal, from_bonus = expected_draw(
            member.balances, card_amount, self.card_type.draw_order) if card_amount else (0, 0)
        self.check_record(record, from_principal, from_bonus)
        account_no = member.account_card.card_no if member else ""
        assert all(entry.card_no == account_no for entry in decision.entries)
        self.check_points_earned(decision, member)
        self.check_new_points_lots(decision.entries)
        self.commit(decision.entries)
        if member is not None and member.parent is not None:
            # subsidiary spending: the parent pays exactly what the child spent
            drop = member.balances.stored_value - self.balances(account_no).stored_value
            assert drop == card_amount
        if member is not None:
            tally = self.tally[account_no]
            tally.principal -= from_principal
            tally.bonus -= from_bonus
            tally.points += decision.points_earned - decision.priced.points_used
            for line in decision.priced.lines:
                if line.line.use_count:
                    tally.add_counts(line.line.product.code, -line.line.qty)
        if member is not None and member.parent is not None and card_amount:
            assert record.actor_card_no == member.card.card_no
            assert all(e.actor_card_no == member.card.card_no for e in decision.entries
                       if e.account in (Account.PRINCIPAL, Account.BONUS))
            self.child_spends.append(
                ChildMoney(member.card.card_no, record.op_id, self.now, card_amount))
        self.money.principal_spent += from_principal
        self.money.bonus_spent += from_bonus
        self.money.card_tendered += card_amount
        self.sales.append(Sold(record, decision.settlement))

    def check_record(self, record, from_principal: int, from_bonus: int) -> None:
        assert sum(line.principal for line in record.lines) == from_principal
        assert sum(line.bonus for line in record.lines) == from_bonus
        for line in record.lines:
            assert line.principal >= 0 and line.bonus >= 0, line
            if not line.count_service:
                assert sum(amount for _, amount in line.tender_parts) == line.net, line
            card_part = line.tender_part(TenderKind.STORED_VALUE)
            assert card_part == line.principal + line.bonus, line

    def check_points_earned(self, decision, member: MemberContext | None) -> None:
        """floor(Σ (net − bonus part) × category multiplier ÷ 10 fen per point), drinks count ×2."""
        if member is None:
            assert decision.points_earned == 0
            return
        multiplier = {"drinks": 2}
        eligible = sum(
            (line.net - line.bonus) * multiplier.get(line.category, 1)
            for line, priced in zip(decision.record.lines, decision.priced.lines, strict=True)
            if not line.count_service and priced.line.product.earns_points
        )
        assert decision.points_earned == eligible // 10

    def check_new_points_lots(self, entries) -> None:
        last_day = self.now.date() + timedelta(days=self.expiry_days - 1)
        for entry in entries:
            if entry.kind is EntryKind.EARN and entry.lot not in self.lot_terms:
                assert entry.valid_until == last_day, entry

    # --- refund -----------------------------------------------------------------------------

    def refundable(self) -> list[Sold]:
        """Sales with units left whose account is not closed (a cancelled card takes nothing
        back: the counter refunds such a sale in cash, outside the core)."""
        return [sold for sold in self.sales if sold.units_left and not (
            sold.record.card_no and self.cards[self.account_of(sold.record.card_no)].status
            is CardStatus.CANCELLED)]

    @precondition(lambda self: bool(self.refundable()))
    @rule(pick=st.integers(0, 10_000), mode=st.sampled_from(["all", "some", "void"]),
          qty_pick=st.integers(0, 10_000))
    def refund(self, pick, mode, qty_pick):
        candidates = self.refundable()
        sold = candidates[pick % len(candidates)]
        left = {no: qty for no, qty in sold.left().items() if qty > 0}
        quantities: dict[int, int] = {}
        if mode == "void" and sold.refunds:
            mode = "all"
        if mode == "some":
            line_no = sorted(left)[qty_pick % len(left)]
            quantities = {line_no: 1 + qty_pick // 7 % left[line_no]}
        share = RefundShare()
        for line_no, qty in (quantities or left).items():
            share.add(sold.record.line(line_no), sold.refunded.get(line_no, 0), qty)
        account_no = self.account_of(sold.record.card_no)
        request = RefundRequest(self.next_op(), self.now, sold.record, MANAGER,
                                prior_refunds=tuple(sold.refunds), quantities=quantities,
                                void=mode == "void")
        balances = self.balances(account_no) if account_no else None
        decision = attempt(self.ledger, lambda: decide_refund(request, balances, account_no),
                           set())
        self.check_refund(decision, sold, quantities or left, share, account_no)
        self.book_refund(decision, sold, share, account_no)

    @precondition(lambda self: bool(self.refundable()))
    @rule(pick=st.integers(0, 10_000), qty_pick=st.integers(0, 10_000))
    def refund_some(self, pick, qty_pick):
        """Partial refunds, as a rule of their own so that sales are often refunded in steps."""
        self.refund(pick, "some", qty_pick)

    def check_refund(self, decision, sold: Sold, quantities, share: RefundShare,
                     account_no: str) -> None:
        record = decision.record
        assert dict(record.quantities) == quantities
        assert dict(record.tender_refunds) == {k: v for k, v in share.tenders.items() if v}
        assert record.amount == sum(share.tenders.values())
        assert all(entry.card_no == account_no for entry in decision.entries)
        card_back = sum(e.delta for e in decision.entries
                        if e.account in (Account.PRINCIPAL, Account.BONUS))
        assert card_back == share.principal + share.bonus

    def book_refund(self, decision, sold: Sold, share: RefundShare, account_no: str) -> None:
        self.commit(decision.entries)
        if account_no:
            tally = self.tally[account_no]
            tally.principal += share.principal
            tally.bonus += share.bonus
            tally.points += share.points_used - share.points_earned
            for service, uses in share.counts.items():
                tally.add_counts(service, uses)
        self.clawed_lots |= {e.lot for e in decision.entries if e.account is Account.POINTS
                             and e.kind is EntryKind.REFUND and e.delta < 0}
        if sold.record.actor_card_no:
            self.child_refunds.append(ChildMoney(sold.record.actor_card_no, sold.record.op_id,
                                                 self.now, share.principal + share.bonus))
        self.money.principal_refunded += share.principal
        self.money.bonus_refunded += share.bonus
        self.money.card_refunded += dict(decision.record.tender_refunds).get(
            TenderKind.STORED_VALUE, 0)
        sold.refunds.append(decision.record)
        for line_no, qty in decision.record.quantities:
            sold.refunded[line_no] = sold.refunded.get(line_no, 0) + qty
        if not sold.units_left:
            self.check_whole_sale_returned(sold)

    def check_whole_sale_returned(self, sold: Sold) -> None:
        """Refunded to the last unit, every tender got back exactly what it paid."""
        back: dict[str, int] = {}
        for refund in sold.refunds:
            for kind, amount in refund.tender_refunds:
                back[kind] = back.get(kind, 0) + amount
        paid = {tender.kind.value: sold.settlement.amount_of(tender.kind)
                for tender in sold.settlement.tenders}
        assert back == paid
        assert sum(refund.amount for refund in sold.refunds) == sold.record.amount_due
