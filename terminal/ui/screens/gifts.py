"""Points redemption (积分兑换): the gifts of the points catalogue (HQ's `points_rules` document)
with their points price and what HQ last published is left of each (`gift_stock`), the member's
usable points; the cashier picks a gift and confirms.
Points go FIFO from the oldest lot (membership.points); the receipt (积分兑换小票) prints."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from membership.points import Gift
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import report_done, row_label, run_on_member, show_member_line
from terminal.ui.widgets import TextButton, button_grid, confirm_and_back, two_columns


class GiftsScreen(TerminalScreen):
    screen_name = "gifts"

    def build(self) -> None:
        kit = self.kit
        left, right = two_columns(kit, self)
        self.member = row_label(kit, test_id="gifts.member", size="large", rows=1.2)
        self.points = row_label(kit, test_id="gifts.points", size="large", rows=1.2)
        left.add_widget(self.member)
        left.add_widget(self.points)
        self.list = BoxLayout(orientation="vertical", size_hint_y=None)
        self.list.bind(minimum_height=self.list.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.list)
        left.add_widget(scroll)
        self.chosen_label = row_label(kit, "gifts.choose", test_id="gifts.chosen", rows=2)
        right.add_widget(self.chosen_label)
        confirm_and_back(kit, right, "gifts", self.confirm, lambda: self.ui.go("home"))
        self.view: MemberView | None = None
        self.chosen: Gift | None = None
        self.buttons: dict[str, TextButton] = {}

    def enter(self, **params: Any) -> None:
        self.show_member(self.ui.session.member)
        self._choose(None)
        ctx, ops = self.ui.services.ctx, self.ui.services.ops
        self.ui.run(lambda: ops.gifts_with_stock_known(ctx), self._show_gifts)

    def show_member(self, view: MemberView | None) -> None:
        self.view = view
        if not show_member_line(self.member, view) or view is None:  # narrows view for mypy
            return
        panel = view.panel
        self.points.show("gifts.points", points=panel.points.usable)

    def _show_gifts(self, gifts: list[Gift]) -> None:
        if self.ui.message is not None:
            self.ui.message.clear()
        self.list.clear_widgets()
        self.buttons = {gift.code: self._gift_button(gift) for gift in gifts}
        if not gifts:
            self.list.add_widget(row_label(self.kit, "gifts.none", test_id="gifts.none"))
            return
        self.list.add_widget(button_grid(self.kit, list(self.buttons.values()), 1))

    def _gift_button(self, gift: Gift) -> TextButton:
        key = "gifts.item"
        params: dict[str, Any] = {"name": gift.name, "points": gift.points_cost}
        if gift.stock is not None:
            key, params["stock"] = "gifts.item_stock", gift.stock
        return self.kit.button(key, lambda: self._choose(gift), test_id=f"gifts.gift.{gift.code}",
                               kind="plain", **params)

    def _choose(self, gift: Gift | None) -> None:
        self.chosen = gift
        for code, button in self.buttons.items():
            chosen = gift is not None and code == gift.code
            button.background_color = self.kit.theme.primary if chosen else self.kit.theme.muted
        if gift is None:
            self.chosen_label.show("gifts.choose")
        else:
            self.chosen_label.show("gifts.chosen", name=gift.name, points=gift.points_cost)

    def confirm(self) -> None:
        view, gift = self.view, self.chosen
        if view is None:
            return
        if gift is None:
            if self.ui.message is not None:
                self.ui.message.refusal("gifts.choose")
            return
        redeem = self.ui.services.ops.redeem_gift
        run_on_member(self.ui, view.card_no,
                      lambda ctx, staff, member: redeem(ctx, staff, member, gift.code),
                      lambda outcome: self._done(gift, outcome))

    def _done(self, gift: Gift, outcome: tuple[OperationResult, MemberView]) -> None:
        result, view = outcome
        self.ui.session.member = view
        self.show_member(view)
        self._choose(None)
        report_done(self.ui, result, "gifts.done", name=gift.name, points=gift.points_cost,
                    left=view.panel.points.usable)
