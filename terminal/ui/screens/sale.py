"""Checkout (收银): products by category, search, or scanned by code; the cart; the member (or a
guest); a coupon and points as payment; the live quote after every change; split tenders; then
the sale, with the member's PIN on the keypad when the stored value pays.

The quote and the sale are the cashier operations' (ops.quote_sale, ops.confirm_sale), run on
the worker with the member's context as the store has it at that moment. A refusal (a short
balance, the offline limit, a lost card, a wrong coupon...) shows on the message line and
commits nothing; the cart stays as it was, to be corrected.
"""

from __future__ import annotations

from typing import Any

from huiyuan_devices.cardreader.base import CardEvent, CardPresented, ReaderFault
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from membership.catalogue import Product, SaleLine
from membership.pricing import PricedSale, ReductionKind
from membership.sale import SaleDecision
from terminal.cashier.members import MemberView
from terminal.cashier.operations.common import OperationResult
from terminal.cashier.ports import PinProof
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import pin_once_allowed, report_done
from terminal.ui.product_picker import ProductPicker
from terminal.ui.served_by import ServedBy
from terminal.ui.tender_pad import TenderPad
from terminal.ui.widgets import TextLabel

# The quote's discount labels: message key, reduction kinds summed into it.
DISCOUNTS = (
    ("member", "sale.quote_member", (ReductionKind.MEMBER_DISCOUNT,)),
    ("promotions", "sale.quote_promotions", (ReductionKind.PROMOTION,
                                             ReductionKind.ORDER_PROMOTION)),
    ("coupon", "sale.quote_coupon", (ReductionKind.COUPON,)),
    ("points", "sale.quote_points", (ReductionKind.POINTS,)),
)


def reduction_total(priced: PricedSale, kinds: tuple[ReductionKind, ...]) -> int:
    return sum(reduction.amount for line in priced.lines for reduction in line.reductions
               if reduction.kind in kinds)


class SaleScreen(TerminalScreen):
    screen_name = "sale"

    def build(self) -> None:
        kit = self.kit
        self.cart: dict[str, int] = {}  # product code -> quantity, in the order added
        self.coupon_code = ""
        self.points = 0
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding)
        self.served = ServedBy(kit)
        self.picker = ProductPicker(kit, self._catalogue, self.add, size_hint_x=0.32)
        layout.add_widget(self.picker)
        layout.add_widget(self._cart_column())
        layout.add_widget(self._payment_column())
        self.add_widget(layout)

    def _row(self) -> BoxLayout:
        return BoxLayout(orientation="horizontal", spacing=self.kit.theme.spacing,
                         size_hint_y=None, height=self.kit.theme.button_height)

    def _catalogue(self) -> dict[str, Product]:
        return dict(self.ui.services.ctx.configuration().products)

    def _cart_column(self) -> BoxLayout:
        kit = self.kit
        column = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.34)
        self.member_line = kit.label(size="small", test_id="sale.member")
        self.member_line.size_hint_y = None
        self.member_line.height = kit.theme.row_height
        # A long member line wraps on a narrow panel: it grows, the cart below scrolls.
        self.member_line.bind(texture_size=lambda label, size: setattr(
            label, "height", max(kit.theme.row_height, size[1] + 4)))
        column.add_widget(self.member_line)
        code_row = self._row()
        self.code = kit.input(test_id="sale.code", hint_key="sale.code_hint")
        # A barcode scanner types the code and Enter, like a cashier at the keyboard.
        self.code.bind(on_text_validate=lambda *_: self.add_by_code())
        code_row.add_widget(self.code)
        code_row.add_widget(self._narrow(kit.button("sale.add", self.add_by_code,
                                                    test_id="sale.code_add")))
        column.add_widget(code_row)
        self.lines = BoxLayout(orientation="vertical", spacing=2, size_hint_y=None)
        self.lines.bind(minimum_height=self.lines.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.lines)
        column.add_widget(scroll)
        column.add_widget(self._coupon_row())
        self.member_coupons = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing,
                                        size_hint_y=None, height=0)
        column.add_widget(self.member_coupons)
        points_row = self._row()
        self.points_input = kit.input(test_id="sale.points", hint_key="sale.points_hint",
                                      numeric=True)
        points_row.add_widget(self.points_input)
        points_row.add_widget(self._narrow(kit.button("sale.apply", self.apply_points,
                                                      test_id="sale.points_apply")))
        column.add_widget(points_row)
        return column

    def _coupon_row(self) -> BoxLayout:
        row = self._row()
        self.coupon = self.kit.input(test_id="sale.coupon", hint_key="sale.coupon_hint")
        row.add_widget(self.coupon)
        row.add_widget(self._narrow(self.kit.button(
            "sale.apply", lambda: self.apply_coupon(self.coupon.text),
            test_id="sale.coupon_apply")))
        return row

    def _narrow(self, widget: Any) -> Any:
        widget.size_hint_x = 0.35
        return widget

    def _payment_column(self) -> BoxLayout:
        """Due, discounts, tenders, Pay: laid out to fit an 800x480 panel whole, so the
        discounts take a small line each and the column's gaps are half the usual."""
        kit = self.kit
        column = BoxLayout(orientation="vertical", spacing=kit.theme.spacing // 2,
                           size_hint_x=0.34)
        totals = BoxLayout(orientation="horizontal", size_hint_y=None,
                           height=kit.theme.row_height)
        self.gross = kit.label(size="small", test_id="sale.quote.gross")
        self.due = kit.label(size="large", test_id="sale.quote.due")
        self.due.halign = "right"
        totals.add_widget(self.gross)
        totals.add_widget(self.due)
        column.add_widget(totals)
        self.discounts: dict[str, TextLabel] = {}
        line = kit.theme.small_font_size + 8
        grid = GridLayout(cols=2, size_hint_y=None, height=line * 2, row_force_default=True,
                          row_default_height=line)
        for name, _key, _kinds in DISCOUNTS:
            self.discounts[name] = kit.label(size="small", test_id=f"sale.quote.{name}")
            grid.add_widget(self.discounts[name])
        column.add_widget(grid)
        self.tender_pad = TenderPad(kit, "sale", self.ui.show_error)
        column.add_widget(self.tender_pad)
        column.add_widget(BoxLayout())
        actions = self._row()
        actions.add_widget(kit.button("ui.back", lambda: self.ui.go("home"),
                                      test_id="sale.back", kind="plain"))
        actions.add_widget(kit.button("sale.confirm", self.confirm, test_id="sale.confirm",
                                      kind="ok"))
        column.add_widget(actions)
        return column

    # --- showing ----------------------------------------------------------------------------

    def enter(self, **params: Any) -> None:
        """A new sale: an empty cart, the catalogue as configured now, the member selected."""
        self.cart.clear()
        self.coupon_code, self.points = "", 0
        for field in (self.code, self.coupon, self.points_input):
            field.text = ""
        self.tender_pad.clear()
        self.served.reset(self.ui.session.staff)
        self.ui.run(self.ui.services.staff.roster, self.served.show_roster)
        self.picker.show()
        self._show_member()
        self._requote()

    def _show_member(self) -> None:
        view: MemberView | None = self.ui.session.member
        self.member_coupons.clear_widgets()
        self.member_coupons.height = 0
        if view is None:
            self.member_line.show("sale.guest")
            return
        panel = view.panel
        self.member_line.show("sale.member_line", name=panel.name or "-",
                              card=panel.card_no_masked, balance=panel.stored_value,
                              points=panel.points.usable)
        for code in panel.coupons:
            self.member_coupons.add_widget(self.kit.button(
                "", lambda code=code: self.apply_coupon(code), text=code, kind="plain",
                test_id=f"sale.member_coupon.{code}"))
        if panel.coupons:
            self.member_coupons.height = self.kit.theme.button_height

    def _show_cart(self) -> None:
        self.lines.clear_widgets()
        catalogue = self._catalogue()
        if not self.cart:
            empty = self.kit.label("sale.cart_empty", size="small", test_id="sale.cart_empty")
            empty.size_hint_y = None
            empty.height = self.kit.theme.button_height
            self.lines.add_widget(empty)
        for code, qty in self.cart.items():
            product = catalogue.get(code)
            if product is not None:
                self.lines.add_widget(self._cart_line(product, qty))

    def _cart_line(self, product: Product, qty: int) -> BoxLayout:
        """Two rows: the product and its amount; who served it (a tap passes it on), the
        quantity's steps and Remove."""
        kit, code = self.kit, product.code
        texts = BoxLayout(orientation="horizontal", size_hint_y=None,
                          height=kit.theme.row_height * 0.7)
        texts.add_widget(kit.label(text=product.name, size="small", test_id=f"sale.line.{code}"))
        texts.add_widget(kit.label("sale.line_amount", size="small", price=product.unit_price,
                                   qty=qty))
        row = self._row()
        row.add_widget(self.served.button(code, self._requote))
        qty_label = kit.label(text=str(qty), test_id=f"sale.line.{code}.qty")
        qty_label.size_hint_x, qty_label.width = None, kit.theme.button_height * 0.6
        qty_label.halign = "center"
        row.add_widget(self._step_button(code, -1))
        row.add_widget(qty_label)
        row.add_widget(self._step_button(code, 1))
        remove = kit.button("sale.remove", lambda: self.remove(code), kind="danger",
                            test_id=f"sale.line.{code}.remove")
        remove.size_hint_x, remove.width = None, kit.theme.button_height * 1.1
        remove.font_size = kit.theme.small_font_size
        row.add_widget(remove)
        line = BoxLayout(orientation="vertical", size_hint_y=None,
                         height=texts.height + row.height)
        line.add_widget(texts)
        line.add_widget(row)
        return line

    def _step_button(self, code: str, step: int) -> Any:
        button = self.kit.button("", lambda: self.change_qty(code, step),
                                 text="-" if step < 0 else "+",
                                 test_id=f"sale.line.{code}.{'minus' if step < 0 else 'plus'}")
        button.size_hint_x, button.width = None, self.kit.theme.button_height * 0.8
        return button

    def _show_quote(self, priced: PricedSale | None) -> None:
        if priced is None:
            self.gross.show(text="")
            self.due.show("sale.quote_none")
            for label in self.discounts.values():
                label.show(text="")
            self.tender_pad.set_due(0)
            return
        self.gross.show("sale.quote_gross", amount=priced.gross)
        self.due.show("sale.quote_due", amount=priced.amount_due)
        for name, key, kinds in DISCOUNTS:
            self.discounts[name].show(key, amount=reduction_total(priced, kinds))
        self.tender_pad.set_due(priced.amount_due)

    # --- changing the sale ------------------------------------------------------------------

    def add(self, code: str) -> None:
        self.cart[code] = self.cart.get(code, 0) + 1
        self._requote()

    def add_by_code(self) -> None:
        code = self.code.text.strip()
        self.code.text = ""
        if not code:
            return
        if code not in self._catalogue() and self.ui.message is not None:
            self.ui.message.refusal("sale.unknown_code", code=code)
            return
        self.add(code)

    def change_qty(self, code: str, step: int) -> None:
        qty = self.cart.get(code, 0) + step
        if qty <= 0:
            self.cart.pop(code, None)
        else:
            self.cart[code] = qty
        self._requote()

    def remove(self, code: str) -> None:
        self.cart.pop(code, None)
        self._requote()

    def apply_coupon(self, code: str) -> None:
        self.coupon_code = code.strip()
        self.coupon.text = self.coupon_code
        self._requote()

    def apply_points(self) -> None:
        text = self.points_input.text.strip()
        self.points = int(text) if text else 0
        self._requote()

    def on_card(self, event: CardEvent) -> None:
        """The member shows their card at checkout: the sale becomes theirs."""
        if isinstance(event, CardPresented):
            self.ui.session.values["card_source"] = event.source
            self.ui.run(lambda: self.ui.services.members.find_by_card(event), self._member_found)
        elif isinstance(event, ReaderFault):
            self.ui.show_error(event.error)

    def _member_found(self, view: MemberView) -> None:
        self.ui.session.member = view
        self._show_member()
        self._requote()

    def _lines(self) -> tuple[SaleLine, ...]:
        catalogue = self._catalogue()
        return tuple(SaleLine(number, catalogue[code], qty, staff_id=self.served.staff_id(code))
                     for number, (code, qty) in enumerate(self.cart.items(), start=1))

    def _requote(self) -> None:
        """Price the sale again on the worker: the member's balances as the store has them."""
        self._show_cart()
        lines = self._lines()
        if not lines:
            self._show_quote(None)
            return
        services, staff = self.ui.services, self.ui.session.staff
        member = self.ui.session.member
        card_no = member.card_no if member is not None else ""
        coupon, points = self.coupon_code, self.points

        def quote() -> PricedSale:
            context = services.members.member_context(card_no) if card_no else None
            return services.ops.quote_sale(services.ctx, staff, context, lines, coupon, points)

        self.ui.run(quote, self._quoted, self._not_quoted)

    def _quoted(self, priced: PricedSale) -> None:
        self._show_quote(priced)
        if self.ui.message is not None:
            self.ui.message.clear()

    def _not_quoted(self, error: Exception) -> None:
        self._show_quote(None)
        self.ui.show_error(error)

    # --- the sale ---------------------------------------------------------------------------

    def confirm(self) -> None:
        member = self.ui.session.member
        if self.tender_pad.takes_stored_value and member is not None:
            # A card that cannot pay (lost, frozen, expired) is refused before anyone types a
            # PIN for it. Then the PIN of the card presented: its chip checks it, and it may pay
            # for its account (a subsidiary card for its parent).
            pin_once_allowed(self.ui, member.card_no, self.ui.services.ops.check_member_can_pay,
                             self._sell)
            return
        self._sell(None)

    def _sell(self, proof: PinProof | None) -> None:
        services, staff = self.ui.services, self.ui.session.staff
        member = self.ui.session.member
        card_no = member.card_no if member is not None else ""
        lines, tenders = self._lines(), tuple(self.tender_pad.tenders)
        coupon, points = self.coupon_code, self.points

        def sell() -> OperationResult:
            context = services.members.member_context(card_no) if card_no else None
            return services.ops.confirm_sale(services.ctx, staff, context, lines, tenders,
                                             coupon, points, proof)

        self.ui.run(sell, self._sold)

    def _sold(self, result: OperationResult) -> None:
        self.cart.clear()
        self.ui.go("home")
        # Home refreshes the member on the worker and then shows its own line: the outcome of
        # the sale goes after it, through the same worker, so that the cashier reads it; a
        # receipt that did not print says so after that, never before (it would be covered).
        self.ui.bridge.run(lambda: None, lambda _none: self._announce(result),
                           self.ui.show_error)

    def _announce(self, result: OperationResult) -> None:
        if not isinstance(result.decision, SaleDecision):
            raise TypeError(f"a sale's result, not {type(result.decision).__name__}")
        settlement = result.decision.settlement
        if settlement.change:
            report_done(self.ui, result, "sale.done_change", due=settlement.total,
                        change=settlement.change)
        else:
            report_done(self.ui, result, "sale.done", due=settlement.total)
