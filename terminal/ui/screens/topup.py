"""Top-up (充值): the cashier picks a preset amount or types one, sees the card type's bonus
tiers and the bonus this amount earns, chooses how the member pays, and confirms. Principal and
bonus are the core's (membership.stored_value); the receipt (充值小票) prints and the drawer opens
for cash."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from membership.cards import BonusTier
from membership.errors import MoneyError
from membership.money import Fen, parse_amount
from membership.stored_value import bonus_for
from membership.tenders import TenderKind
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import (
    TenderChoice,
    amount_input,
    fixed_row,
    receipt_amount,
    report_done,
    row_label,
    run_on_member,
    show_member_line,
)
from terminal.ui.widgets import confirm_and_back, two_columns

PRESETS_FEN = (10_000, 50_000, 100_000, 300_000)


class TopUpScreen(TerminalScreen):
    screen_name = "topup"

    def build(self) -> None:
        kit = self.kit
        left, right = two_columns(kit, self)
        self.member = row_label(kit, test_id="topup.member", size="large", rows=1.2)
        self.balance = row_label(kit, test_id="topup.balance")
        left.add_widget(self.member)
        left.add_widget(self.balance)
        presets = [kit.button("", lambda fen=fen: self.choose_preset(fen), text=f"¥{fen // 100}",
                              test_id=f"topup.preset.{fen}", kind="plain")
                   for fen in PRESETS_FEN]
        left.add_widget(fixed_row(kit, *presets))
        self.amount = amount_input(kit, "topup.amount", "topup.amount_hint")
        self.amount.bind(text=lambda *_: self.show_bonus())
        left.add_widget(self.amount)
        self.bonus = row_label(kit, test_id="topup.bonus", size="large", rows=1.2)
        self.tiers = row_label(kit, test_id="topup.tiers", size="small", rows=0.5)
        left.add_widget(self.bonus)
        left.add_widget(row_label(kit, "topup.tiers_title", test_id="topup.tiers_title",
                                  size="small", rows=0.6))
        left.add_widget(self.tiers)
        left.add_widget(BoxLayout())
        right.add_widget(row_label(kit, "counter.pay_by", test_id="topup.pay_by"))
        self.tender = TenderChoice(kit, "topup.tender", columns=2)
        right.add_widget(self.tender)
        confirm_and_back(kit, right, "topup", self.confirm, lambda: self.ui.go("home"))
        self.view: MemberView | None = None

    def enter(self, **params: Any) -> None:
        self.amount.text = ""
        self.tender.choose(TenderKind.CASH)
        self.show_member(self.ui.session.member)

    def show_member(self, view: MemberView | None) -> None:
        self.view = view
        if not show_member_line(self.member, view) or view is None:  # narrows view for mypy
            return
        panel = view.panel
        self.balance.show("topup.balance", principal=panel.principal, bonus=panel.bonus)
        tiers = view.context.card_type.bonus_tiers
        # One tier a line: the separator between them needs no translation.
        self.tiers.show(text="\n".join(self._tier_text(tier) for tier in tiers)
                        or self.kit.texts.tr("topup.no_tiers"))
        self.show_bonus()

    def _tier_text(self, tier: BonusTier) -> str:
        tr = self.kit.texts.tr
        parts = []
        if tier.bonus or not tier.bonus_rate_bp:
            key = "topup.tier_repeat" if tier.repeat else "topup.tier"
            parts.append(tr(key, min=tier.min_paid, bonus=tier.bonus))
        if tier.bonus_rate_bp:
            parts.append(tr("topup.tier_rate", min=tier.min_paid,
                            rate=f"{tier.bonus_rate_bp / 100:g}"))
        return " + ".join(parts)

    def choose_preset(self, fen: Fen) -> None:
        self.amount.text = f"{fen // 100}"

    def _typed_amount(self) -> Fen | None:
        try:
            return parse_amount(self.amount.text)
        except MoneyError:
            return None

    def show_bonus(self) -> None:
        paid = self._typed_amount()
        if self.view is None or not paid:
            self.bonus.show("topup.bonus_none")
            return
        bonus = bonus_for(self.view.context.card_type.bonus_tiers, paid)
        self.bonus.show("topup.bonus", bonus=bonus, total=paid + bonus)

    def confirm(self) -> None:
        view = self.view
        if view is None:
            return
        text, tenders_for = self.amount.text, self.tender.tenders
        top_up = self.ui.services.ops.top_up

        def pay_in(ctx: Any, staff: Any, member: Any) -> OperationResult:
            paid = parse_amount(text)  # a typing error becomes the message, like any refusal
            return top_up(ctx, staff, member, paid, tenders_for(paid))

        run_on_member(self.ui, view.card_no, pay_in, self._done)

    def _done(self, outcome: tuple[OperationResult, MemberView]) -> None:
        result, view = outcome
        self.ui.session.member = view
        self.amount.text = ""
        self.show_member(view)
        receipt = result.receipt
        report_done(self.ui, result, "topup.done",
                    paid=receipt_amount(receipt, "receipt.topup_amount"),
                    bonus=receipt_amount(receipt, "receipt.topup_bonus"),
                    balance=view.panel.stored_value)
