"""Count use (计次消费): the member's service packages with the uses left; choose a service, how
many uses and (for commission) who gives the service, then ops.use_count takes the uses —
soonest expiry first — and prints the receipt. No PIN: uses are not money leaving the card.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from terminal.cashier.context import StaffMember
from terminal.cashier.members import MemberView
from terminal.cashier.operations.common import OperationResult
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import report_done, run_on_member
from terminal.ui.widgets import button_grid


class CountScreen(TerminalScreen):
    screen_name = "count"

    def build(self) -> None:
        kit = self.kit
        self.service = ""
        self.qty = 1
        self.served_by = ""
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding * 2)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        self.member_line = self._line(kit.label(test_id="count.member"))
        left.add_widget(self.member_line)
        left.add_widget(self._line(kit.label("count_screen.choose", size="small")))
        self.services = BoxLayout(orientation="vertical", spacing=kit.theme.spacing,
                                  size_hint_y=None)
        self.services.bind(minimum_height=self.services.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.services)
        left.add_widget(scroll)
        layout.add_widget(left)
        layout.add_widget(self._use_column())
        self.add_widget(layout)

    def _line(self, label: Any) -> Any:
        label.size_hint_y = None
        label.height = self.kit.theme.row_height
        return label

    def _use_column(self) -> BoxLayout:
        kit = self.kit
        right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        self.chosen = self._line(kit.label(size="large", test_id="count.chosen"))
        right.add_widget(self.chosen)
        qty_row = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing,
                            size_hint_y=None, height=kit.theme.button_height)
        qty_row.add_widget(kit.button("", lambda: self.change_qty(-1), text="-",
                                      test_id="count.qty_minus"))
        self.qty_label = kit.label(text="1", size="large", test_id="count.qty")
        self.qty_label.halign = "center"
        qty_row.add_widget(self.qty_label)
        qty_row.add_widget(kit.button("", lambda: self.change_qty(1), text="+",
                                      test_id="count.qty_plus"))
        right.add_widget(qty_row)
        right.add_widget(self._line(kit.label("count_screen.served_by", size="small")))
        self.staff_box = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        right.add_widget(self.staff_box)
        right.add_widget(BoxLayout())
        actions = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing,
                            size_hint_y=None, height=kit.theme.button_height)
        actions.add_widget(kit.button("ui.back", lambda: self.ui.go("home"),
                                      test_id="count.back", kind="plain"))
        actions.add_widget(kit.button("count_screen.confirm", self.confirm,
                                      test_id="count.confirm", kind="ok"))
        right.add_widget(actions)
        return right

    # --- showing ----------------------------------------------------------------------------

    def enter(self, **params: Any) -> None:
        # Who gave the service: the signed-in cashier until another is chosen (as on a sale line).
        staff = self.ui.session.staff
        self.service, self.qty, self.served_by = "", 1, staff.staff_id if staff else ""
        self._show_choice()
        member = self.ui.session.member
        if member is None:
            self.member_line.show("count_screen.no_member")
            self.services.clear_widgets()
            return
        self.show_member(member)
        # The uses left as the store has them now, and who may give the service.
        self.ui.run(lambda: self.ui.services.members.view(member.card_no), self._refreshed)
        self.ui.bridge.run(self.ui.services.staff.roster, self._show_staff, self.ui.show_error)

    def _refreshed(self, view: MemberView) -> None:
        self.show_member(view)
        if self.ui.message is not None:
            self.ui.message.clear()

    def show_member(self, view: MemberView) -> None:
        self.ui.session.member = view
        panel = view.panel
        self.member_line.show("count_screen.member", name=panel.name or "-",
                              card=panel.card_no_masked)
        self.services.clear_widgets()
        if not panel.counts:
            self.services.add_widget(self._line(self.kit.label("count_screen.none",
                                                               test_id="count.none")))
        for held in panel.counts:
            until = held.next_expiry.isoformat() if held.next_expiry else "-"
            self.services.add_widget(self.kit.button(
                "count_screen.service", lambda code=held.service: self.choose(code),
                test_id=f"count.service.{held.service}", kind="plain",
                name=self._name(held.service), uses=held.uses, until=until))

    def _show_staff(self, staff: list[StaffMember]) -> None:
        self.staff_box.clear_widgets()
        buttons = [self.kit.button("", lambda member=member: self.choose_staff(member),
                                   text=member.name, kind="plain",
                                   test_id=f"count.staff.{member.staff_id}")
                   for member in staff]
        grid = button_grid(self.kit, buttons, 2)
        self.staff_box.add_widget(grid)
        self.staff_box.height = grid.height
        grid.bind(height=self.staff_box.setter("height"))
        self._show_choice()

    def _name(self, code: str) -> str:
        product = self.ui.services.ctx.configuration().products.get(code)
        return product.name if product is not None else code

    def _show_choice(self) -> None:
        self.qty_label.show(text=str(self.qty))
        if self.service:
            self.chosen.show("count_screen.chosen", name=self._name(self.service))
        else:
            self.chosen.show("count_screen.choose_first")
        # The service and the staff member chosen stand out.
        self._mark(self.services, f"count.service.{self.service}")
        self._mark(self.staff_box, f"count.staff.{self.served_by}")

    def _mark(self, box: Any, chosen_id: str) -> None:
        theme = self.kit.theme
        for widget in box.walk(restrict=True):
            test_id = getattr(widget, "test_id", "")
            if hasattr(widget, "background_color") and test_id:
                widget.background_color = theme.primary if test_id == chosen_id else theme.muted

    # --- choosing and using -----------------------------------------------------------------

    def choose(self, service: str) -> None:
        self.service = service
        self._show_choice()

    def choose_staff(self, member: StaffMember) -> None:
        # Tap again to clear: nobody in particular gave the service.
        self.served_by = "" if self.served_by == member.staff_id else member.staff_id
        self._show_choice()

    def change_qty(self, step: int) -> None:
        self.qty = max(1, self.qty + step)
        self._show_choice()

    def confirm(self) -> None:
        member = self.ui.session.member
        if member is None or not self.service:
            if self.ui.message is not None:
                self.ui.message.refusal("count_screen.choose_first")
            return
        use_count = self.ui.services.ops.use_count
        service, qty, served_by = self.service, self.qty, self.served_by
        run_on_member(self.ui, member.card_no,
                      lambda ctx, staff, context: use_count(ctx, staff, context, service, qty,
                                                            served_by),
                      self._used)

    def _used(self, outcome: tuple[OperationResult, MemberView]) -> None:
        result, view = outcome
        service, qty = self.service, self.qty
        self.show_member(view)
        left = sum(held.uses for held in view.panel.counts if held.service == service)
        self.service, self.qty = "", 1
        self._show_choice()
        report_done(self.ui, result, "count_screen.done", name=self._name(service), qty=qty,
                    left=left)
