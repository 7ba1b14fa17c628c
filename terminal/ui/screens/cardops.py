"""Card services (卡务) for the member's card: report loss / cancel loss, freeze / unfreeze,
replace (the balances move to a new card, typed or tapped on the reader), extend, set a first
PIN (one that could not be set at enrolment) or change it on the keypad, and cancel the card
with its principal refunded in cash. The cashier picks an action, reads
what it will do, and confirms; the rules, fees and refusals are membership.card_service's."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from huiyuan_devices.cardreader.base import CardEvent, CardPresented, CardSource, ReaderFault
from huiyuan_devices.keypad.base import Pin
from kivy.uix.boxlayout import BoxLayout

from membership.tenders import TenderKind
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult
from terminal.cashier.ports import PinProof
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import (
    TenderChoice,
    ask_new_pin,
    fixed_row,
    pin_once_allowed,
    receipt_amount,
    report_done,
    row_label,
    run_on_member,
    show_member_line,
)
from terminal.ui.widgets import button_grid

# action -> the operation that changes only the card's status (no money moves)
STATUS_CHANGES = {
    "report_loss": "report_loss",
    "cancel_loss": "cancel_loss",
    "freeze": "freeze_card",
    "unfreeze": "unfreeze_card",
}
ACTIONS = (*STATUS_CHANGES, "replace", "extend", "set_pin", "change_pin", "cancel_card")
PIN_PROMPTS = {
    "set_pin": ("cardops.pin_new", "cardops.pin_again"),
    "change_pin": ("cardops.pin_old", "cardops.pin_new", "cardops.pin_again"),
}

Outcome = tuple[OperationResult, MemberView]


class CardOpsScreen(TerminalScreen):
    screen_name = "cardops"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding * 2)
        layout.add_widget(self._build_card_side())
        right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.44)
        actions = [kit.button(f"cardops.action.{action}", lambda a=action: self.choose(a),
                              test_id=f"cardops.action.{action}",
                              kind="danger" if action == "cancel_card" else "primary")
                   for action in ACTIONS]
        right.add_widget(button_grid(kit, actions, 2))
        confirm = kit.button("ui.confirm", self.confirm, test_id="cardops.confirm", kind="ok")
        back = kit.button("ui.back", lambda: self.ui.go("home"), test_id="cardops.back",
                          kind="plain")
        right.add_widget(fixed_row(kit, confirm, back))
        right.add_widget(BoxLayout())
        layout.add_widget(right)
        self.add_widget(layout)
        self.view: MemberView | None = None
        self.pending = ""
        self.new_card_source: CardSource | None = None
        self.new_card_uid = ""  # a UID-only tag read as the new card; its number is typed
        self.pin_changes = self.ui.services.pin_changes

    def _build_card_side(self) -> BoxLayout:
        kit = self.kit
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.56)
        self.member = row_label(kit, test_id="cardops.member", size="large", rows=1.2)
        self.status = row_label(kit, test_id="cardops.status")
        self.balance = row_label(kit, test_id="cardops.balance")
        self.fees = row_label(kit, test_id="cardops.fees", size="small", rows=0.8)
        self.new_card_no = kit.input(test_id="cardops.new_card_no",
                                     hint_key="cardops.new_card_hint")
        self.new_card_no.bind(text=lambda *_: self._typed_new_card())
        self.tender = TenderChoice(kit, "cardops.tender")
        self.prompt = row_label(kit, "cardops.choose_action", test_id="cardops.prompt",
                                size="large", rows=1.6)
        for widget in (self.member, self.status, self.balance, self.fees, self.new_card_no,
                       self.tender, self.prompt, BoxLayout()):
            left.add_widget(widget)
        return left

    def enter(self, **params: Any) -> None:
        self.new_card_no.text = ""
        self.new_card_source, self.new_card_uid = None, ""
        self.tender.choose(TenderKind.CASH)
        self.choose("")
        self.show_member(self.ui.session.member)

    def show_member(self, view: MemberView | None) -> None:
        self.view = view
        if not show_member_line(self.member, view) or view is None:  # narrows view for mypy
            return
        panel, fees = view.panel, view.context.card_type.fees
        expires = panel.expires_on.isoformat() if panel.expires_on else "-"
        self.status.show("cardops.status", status=panel.status.value, expires=expires)
        self.balance.show("cardops.balance", principal=panel.principal, bonus=panel.bonus)
        self.fees.show("cardops.fees", replacement=fees.replacement, annual=fees.annual,
                       cancellation=fees.cancellation)

    # --- the new card for a replacement -------------------------------------------------------

    def on_card(self, event: CardEvent) -> None:
        if isinstance(event, ReaderFault):
            self.ui.show_error(event.error)
            return
        if not isinstance(event, CardPresented) or self.view is None:
            return
        if event.card_no == self.view.card_no:
            return  # the member's own card, back on the reader
        if not event.card_no:
            # A UID-only tag: its number is printed on it; the cashier types it, and the
            # replacement binds the tag's UID to that number (as enrolment does).
            self.new_card_no.text = ""
            self.new_card_source, self.new_card_uid = None, event.uid
            self.pending = "replace"
            self.prompt.show("cardops.tag_read", uid=event.uid)
            return
        self.new_card_no.text = event.card_no
        self.new_card_source = event.source  # after the text: typing clears it
        self.new_card_uid = ""
        self.choose("replace")

    def _typed_new_card(self) -> None:
        self.new_card_source = None  # a typed number is not the card on the reader
        if self.pending == "replace":
            self.choose("replace")  # the confirmation names the new card

    # --- choosing and confirming ----------------------------------------------------------

    def choose(self, action: str) -> None:
        self.pending = action
        if not action or self.view is None:
            self.prompt.show("cardops.choose_action")
            return
        if action != "replace":
            self.new_card_uid = ""  # a tag read for a replacement is not kept for later
        fees = self.view.context.card_type.fees
        # The confirmation names the tag whose UID the replacement binds to the number typed.
        key = "cardops.confirm.replace_tag" if self.new_card_uid else f"cardops.confirm.{action}"
        self.prompt.show(key, new=self.new_card_no.text.strip() or "-", uid=self.new_card_uid,
                         replacement=fees.replacement, annual=fees.annual,
                         principal=self.view.panel.principal, cancellation=fees.cancellation)

    def confirm(self) -> None:
        view, action = self.view, self.pending
        if view is None:
            return
        if not action:
            self._refuse("cardops.choose_action")
            return
        if action in STATUS_CHANGES:
            self._run(view, getattr(self.ui.services.ops, STATUS_CHANGES[action]), action)
        elif action == "replace":
            self._replace(view)
        elif action == "extend":
            self._extend(view)
        elif action in PIN_PROMPTS:
            self._new_pin(view, action)
        else:
            # A card 退卡 would refuse (frozen, replaced...) is refused before the member's PIN.
            pin_once_allowed(self.ui, view.card_no, self.ui.services.ops.check_can_cancel_card,
                             lambda proof: self._cancel(view, proof))

    def _run(self, view: MemberView, operation: Callable[[Any, Any, Any], OperationResult],
             action: str, card_after: str = "") -> None:
        """Run `operation(ctx, staff, member)` on the member's card as the store has it now;
        afterwards show `card_after` (the new card of a replacement) or the same card."""
        run_on_member(self.ui, view.card_no, operation,
                      lambda outcome: self._done(action, outcome), card_after)

    def _replace(self, view: MemberView) -> None:
        new_card_no = self.new_card_no.text.strip()
        if not new_card_no:
            self._refuse("cardops.new_card_needed")
            return
        tenders = self.tender.tenders(view.context.card_type.fees.replacement)
        replace, uid = self.ui.services.ops.replace_card, self.new_card_uid
        self._run(view, lambda ctx, staff, member: replace(ctx, staff, member, new_card_no,
                                                           tenders, uid=uid),
                  "replace", card_after=new_card_no)

    def _extend(self, view: MemberView) -> None:
        tenders = self.tender.tenders(view.context.card_type.fees.annual)
        extend = self.ui.services.ops.extend_card
        self._run(view, lambda ctx, staff, member: extend(ctx, staff, member, tenders), "extend")

    def _cancel(self, view: MemberView, proof: PinProof) -> None:
        cancel = self.ui.services.ops.cancel_card
        self._run(view, lambda ctx, staff, member: cancel(ctx, staff, member, proof),
                  "cancel_card")

    def _done(self, action: str, outcome: Outcome) -> None:
        result, view = outcome
        if action == "replace":
            # The member now holds the new card: PINs are checked as it was read.
            self.ui.session.values["card_source"] = self.new_card_source
            self.new_card_no.text = ""
            self.new_card_uid = ""
        self.ui.session.member = view
        self.show_member(view)
        self.choose("")
        receipt = result.receipt
        report_done(self.ui, result, f"cardops.done.{action}", card=view.panel.card_no_masked,
                    expires=view.panel.expires_on.isoformat() if view.panel.expires_on else "-",
                    refund=receipt_amount(receipt, "receipt.refund_principal"),
                    fee=receipt_amount(receipt, "receipt.cancellation_fee"))

    # --- changing the PIN -----------------------------------------------------------------

    def _new_pin(self, view: MemberView, action: str) -> None:
        """set_pin: the new PIN twice; change_pin: the old PIN, then the new one twice."""
        source, changes = self.ui.session.values.get("card_source"), self.pin_changes

        def typed(pins: list[Pin]) -> None:
            if action == "set_pin":
                task = partial(changes.set_pin, view.card_no, pins[0], source)
            else:
                task = partial(changes.change_pin, view.card_no, pins[0], pins[1], source)
            self.ui.run(task, lambda _: self._pin_done(action))

        ask_new_pin(self.ui, PIN_PROMPTS[action], "cardops.pin_mismatch", typed,
                    self._pin_not_typed)

    def _pin_done(self, action: str) -> None:
        self.choose("")
        if self.ui.message is not None:
            self.ui.message.success(f"cardops.done.{action}")

    def _pin_not_typed(self, key: str, error: Exception | None) -> None:
        if error is not None:
            self.ui.show_error(error)
        else:
            self._refuse(key)

    def _refuse(self, key: str) -> None:
        if self.ui.message is not None:
            self.ui.message.refusal(key)
