"""Withdrawal (取款): principal paid back to the member in cash. Bonus can never be withdrawn
(membership.stored_value); the member types their PIN on the keypad first, the receipt
(取款小票) prints and the drawer opens."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from membership.errors import MoneyError
from membership.money import Fen, format_fen, parse_amount
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult
from terminal.cashier.ports import PinProof
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import (
    amount_input,
    fixed_row,
    pin_once_allowed,
    receipt_amount,
    report_done,
    row_label,
    run_on_member,
    show_member_line,
)
from terminal.ui.widgets import confirm_and_back, two_columns


class WithdrawScreen(TerminalScreen):
    screen_name = "withdraw"

    def build(self) -> None:
        kit = self.kit
        left, right = two_columns(kit, self)
        self.member = row_label(kit, test_id="withdraw.member", size="large", rows=1.2)
        self.principal = row_label(kit, test_id="withdraw.principal", size="large", rows=1.2)
        left.add_widget(self.member)
        left.add_widget(self.principal)
        left.add_widget(row_label(kit, "withdraw.bonus_stays", test_id="withdraw.bonus_stays",
                                  size="small", rows=1.4))
        self.amount = amount_input(kit, "withdraw.amount", "withdraw.amount_hint")
        everything = kit.button("withdraw.all", self.all_principal, test_id="withdraw.all",
                                kind="plain")
        everything.size_hint_x = 0.45
        left.add_widget(fixed_row(kit, self.amount, everything))
        left.add_widget(row_label(kit, "withdraw.pin_note", test_id="withdraw.pin_note",
                                  size="small", rows=1.4))
        left.add_widget(BoxLayout())
        confirm_and_back(kit, right, "withdraw", self.confirm, lambda: self.ui.go("home"))
        self.view: MemberView | None = None

    def enter(self, **params: Any) -> None:
        self.amount.text = ""
        self.show_member(self.ui.session.member)

    def show_member(self, view: MemberView | None) -> None:
        self.view = view
        if not show_member_line(self.member, view) or view is None:  # narrows view for mypy
            return
        panel = view.panel
        self.principal.show("withdraw.principal", principal=panel.principal, bonus=panel.bonus)

    def all_principal(self) -> None:
        if self.view is not None:
            self.amount.text = format_fen(max(self.view.panel.principal, 0)).lstrip("¥")

    def confirm(self) -> None:
        view = self.view
        if view is None:
            return
        try:
            amount = parse_amount(self.amount.text)
        except MoneyError as error:
            self.ui.show_error(error)
            return
        # A card that cannot pay (lost, frozen, expired) is refused before anyone types a PIN
        # for it; then the PIN, and the core refuses more than the principal once it is checked.
        pin_once_allowed(self.ui, view.card_no, self.ui.services.ops.check_member_can_pay,
                         lambda proof: self._withdraw(view, amount, proof))

    def _withdraw(self, view: MemberView, amount: Fen, proof: PinProof) -> None:
        withdraw = self.ui.services.ops.withdraw
        run_on_member(self.ui, view.card_no,
                      lambda ctx, staff, member: withdraw(ctx, staff, member, amount, proof),
                      self._done)

    def _done(self, outcome: tuple[OperationResult, MemberView]) -> None:
        result, view = outcome
        self.ui.session.member = view
        self.amount.text = ""
        self.show_member(view)
        report_done(self.ui, result, "withdraw.done",
                    amount=receipt_amount(result.receipt, "receipt.withdraw_amount"),
                    principal=view.panel.principal)
