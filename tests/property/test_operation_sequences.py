"""Random sequences of counter operations across the core modules, checked after every step.

A hypothesis state machine tops up, withdraws, sells (stored value, cash, WeChat, points offset,
count-paid lines, coupons and promotions, a subsidiary card spending its parent's balance),
refunds partly and wholly, buys count packages and time, redeems gifts, expires points and moves
cards through loss, freeze, replacement and cancellation. Only the real decision functions are
called. The test keeps the committed ledger (a decision's entries are appended only when the call
returned) and its own tally per card and money counters, and checks after every step that:

- balances derived from the ledger equal the tally; principal, bonus, counts and time are never
  negative, points only in a lot that a refund's clawback took back;
- a lot keeps the terms (service, validity) it was opened with, whichever card holds it;
- replaced, cancelled and subsidiary cards hold nothing;
- no money is created: stored value equals what was paid in and given as bonus, less what was
  spent, withdrawn and closed by cancellation, plus what refunds gave back.

The rules themselves check tenders, pricing, replacement, cancellation and subsidiary spending,
and every call the model expects to fail must raise the expected domain error and change nothing.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from membership import count_packages, lifecycle, points, stored_value, subsidiary, timecards
from membership.cards import CardStatus, DrawOrder, QuotaPeriod
from membership.catalogue import SaleLine
from membership.refunds import RefundRequest, decide_refund
from membership.sale import SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind

from .invariants import LedgerInvariants
from .model import (
    ALLOWED_FROM,
    ENDS_IN,
    attempt,
    blocked,
    is_empty,
)
from .sales import SalesMachine, picks
from .world import (
    CHILD_QUOTA,
    COFFEE,
    GIFTS,
    MANAGER,
    MAX_BALANCE,
    MIN_TOPUP,
    PACKAGES,
    ROOM,
    STORE,
    card_type,
    expected_bonus,
    redeemable,
    sale_rules,
)

amounts = st.one_of(
    st.sampled_from([0, 99, 100, 49999, 50000, 100000, 300000, 999999]), st.integers(1, 400000)
)


class CounterMachine(LedgerInvariants, SalesMachine):
    @initialize(
        draw_order=st.sampled_from(DrawOrder),
        cancellation_fee=st.sampled_from([0, 500, 5000]),
        period=st.sampled_from(QuotaPeriod),
        expiry_days=st.sampled_from([2, 7, 30]),
        min_points=st.sampled_from([0, 30]),
        with_promotions=st.booleans(),
        opening_top_ups=st.lists(st.sampled_from([0, 20000, 50000, 100000, 300000]),
                                 min_size=2, max_size=2),
    )
    def open_shop(self, draw_order, cancellation_fee, period, expiry_days, min_points,
                  with_promotions, opening_top_ups):
        self.card_type = card_type(draw_order, cancellation_fee, period)
        self.rules = sale_rules(expiry_days, min_points, with_promotions)
        self.expiry_days = expiry_days
        for number, paid in enumerate(opening_top_ups, start=1):
            issued = lifecycle.issue_card(f"C{number}", f"M{number}", self.card_type,
                                          self.now.date())
            self.add_card(issued.card)
            if paid:
                self.top_up((number - 1, 0), paid)

    # --- stored value -----------------------------------------------------------------------

    @rule(pick=picks, paid=amounts)
    def top_up(self, pick, paid):
        card = self.pick_card(pick)
        tally = self.tally[card.card_no]
        bonus = expected_bonus(paid)
        must = blocked(card)
        if card.is_subsidiary:
            must.add("topup.subsidiary_card")
        if paid < MIN_TOPUP:
            must.add("topup.below_minimum")
        if tally.principal + tally.bonus + paid + bonus > MAX_BALANCE:
            # the message names the largest top-up that fits, or says none does
            must |= {"topup.over_maximum", "topup.balance_full"}
        decision = attempt(self.ledger, lambda: stored_value.top_up(
            card, self.card_type, self.balances(card.card_no), paid, self.next_op(), self.now,
        ), must)
        if decision is None:
            return
        assert (decision.paid, decision.bonus) == (paid, bonus)
        self.commit(decision.entries)
        tally.principal += paid
        tally.bonus += bonus
        self.money.topups += paid
        self.money.bonus_given += bonus

    @rule(pick=picks, percent=st.integers(0, 110), fen=st.integers(-1, 1))
    def withdraw(self, pick, percent, fen):
        card = self.pick_card(pick)
        tally = self.tally[card.card_no]
        amount = tally.principal * percent // 100 + fen
        must = blocked(card)
        if card.is_subsidiary:
            must.add("withdraw.subsidiary_card")
        if amount <= 0:
            must.add("input.invalid")
        elif amount > tally.principal:
            must.add("balance.insufficient_principal")
        entries = attempt(self.ledger, lambda: stored_value.withdraw(
            card, self.card_type, self.balances(card.card_no), amount, self.next_op(), self.now,
        ), must)
        if entries is None:
            return
        self.commit(entries)
        tally.principal -= amount
        self.money.withdrawn += amount

    # --- counts, time, points ---------------------------------------------------------------

    @rule(pick=picks, package=st.sampled_from(PACKAGES), qty=st.integers(0, 2))
    def buy_count_package(self, pick, package, qty):
        card = self.pick_card(pick)
        must = blocked(card)
        if card.is_subsidiary:
            must.add("purchase.subsidiary_card")
        if qty <= 0:
            must.add("input.invalid")
        entries = attempt(self.ledger, lambda: count_packages.purchase_entries(
            card, self.card_type, package, self.next_op(), self.now, qty=qty,
        ), must)
        if entries is None:
            return
        (entry,) = entries
        today = self.now.date()
        valid_until = None if package.validity_days is None else (
            today + self.days(package.validity_days - 1))
        assert (entry.delta, entry.service) == (package.uses * qty, package.service)
        assert (entry.valid_from, entry.valid_until) == (today, valid_until)
        self.commit(entries)
        self.tally[card.card_no].add_counts(package.service, package.uses * qty)

    @rule(pick=picks, minutes=st.integers(0, 400), buying=st.booleans())
    def time_card(self, pick, minutes, buying):
        """Buy prepaid minutes, or sit a session that they (or money) pay for."""
        card = self.pick_card(pick)
        if buying:
            self.buy_time(card, minutes)
        else:
            self.time_session(card, minutes)

    def buy_time(self, card, minutes):
        must = blocked(card)
        if card.is_subsidiary:
            must.add("purchase.subsidiary_card")
        if minutes <= 0:
            must.add("input.invalid")
        entries = attempt(self.ledger, lambda: timecards.purchase_time_entries(
            card, self.card_type, minutes, self.next_op(), self.now,
        ), must)
        if entries is not None:
            self.commit(entries)
            self.tally[card.card_no].time += minutes

    def time_session(self, card, minutes):
        tally = self.tally[card.card_no]
        # 10 grace minutes, then ¥30 per started hour, capped at ¥100 (= 200 prepaid minutes)
        units = -(-(minutes - ROOM.grace_minutes) // 60) if minutes > ROOM.grace_minutes else 0
        minutes_due = min(units * 60, 200)
        charge = attempt(self.ledger, lambda: timecards.charge_session(
            card, self.balances(card.card_no), ROOM, self.now,
            self.now + self.minutes(minutes), self.next_op(),
        ), blocked(card))
        if charge is None:
            return
        prepaid = minutes_due if 0 < minutes_due <= tally.time else 0
        assert charge.prepaid_minutes == prepaid
        assert charge.amount_due == (0 if prepaid else min(units * ROOM.unit_price, ROOM.cap))
        self.commit(charge.entries)
        tally.time -= prepaid

    @rule(pick=picks, gift=st.sampled_from(GIFTS), qty=st.integers(1, 3))
    def redeem_gift(self, pick, gift, qty):
        card = self.pick_card(pick)
        if card.status is not CardStatus.ACTIVE or card.is_subsidiary:
            return  # the counter checks the card before it offers the gift catalogue
        balances = self.balances(card.card_no)
        cost = gift.points_cost * qty
        must = {"points.insufficient"} if cost > redeemable(balances, self.now.date()) else set()
        redemption = attempt(self.ledger, lambda: points.redeem_gift(
            card.card_no, self.next_op(), balances, gift, qty, self.now,
        ), must)
        if redemption is None:
            return
        assert redemption.points == cost
        assert sum(entry.delta for entry in redemption.entries) == -cost
        self.commit(redemption.entries)
        self.tally[card.card_no].points -= cost

    @rule()
    def expire_points(self):
        """The nightly job: every card's points past their last day expire."""
        today = self.now.date()
        for card_no in sorted(self.cards):
            balances = self.balances(card_no)
            due = sum(lot.remaining for lot in balances.points_lots if lot.remaining > 0
                      and lot.valid_until is not None and lot.valid_until < today)
            entries = points.expire_entries(card_no, self.next_op(), balances, today, self.now)
            assert -sum(entry.delta for entry in entries) == due
            assert all(entry.delta < 0 for entry in entries)
            self.commit(entries)
            self.tally[card_no].points -= due
            assert not [lot for lot in self.balances(card_no).points_lots if lot.remaining > 0
                        and lot.valid_until is not None and lot.valid_until < today]

    @rule(hours=st.one_of(st.sampled_from([1, 24, 24 * 7, 24 * 31, 24 * 62]),
                          st.integers(1, 24 * 40)))
    def time_passes(self, hours):
        self.now += self.minutes(60 * hours)

    # --- card lifecycle ---------------------------------------------------------------------

    @rule(pick=picks, action=st.sampled_from(sorted(ENDS_IN)))
    def change_status(self, pick, action):
        card = self.pick_card(pick)
        must = set() if card.status in ALLOWED_FROM[action] else {"card.transition_illegal"}
        moved = attempt(self.ledger, lambda: getattr(lifecycle, action)(card, self.now.date()),
                        must)
        if moved is not None:
            assert moved == replace(card, status=ENDS_IN[action])
            self.cards[card.card_no] = moved

    @rule(pick=picks, quota=st.sampled_from([None, 0, 5000, CHILD_QUOTA]))
    def add_subsidiary(self, pick, quota):
        parent = self.pick_card(pick, subsidiary=False)
        children = [card for card in self.cards.values() if card.parent_card_no]
        live = [child for child in children if child.parent_card_no == parent.card_no
                and child.status not in lifecycle.TERMINAL_STATUSES]
        must = blocked(parent)
        if len(live) >= 2:
            must.add("subsidiary.too_many")
        child = attempt(self.ledger, lambda: subsidiary.add_subsidiary(
            parent, self.card_type, children, f"K{self.serial}", self.now.date(), quota=quota,
        ), must)
        if child is not None:
            assert child.parent_card_no == parent.card_no
            assert child.quota == (CHILD_QUOTA if quota is None else quota)
            self.add_card(child)

    @rule(pick=picks)
    def replace_card(self, pick):
        old = self.pick_card(pick)
        new_no = f"R{self.serial}"
        children = tuple(self.cards.values())
        must = set() if old.status in ALLOWED_FROM["replace"] else {"card.transition_illegal"}
        before = self.balances(old.card_no)
        decision = attempt(self.ledger, lambda: lifecycle.replace_card(
            old, new_no, before, self.card_type, self.next_op(), self.now, children=children,
        ), must)
        if decision is None:
            return
        self.commit(decision.entries)
        self.check_replacement(old.card_no, new_no, before)
        assert decision.fee == 1000
        assert decision.old_card.status is CardStatus.REPLACED
        self.add_card(decision.new_card)
        self.cards[old.card_no] = decision.old_card
        self.tally[new_no], self.tally[old.card_no] = self.tally[old.card_no], self.tally[new_no]
        for child in decision.children:
            assert self.cards[child.card_no].parent_card_no == old.card_no
            self.cards[child.card_no] = child
        assert not [c for c in self.cards.values() if c.parent_card_no == old.card_no]
        self.check_cannot_pay(decision.old_card)

    def check_replacement(self, old_no, new_no, before):
        old_after, new_after = self.balances(old_no), self.balances(new_no)
        assert is_empty(old_after)
        assert (new_after.principal, new_after.bonus, new_after.time_minutes) == (
            before.principal, before.bonus, before.time_minutes)
        for lots in ("points_lots", "count_lots", "pass_lots"):
            moved = {lot.lot: lot.remaining for lot in getattr(new_after, lots)}
            held = {lot.lot: lot.remaining for lot in getattr(before, lots) if lot.remaining}
            assert moved == held, lots

    def check_cannot_pay(self, card):
        balances = self.balances(card.card_no)
        coffee = SaleRequest("op-probe", self.now, (SaleLine(1, COFFEE, 1),),
                             (Tender(TenderKind.CASH, 2800),))
        for call in (
            lambda: lifecycle.ensure_can_pay(card, self.now.date()),
            lambda: stored_value.top_up(card, self.card_type, balances, 10000, "op-probe",
                                        self.now),
            lambda: stored_value.withdraw(card, self.card_type, balances, 1, "op-probe",
                                          self.now),
            lambda: decide_sale(coffee, STORE, self.rules, self.member_context(card)),
        ):
            attempt(self.ledger, call, {"card.replaced", "card.cancelled"})

    @rule(pick=picks, really=st.integers(0, 3))
    def cancel_card(self, pick, really):
        if really:
            return  # the last step of a card's life: rarer than the others, or no card survives
        card = self.pick_card(pick)
        must = set() if card.status in ALLOWED_FROM["cancel"] else {"card.transition_illegal"}
        tally = self.tally[card.card_no]
        decision = attempt(self.ledger, lambda: lifecycle.cancel_card(
            card, self.balances(card.card_no), self.card_type, self.next_op(), self.now,
            children=tuple(self.cards.values()),
        ), must)
        if decision is None:
            return
        fee_kept = min(self.card_type.fees.cancellation, tally.principal)
        assert (decision.fee_kept, decision.refund_to_member) == (
            fee_kept, tally.principal - fee_kept)
        self.commit(decision.entries)
        assert is_empty(self.balances(card.card_no))
        self.money.cancelled_principal += tally.principal
        self.money.bonus_forfeited += tally.bonus
        self.tally[card.card_no] = type(tally)()
        self.cards[card.card_no] = decision.card
        live_children = {c.card_no for c in self.cards.values() if c.parent_card_no ==
                         card.card_no and c.status not in lifecycle.TERMINAL_STATUSES}
        assert {child.card_no for child in decision.children} == live_children
        for child in decision.children:
            self.cards[child.card_no] = child
        self.check_cannot_pay(decision.card)

    # --- refunds that must be refused -------------------------------------------------------

    @rule(member=st.integers(1, 3))
    def issue_card(self, member):
        issued = lifecycle.issue_card(f"N{self.serial}", f"M{member}", self.card_type,
                                      self.now.date())
        assert issued.card.status is CardStatus.ACTIVE and issued.card.expires_on is None
        self.add_card(issued.card)

    @precondition(lambda self: bool(self.sales))
    @rule(pick=st.integers(0, 10_000),
          mistake=st.sampled_from(["no_manager", "too_many", "unknown_line"]))
    def refuse_bad_refund(self, pick, mistake):
        sold = self.sales[pick % len(self.sales)]
        line_no, left = max(sold.left().items())
        request = RefundRequest(
            self.next_op(), self.now, sold.record, "" if mistake == "no_manager" else MANAGER,
            prior_refunds=tuple(sold.refunds),
            quantities={99: 1} if mistake == "unknown_line" else {line_no: left + 1},
        )
        key = {"no_manager": "refund.needs_manager", "too_many": "refund.exceeds",
               "unknown_line": "refund.unknown_line"}[mistake]
        attempt(self.ledger, lambda: decide_refund(request, None, sold.record.card_no), {key})


CounterMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOperationSequences = CounterMachine.TestCase
