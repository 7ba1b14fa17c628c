"""开班 / 交班: open a shift with the cash put in the drawer (备用金); while it is open, see its
totals so far (takings per tender, top-ups, refunds, count uses, the cash the drawer should
hold) and close it with the cash counted. The shift report prints, the cashier is signed out
and the screen offers only the way back to sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.uix.boxlayout import BoxLayout

from membership.money import parse_amount
from membership.shift_report import ShiftTotals
from terminal.cashier.operations.common import PrintOutcome
from terminal.cashier.shifts import ClosedShift
from terminal.cashier.store_ports import ShiftRecord
from terminal.ui.app import TerminalScreen
from terminal.ui.screens.reprint import follow_printing, row_label, scrolling_list

TIME_FORMAT = "%m-%d %H:%M"


@dataclass(frozen=True)
class ShiftNow:
    shift: ShiftRecord | None
    totals: ShiftTotals | None
    service_names: dict[str, str]  # count services by code, as the products name them
    my_commission: int | None = None  # fen the signed-in staff member earned in the shift


class ShiftScreen(TerminalScreen):
    screen_name = "shift"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.6)
        self.heading = row_label(kit, "admin.shift.loading", size="large",
                                 test_id="shift.heading")
        left.add_widget(self.heading)
        scroll, self.totals = scrolling_list(kit)
        left.add_widget(scroll)
        self.side = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        self.amount = kit.input(test_id="shift.amount")
        self.amount.input_filter = "float"
        self.open_button = kit.button("admin.shift.open", self.open_shift, test_id="shift.open",
                                      kind="ok")
        self.close_button = kit.button("admin.shift.close", self.close_shift,
                                       test_id="shift.close", kind="danger")
        self.back = kit.button("ui.back", lambda: self.ui.go("home"), test_id="shift.back",
                               kind="plain")
        self.to_login = kit.button("admin.shift.to_login", lambda: self.ui.go("login"),
                                   test_id="shift.to_login", kind="primary")
        layout.add_widget(left)
        layout.add_widget(self.side)
        self.add_widget(layout)

    def enter(self, **params: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        shifts, ctx = self.ui.services.shifts, self.ui.services.ctx
        staff = self.ui.session.staff

        def shift_now() -> ShiftNow:
            shift = shifts.current()
            totals = shifts.totals_so_far() if shift is not None else None
            names = {code: product.name for code, product in ctx.configuration().products.items()}
            return ShiftNow(shift, totals, names, shifts.commission_so_far(staff))

        self.ui.bridge.run(shift_now, self._show, self.ui.show_error)

    def _show(self, now: ShiftNow) -> None:
        self.totals.clear_widgets()
        if now.shift is None or now.totals is None:
            self.heading.show("admin.shift.none_open")
            self._side(self.amount, self.open_button, self.back, hint="admin.shift.float_hint")
            return
        shift = now.shift
        self.heading.show("admin.shift.open_since", staff_id=shift.staff_id,
                          time=shift.opened_at.strftime(TIME_FORMAT))
        self._show_totals(now.totals, now.service_names)
        if now.my_commission is not None:
            self._row("admin.shift.my_commission", "my_commission", amount=now.my_commission)
        self._side(self.amount, self.close_button, self.back, hint="admin.shift.counted_hint")

    def _side(self, *widgets: Any, hint: str = "") -> None:
        self.side.clear_widgets()
        self.amount.text = ""
        self.amount.hint_text = self.kit.texts.tr(hint) if hint else ""
        for widget in widgets:
            self.side.add_widget(widget)
        self.side.add_widget(BoxLayout())  # the buttons stay at the top, under the thumb

    def _row(self, key: str, test_id: str, **params: Any) -> None:
        self.totals.add_widget(row_label(self.kit, key, test_id=f"shift.total.{test_id}",
                                         **params))

    def _show_totals(self, totals: ShiftTotals, service_names: dict[str, str]) -> None:
        self._row("admin.shift.opening_float", "float", amount=totals.opening_float)
        self._row("admin.shift.sales", "sales", count=totals.sales_count,
                  amount=totals.sales_total)
        for kind, amount in totals.takings.items():
            self._row("admin.shift.taking", f"taking.{kind}", kind=kind, amount=amount)
        self._row("admin.shift.topups", "topups", count=totals.topups_count,
                  amount=totals.topups_amount)
        self._row("admin.shift.refunds", "refunds", count=totals.refunds_count,
                  amount=totals.refunds_amount)
        for kind, amount in totals.refunds_by_tender.items():
            self._row("admin.shift.refunded", f"refunded.{kind}", kind=kind, amount=amount)
        self._row("admin.shift.withdrawals", "withdrawals", count=totals.withdrawals_count,
                  amount=totals.withdrawals_amount)
        if totals.cash_paid_out:
            self._row("admin.shift.cash_paid_out", "cash_paid_out", amount=totals.cash_paid_out)
        for service, uses in totals.count_uses.items():
            self._row("admin.shift.count_use", f"count.{service}",
                      service=service_names.get(service, service), uses=uses)
        self._row("admin.shift.expected_cash", "expected_cash", amount=totals.expected_cash,
                  size="large")

    # --- open and close -----------------------------------------------------------------------

    # The slip may fail before the worker hands the shift back: its outcome is kept in a
    # PrintOutcome and said after the shift's own message, never before it (it would be covered).

    def open_shift(self) -> None:
        shifts, staff, typed = self.ui.services.shifts, self.ui.session.staff, self.amount.text
        if staff is None:  # this screen is reached signed in; nobody else opens or closes
            return
        printing = PrintOutcome("")
        self.ui.run(lambda: shifts.open(staff, parse_amount(typed), printing.report),
                    lambda shift: self._opened(shift, printing))

    def _opened(self, shift: ShiftRecord, printing: PrintOutcome) -> None:
        if self.ui.message is not None:
            self.ui.message.success("admin.shift.opened", amount=shift.opening_float)
        follow_printing(self.ui, printing)
        self.refresh()

    def close_shift(self) -> None:
        shifts, staff, typed = self.ui.services.shifts, self.ui.session.staff, self.amount.text
        if staff is None:  # this screen is reached signed in; nobody else opens or closes
            return
        printing = PrintOutcome("")
        self.ui.run(lambda: shifts.close(staff, parse_amount(typed), printing.report),
                    lambda closed: self._closed(closed, printing))

    def _closed(self, closed: ClosedShift, printing: PrintOutcome) -> None:
        # The shift is over: nobody stays signed in on it.
        self.ui.services.staff.logout()
        self.ui.sign_out()
        self.heading.show("admin.shift.closed_heading")
        self.totals.clear_widgets()
        self._row("admin.shift.expected_cash", "expected_cash",
                  amount=closed.totals.expected_cash)
        self._row("admin.shift.counted_cash", "counted_cash",
                  amount=closed.shift.closing_cash or 0)
        difference = closed.cash_difference
        key = ("admin.shift.short" if difference < 0 else
               "admin.shift.over" if difference > 0 else "admin.shift.balanced")
        self._row(key, "difference", amount=abs(difference), size="large")
        self._side(self.to_login)
        if self.ui.message is not None:
            self.ui.message.success("admin.shift.closed")
        follow_printing(self.ui, printing)

