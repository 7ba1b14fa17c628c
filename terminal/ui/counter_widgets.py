"""Pieces the counter and card-service screens share (top-up, withdrawal, gifts, card services,
enrolment): a row label, the tender choice for money paid in, the member typing new PINs on the
keypad, asking the member's PIN only for a card the operation may use, a notice the cashier
acknowledges, and telling the cashier how an operation went (including a receipt that did not
print).

Nothing here decides anything: amounts, fees and refusals are the core's and the operations'.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Any

from huiyuan_devices.keypad.base import Pin, PinOutcome, PinResult
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from membership.money import Fen
from membership.receipts import Receipt
from membership.tenders import Tender, TenderKind
from terminal.cashier.operations import PrintResult
from terminal.ui.prompts import KeypadPrompt, MemberPinPrompt
from terminal.ui.widgets import Panel, TextButton, TextLabel, UiKit

# Money paid in at the counter (top-up, fees): never from the card itself.
PAY_IN_TENDERS = (TenderKind.CASH, TenderKind.BANK_CARD, TenderKind.WECHAT, TenderKind.ALIPAY)
PIN_ENTRY_TIMEOUT_S = 60.0


def row_label(kit: UiKit, key: str = "", *, test_id: str = "", size: str = "normal",
              rows: float = 1.0, **params: Any) -> TextLabel:
    """A label at least `rows` rows high that wraps its text and grows with it, so that a long
    text (or a long translation) pushes what follows down instead of running over it."""
    label = kit.label(key, test_id=test_id, size=size, **params)
    label.size_hint_y = None
    minimum = int(kit.theme.row_height * rows)
    label.height = minimum
    label.bind(texture_size=lambda widget, texture: setattr(
        widget, "height", max(minimum, texture[1] + 4)))
    return label


def show_member_line(label: TextLabel, view: Any) -> bool:
    """The member at the counter on one line (name, masked card, card type); False when there
    is none (the line says so)."""
    if view is None:
        label.show("counter.no_member")
        return False
    panel = view.panel
    label.show("counter.member_line", name=panel.name or "-", card=panel.card_no_masked,
               type=panel.card_type_name or "-")
    return True


def fixed_row(kit: UiKit, *widgets: Any, height: int | None = None) -> BoxLayout:
    row = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing, size_hint_y=None,
                    height=height or kit.theme.button_height)
    for widget in widgets:
        row.add_widget(widget)
    return row


def amount_input(kit: UiKit, test_id: str, hint_key: str) -> Any:
    """Yuan with up to two decimals, parsed by membership.money.parse_amount."""
    field = kit.input(test_id=test_id, hint_key=hint_key)
    field.input_filter = "float"
    return field


class TenderChoice(BoxLayout):
    """How the member pays money in: one of cash, bank card, WeChat Pay, Alipay (cash first)."""

    def __init__(self, kit: UiKit, test_prefix: str, columns: int = 4) -> None:
        rows = (len(PAY_IN_TENDERS) + columns - 1) // columns
        super().__init__(orientation="vertical", spacing=kit.theme.spacing, size_hint_y=None,
                         height=rows * kit.theme.button_height + (rows - 1) * kit.theme.spacing)
        self.kit = kit
        self.selected = TenderKind.CASH
        self.buttons: dict[TenderKind, TextButton] = {}
        row: BoxLayout | None = None
        for index, kind in enumerate(PAY_IN_TENDERS):
            if index % columns == 0:
                row = fixed_row(kit)
                self.add_widget(row)
            button = kit.button(f"tender.{kind.value}", lambda kind=kind: self.choose(kind),
                                test_id=f"{test_prefix}.{kind.value}", kind="plain")
            self.buttons[kind] = button
            assert row is not None
            row.add_widget(button)
        self.choose(TenderKind.CASH)

    def choose(self, kind: TenderKind) -> None:
        self.selected = kind
        for each, button in self.buttons.items():
            button.background_color = (self.kit.theme.primary if each is kind
                                        else self.kit.theme.muted)

    def tenders(self, amount: Fen) -> list[Tender]:
        """The payment of `amount` fen; nothing to pay takes no tender."""
        return [Tender(self.selected, amount)] if amount else []


def pins_match(first: Pin, second: Pin) -> bool:
    """The same digits typed twice (constant time: the PIN must not leak by timing)."""
    return hmac.compare_digest(first.reveal().encode("ascii"), second.reveal().encode("ascii"))


def wipe_all(pins: Sequence[Pin]) -> None:
    for pin in pins:
        pin.wipe()


class KeypadPinEntry(KeypadPrompt):
    """The member types one PIN per prompt on the physical keypad (e.g. the old PIN, the new one,
    the new one again); the screen shows only dots. Nothing is checked here: `on_pins` gets
    the PINs in prompt order and must wipe them. A cancel, a time-out or an unplugged keypad
    wipes what was typed, closes, and calls `on_cancel` with the reason as a message key."""

    def __init__(self, ui: Any, prompts: Sequence[str], on_pins: Callable[[list[Pin]], None],
                 on_cancel: Callable[[str, Exception | None], None]) -> None:
        super().__init__(size_hint=(0.6, 0.5), auto_dismiss=False)
        self.ui, self.prompts = ui, tuple(prompts)
        self.on_pins, self.on_cancel = on_pins, on_cancel
        self.pins: list[Pin] = []
        kit = ui.kit
        box = Panel(kit.theme.panel, orientation="vertical", padding=kit.theme.padding,
                    spacing=kit.theme.spacing)
        self.prompt = kit.label(self.prompts[0], size="large", test_id="pin_entry.text")
        self.dots = kit.label(text="", size="title", test_id="pin_entry.dots")
        self.dots.halign = "center"
        box.add_widget(self.prompt)
        box.add_widget(self.dots)
        box.add_widget(kit.button("ui.cancel", self.cancel, test_id="pin_entry.cancel",
                                  kind="plain"))
        self.add_widget(box)

    def start(self, note_key: str = "") -> None:
        """Ask from the first prompt; `note_key` is shown first instead (e.g. "did not match")."""
        wipe_all(self.pins)
        self.pins = []
        if not self.parent:
            self.open()
        self._ask(note_key)

    def _ask(self, note_key: str = "") -> None:
        step = len(self.pins)
        self.prompt.show(note_key or self.prompts[step])
        self.dots.show(text="")
        self.ui.runtime.pinpad.request_pin(
            lambda count: self.ui.bridge.post(self._typed, count),
            lambda result: self.ui.bridge.post(self._entered, result),
            timeout_s=PIN_ENTRY_TIMEOUT_S)

    def _typed(self, count: int) -> None:
        self.dots.show(text="●" * count)

    def _entered(self, result: PinResult) -> None:
        if result.outcome is PinOutcome.ENTERED and result.pin is not None:
            self.pins.append(result.pin)
            if len(self.pins) < len(self.prompts):
                self._ask()
                return
            pins, self.pins = self.pins, []
            self.dismiss()
            self.on_pins(pins)
            return
        wipe_all(self.pins)
        self.pins = []
        self.dismiss()
        key = {PinOutcome.TIMED_OUT: "device.pin_timeout"}.get(result.outcome,
                                                               "ui.pin_cancelled")
        self.on_cancel(key, result.error if result.outcome is PinOutcome.DISCONNECTED else None)

    def cancel(self) -> None:
        self.ui.runtime.pinpad.cancel()


def ask_new_pin(ui: Any, prompts: Sequence[str], mismatch_key: str,
                on_pins: Callable[[list[Pin]], None],
                on_cancel: Callable[[str, Exception | None], None]) -> KeypadPinEntry:
    """Ask for PINs on the keypad where the last two prompts are the new PIN and the same again:
    `on_pins` gets them without the repeat once both match; otherwise everything is asked again
    from the first prompt, which shows `mismatch_key` instead."""
    entry: KeypadPinEntry

    def typed(pins: list[Pin]) -> None:
        *kept, again = pins
        if not pins_match(kept[-1], again):
            wipe_all(pins)
            entry.start(mismatch_key)
            return
        again.wipe()
        on_pins(kept)

    entry = KeypadPinEntry(ui, prompts, typed, on_cancel)
    entry.start()
    return entry


class Notice(ModalView):
    """A message the cashier must acknowledge before going on (e.g. the PIN is still to set)."""

    def __init__(self, ui: Any, key: str, on_ok: Callable[[], None], **params: Any) -> None:
        super().__init__(size_hint=(0.6, 0.5), auto_dismiss=False)
        self.on_ok = on_ok
        kit = ui.kit
        box = Panel(kit.theme.panel, orientation="vertical", padding=kit.theme.padding,
                    spacing=kit.theme.spacing)
        box.add_widget(kit.label(key, size="large", test_id="notice.text", **params))
        box.add_widget(kit.button("ui.ok", self._ok, test_id="notice.ok", kind="ok"))
        self.add_widget(box)

    def _ok(self) -> None:
        self.dismiss()
        self.on_ok()


def run_on_member(ui: Any, card_no: str, operation: Callable[[Any, Any, Any], Any],
                  on_done: Callable[[tuple[Any, Any]], None], card_after: str = "") -> None:
    """On the cashier worker: `operation(ctx, staff, member)` on the card as the store has it
    now, then the member view afterwards (of `card_after`, a replacement's new card, or the same
    card); `on_done` gets (result, view) on the UI thread, a refusal goes to the message line."""
    services, staff = ui.services, ui.session.staff

    def task() -> tuple[Any, Any]:
        member = services.members.member_context(card_no)
        result = operation(services.ctx, staff, member)
        return result, services.members.view(card_after or card_no)

    ui.run(task, on_done)


def pin_once_allowed(ui: Any, card_no: str, check: Callable[[Any, Any], None],
                     on_proof: Callable[[Any], None]) -> None:
    """Ask the member for the PIN of `card_no` only once `check(ctx, member)` passed on the
    cashier worker, on the card as the store has it now (blacklist applied): a card the
    operation would refuse anyway (lost, frozen, expired...) is refused on the message line
    and nobody types a PIN for it."""
    services = ui.services

    def allowed() -> None:
        check(services.ctx, services.members.member_context(card_no))

    ui.run(allowed, lambda _none: MemberPinPrompt(ui, card_no, on_proof).start())


def report_done(ui: Any, result: Any, key: str, **params: Any) -> None:
    """The operation happened: say so; if its receipt then fails to print, say that instead
    (the receipt is kept for a reprint)."""
    if ui.message is not None:
        ui.message.success(key, **params)
    result.printing.on_printed(lambda printed: ui.bridge.post(_printed, ui, printed))


def _printed(ui: Any, printed: PrintResult) -> None:
    if printed.ok or printed.error is None or ui.message is None:
        return
    ui.message.refusal("printing.failed", reason=ui.kit.texts.tr(printed.error.message_key))


def receipt_amount(receipt: Receipt, label_key: str) -> Fen:
    """An amount the core put on the receipt (e.g. the bonus given, the principal refunded)."""
    return sum(row.amount or 0 for row in receipt.totals if row.label_key == label_key)
