"""退货 / 撤销: choose one of this terminal's recent sales, then the units to give back (退货) or
the whole sale (撤销); a store manager approves with their PIN on the spot, and the refund slip
prints. What goes back to which tender, card and lot is decided by the refund operation; the
screen only shows how many units of each line are left to give back.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from membership.receipts import mask_card_no
from membership.refunds import RefundDecision
from membership.sale import MemberContext
from membership.sale_record import RecordLine, SaleRecord
from terminal.cashier.context import ManagerApproval
from terminal.cashier.operations import OperationResult
from terminal.cashier.store_ports import SaleSummary
from terminal.ui.app import TerminalScreen
from terminal.ui.prompts import ManagerApprovalPrompt
from terminal.ui.screens.reprint import follow_printing, row_label, scrolling_list
from terminal.ui.widgets import TextLabel, button_grid

RECENT_SALES = 30
TIME_FORMAT = "%m-%d %H:%M"


class RefundScreen(TerminalScreen):
    screen_name = "refund"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.42)
        left.add_widget(row_label(kit, "admin.refund.recent", size="large",
                                  test_id="refund.title"))
        scroll, self.sales = scrolling_list(kit)
        left.add_widget(scroll)
        right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        self.detail = row_label(kit, "admin.refund.choose_sale", size="large",
                                test_id="refund.detail")
        right.add_widget(self.detail)
        scroll, self.lines = scrolling_list(kit)
        right.add_widget(scroll)
        right.add_widget(button_grid(kit, [
            kit.button("admin.refund.refund_selected", self.ask_refund, test_id="refund.refund",
                       kind="danger"),
            kit.button("admin.refund.void", self.ask_void, test_id="refund.void", kind="danger"),
            kit.button("ui.back", lambda: self.ui.go("home"), test_id="refund.back",
                       kind="plain"),
        ], 3))
        layout.add_widget(left)
        layout.add_widget(right)
        self.add_widget(layout)
        self.sale: SaleRecord | None = None
        self.units_left: dict[int, int] = {}
        self.chosen: dict[int, int] = {}
        self.chosen_labels: dict[int, TextLabel] = {}

    def enter(self, **params: Any) -> None:
        """`op_id`: show that sale at once (e.g. from a receipt the customer brought back)."""
        self._show_sale(None, {})
        self.load_sales()
        if params.get("op_id"):
            self.choose(params["op_id"])

    # --- the sales and their lines ------------------------------------------------------------

    def load_sales(self) -> None:
        sales = self.ui.services.sales
        self.ui.bridge.run(lambda: sales.recent(RECENT_SALES), self._show_sales,
                           self.ui.show_error)

    def _show_sales(self, sales: tuple[SaleSummary, ...]) -> None:
        self.sales.clear_widgets()
        if not sales:
            self.sales.add_widget(row_label(self.kit, "admin.refund.no_sales",
                                            test_id="refund.no_sales"))
        for sale in sales:
            button = self.kit.button(
                "admin.refund.sale_row", lambda op_id=sale.op_id: self.choose(op_id),
                test_id=f"refund.sale.{sale.op_id}", kind="plain", op_id=sale.op_id,
                time=sale.at.strftime(TIME_FORMAT), amount=sale.amount_due,
                member=self._who(sale), refunded=sale.refunded)
            minimum = int(self.kit.theme.button_height * 1.3)
            button.height = minimum
            # Two lines, three in a long language: the button grows with its text.
            button.bind(texture_size=lambda widget, size, minimum=minimum: setattr(
                widget, "height", max(minimum, size[1] + 16)))
            self.sales.add_widget(button)

    def _who(self, sale: SaleSummary) -> str:
        if not sale.card_no:
            return self.kit.texts.tr("admin.refund.guest")
        return sale.member_name or mask_card_no(sale.card_no)

    def choose(self, op_id: str) -> None:
        sales = self.ui.services.sales
        self.ui.bridge.run(lambda: sales.refundable(op_id), lambda found: self._show_sale(*found),
                           self.ui.show_error)

    def _show_sale(self, sale: SaleRecord | None, units_left: dict[int, int]) -> None:
        self.sale, self.units_left = sale, units_left
        self.chosen = {line_no: 0 for line_no in units_left}
        self.chosen_labels = {}
        self.lines.clear_widgets()
        if sale is None:
            self.detail.show("admin.refund.choose_sale")
            return
        self.detail.show("admin.refund.sale_detail", op_id=sale.op_id,
                         time=sale.at.strftime(TIME_FORMAT), amount=sale.amount_due)
        for line in sale.lines:
            self.lines.add_widget(self._line_row(line))

    def _line_row(self, line: RecordLine) -> BoxLayout:
        kit, no = self.kit, line.line_no
        row = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing, size_hint_y=None,
                        height=kit.theme.button_height)
        description = kit.label("admin.refund.line", test_id=f"refund.line.{no}", no=no,
                                name=line.name, qty=line.qty, net=line.net,
                                left=self.units_left.get(no, 0))
        row.add_widget(description)
        chosen = kit.label(text="0", size="large", test_id=f"refund.line.{no}.qty")
        chosen.halign = "center"
        chosen.size_hint_x = 0.14
        self.chosen_labels[no] = chosen
        for widget in (kit.button("", lambda: self.change(no, -1), text="-",
                                  test_id=f"refund.line.{no}.minus", kind="plain"),
                       chosen,
                       kit.button("", lambda: self.change(no, 1), text="+",
                                  test_id=f"refund.line.{no}.plus", kind="plain")):
            widget.size_hint_x = 0.14
            row.add_widget(widget)
        return row

    def change(self, line_no: int, step: int) -> None:
        """One unit more or less, between none and what is left of the line."""
        wanted = self.chosen.get(line_no, 0) + step
        self.chosen[line_no] = max(0, min(wanted, self.units_left.get(line_no, 0)))
        self.chosen_labels[line_no].show(text=str(self.chosen[line_no]))

    # --- refund or void, with a manager's approval --------------------------------------------

    def ask_refund(self) -> None:
        sale = self._sale_or_refuse()
        if sale is None:
            return
        quantities = {line_no: qty for line_no, qty in self.chosen.items() if qty > 0}
        if not quantities:
            if self.ui.message is not None:
                self.ui.message.refusal("admin.refund.choose_units")
            return
        ManagerApprovalPrompt(self.ui, lambda approval: self._refund(
            sale, quantities, approval)).start()

    def ask_void(self) -> None:
        sale = self._sale_or_refuse()
        if sale is not None:
            ManagerApprovalPrompt(self.ui, lambda approval: self._void(sale, approval)).start()

    def _sale_or_refuse(self) -> SaleRecord | None:
        if self.sale is None and self.ui.message is not None:
            self.ui.message.refusal("admin.refund.choose_sale")
        return self.sale

    def _refund(self, sale: SaleRecord, quantities: dict[int, int],
                approval: ManagerApproval) -> None:
        services, staff = self.ui.services, self.ui.session.staff
        member_card = self._member_card()
        self.ui.run(lambda: services.ops.refund_sale(
            services.ctx, staff, sale.op_id, quantities, approval,
            member=self._member_of(sale, member_card)), self._done)

    def _void(self, sale: SaleRecord, approval: ManagerApproval) -> None:
        services, staff = self.ui.services, self.ui.session.staff
        member_card = self._member_card()
        self.ui.run(lambda: services.ops.void_sale(
            services.ctx, staff, sale.op_id, approval,
            member=self._member_of(sale, member_card)), self._done)

    def _member_card(self) -> str:
        member = self.ui.session.member
        return member.card_no if member is not None else ""

    def _member_of(self, sale: SaleRecord, member_card: str) -> MemberContext | None:
        """On the worker: the member at the counter, as the store knows them now, when the sale
        was theirs (their balances decide the points taken back); otherwise the refund uses the
        terminal's own ledger of the sale's card."""
        if not member_card or not sale.card_no:
            return None
        member = self.ui.services.members.member_context(member_card)
        return member if sale.card_no in member.account_card.all_card_nos else None

    def _done(self, result: OperationResult) -> None:
        if not isinstance(result.decision, RefundDecision):
            raise TypeError(f"a refund's result, not {type(result.decision).__name__}")
        record = result.decision.record
        if self.ui.message is not None:
            key = "admin.refund.voided" if record.is_void else "admin.refund.done"
            self.ui.message.success(key, op_id=record.original_op, amount=record.amount)
        follow_printing(self.ui, result.printing)
        self.load_sales()
        self.choose(record.original_op)
