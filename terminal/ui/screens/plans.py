"""Buying a plan for the member's card (购买套餐): a count package (次卡), a period pass (月卡 /
季卡) or prepaid time (计时时长), as the member's card type offers them. The cashier picks one,
sets how many (packages and time units; a pass is one), takes the money with the tender pad
(stored value with the member's PIN) and confirms. Prepaid time is sold in units of the
service's time rate at its unit price. The rules and refusals are ops.buy_package, buy_pass and
buy_time's (membership.counter_operations)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from membership.cards import CardType
from membership.money import Fen
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult, check_member_can_pay
from terminal.cashier.ports import PinProof
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import (
    fixed_row,
    pin_once_allowed,
    report_done,
    row_label,
    run_on_member,
    show_member_line,
)
from terminal.ui.tender_pad import TenderPad
from terminal.ui.widgets import TextButton, button_grid

MAX_QTY = 99


@dataclass(frozen=True)
class Plan:
    """One thing on offer: `kind` is package, pass or time; `code` the package's or pass's code,
    or the time rate's service; `price` of one (a time unit is `minutes` long)."""

    kind: str
    code: str
    name: str
    price: Fen
    minutes: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.code}"


def plans_of(card_type: CardType) -> list[Plan]:
    return ([Plan("package", package.code, package.name, package.price)
             for package in card_type.count_packages]
            + [Plan("pass", period_pass.code, period_pass.name, period_pass.price)
               for period_pass in card_type.passes]
            + [Plan("time", rate.service, rate.service, rate.unit_price, rate.unit_minutes)
               for rate in card_type.time_rates])


class PlansScreen(TerminalScreen):
    screen_name = "plans"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding * 2)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.55)
        self.member = row_label(kit, test_id="plans.member")
        left.add_widget(self.member)
        self.list = BoxLayout(orientation="vertical", size_hint_y=None)
        self.list.bind(minimum_height=self.list.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.list)
        left.add_widget(scroll)
        self.qty_label = kit.label(text="1", size="large", test_id="plans.qty")
        self.qty_label.halign = "center"
        left.add_widget(fixed_row(
            kit, kit.button("", lambda: self.change_qty(-1), text="-", test_id="plans.qty_minus"),
            self.qty_label,
            kit.button("", lambda: self.change_qty(1), text="+", test_id="plans.qty_plus")))
        layout.add_widget(left)
        layout.add_widget(self._pay_column())
        self.add_widget(layout)
        self.view: MemberView | None = None
        self.chosen: Plan | None = None
        self.qty = 1
        self.buttons: dict[str, TextButton] = {}

    def _pay_column(self) -> BoxLayout:
        kit = self.kit
        right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.45)
        self.chosen_label = row_label(kit, "plans.choose", test_id="plans.chosen", rows=1.5)
        right.add_widget(self.chosen_label)
        self.tender_pad = TenderPad(kit, "plans", self.ui.show_error)
        right.add_widget(self.tender_pad)
        right.add_widget(BoxLayout())
        right.add_widget(fixed_row(
            kit, kit.button("ui.back", lambda: self.ui.go("home"), test_id="plans.back",
                            kind="plain"),
            kit.button("plans.confirm", self.confirm, test_id="plans.confirm", kind="ok")))
        return right

    def enter(self, **params: Any) -> None:
        self.show_member(self.ui.session.member)

    def show_member(self, view: MemberView | None) -> None:
        self.view = view
        self.list.clear_widgets()
        self.buttons = {}
        self._choose(None)
        if not show_member_line(self.member, view) or view is None:  # narrows view for mypy
            return
        plans = plans_of(view.context.card_type)
        if not plans:
            self.list.add_widget(row_label(self.kit, "plans.none", test_id="plans.none"))
            return
        self.buttons = {plan.key: self._plan_button(plan) for plan in plans}
        self.list.add_widget(button_grid(self.kit, list(self.buttons.values()), 1))

    def _plan_button(self, plan: Plan) -> TextButton:
        return self.kit.button(f"plans.item_{plan.kind}", lambda: self._choose(plan),
                               test_id=f"plans.{plan.key}", kind="plain", name=self._name(plan),
                               price=plan.price, minutes=plan.minutes)

    def _name(self, plan: Plan) -> str:
        if plan.kind != "time":
            return plan.name
        product = self.ui.services.ctx.configuration().products.get(plan.code)
        return product.name if product is not None else plan.code

    # --- choosing -----------------------------------------------------------------------------

    def _choose(self, plan: Plan | None) -> None:
        self.chosen, self.qty = plan, 1
        for key, button in self.buttons.items():
            chosen = plan is not None and key == plan.key
            button.background_color = self.kit.theme.primary if chosen else self.kit.theme.muted
        self.tender_pad.clear()
        self._show_choice()

    def change_qty(self, step: int) -> None:
        if self.chosen is None or self.chosen.kind == "pass":
            return  # a pass is bought one at a time: the next starts when this one ends
        self.qty = min(MAX_QTY, max(1, self.qty + step))
        self._show_choice()

    @property
    def due(self) -> Fen:
        return self.chosen.price * self.qty if self.chosen is not None else 0

    def _show_choice(self) -> None:
        self.qty_label.show(text=str(self.qty))
        plan = self.chosen
        if plan is None:
            self.chosen_label.show("plans.choose")
        elif plan.kind == "time":
            self.chosen_label.show("plans.chosen_time", name=self._name(plan),
                                   minutes=plan.minutes * self.qty, due=self.due)
        else:
            self.chosen_label.show("plans.chosen", name=self._name(plan), qty=self.qty,
                                   due=self.due)
        self.tender_pad.set_due(self.due)

    # --- buying -------------------------------------------------------------------------------

    def confirm(self) -> None:
        view, plan = self.view, self.chosen
        if view is None:
            return
        if plan is None:
            if self.ui.message is not None:
                self.ui.message.refusal("plans.choose")
            return
        if self.tender_pad.takes_stored_value:
            pin_once_allowed(self.ui, view.card_no, check_member_can_pay, self._buy)
            return
        self._buy(None)

    def _buy(self, proof: PinProof | None) -> None:
        view, plan = self.view, self.chosen
        if view is None or plan is None:
            return
        ops, qty, tenders = self.ui.services.ops, self.qty, tuple(self.tender_pad.tenders)

        def buy(ctx: Any, staff: Any, member: Any) -> OperationResult:
            if plan.kind == "package":
                return ops.buy_package(ctx, staff, member, plan.code, tenders, qty, proof)
            if plan.kind == "pass":
                return ops.buy_pass(ctx, staff, member, plan.code, tenders, proof)
            return ops.buy_time(ctx, staff, member, plan.minutes * qty, plan.price * qty,
                                tenders, proof)

        due, name = self.due, self._name(plan)
        run_on_member(self.ui, view.card_no, buy,
                      lambda outcome: self._done(outcome, name, qty, due))

    def _done(self, outcome: tuple[OperationResult, MemberView], name: str, qty: int,
              due: Fen) -> None:
        result, view = outcome
        self.ui.session.member = view
        self.show_member(view)
        report_done(self.ui, result, "plans.done", name=name, qty=qty, due=due)
