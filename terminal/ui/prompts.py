"""Two prompts every money screen shares.

`MemberPinPrompt`: the member types their PIN on the physical keypad (huiyuan_devices); the
screen shows only how many digits were typed; the PIN goes to the member-PIN desk on the worker
thread (the card checks it itself, or HQ, or the offline verifier) and the screen gets a
PinProof. A wrong PIN asks again with the tries left; a lock, a cancel, a time-out or a keypad
unplugged closes the prompt with the reason.

`ManagerApprovalPrompt`: a store manager chooses their name and types their staff PIN on the
on-screen pad, for one refund or void.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huiyuan_devices.keypad.base import Pin, PinOutcome, PinResult
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from membership.errors import DomainError
from terminal.cashier.context import ManagerApproval, StaffMember
from terminal.cashier.ports import PinProof
from terminal.ui.pinpad_widget import PinEntryPad
from terminal.ui.widgets import Panel, button_grid

PIN_TIMEOUT_S = 60.0


class KeypadPrompt(ModalView):
    """A prompt that waits for the member's keypad. It covers the window, but on a demo
    terminal the simulator panel's keypad is the member's hands: touches on it go through."""

    ui: Any

    def on_touch_down(self, touch: Any) -> bool:
        panel = getattr(self.ui.app, "simulator_panel", None)
        if panel is not None and panel.collide_point(*touch.pos):
            return bool(panel.dispatch("on_touch_down", touch))
        return bool(super().on_touch_down(touch))


class MemberPinPrompt(KeypadPrompt):
    def __init__(self, ui: Any, card_no: str, on_proof: Callable[[PinProof], None],
                 on_cancel: Callable[[], None] | None = None) -> None:
        super().__init__(size_hint=(0.6, 0.5), auto_dismiss=False)
        self.ui, self.card_no = ui, card_no
        self.on_proof, self.on_cancel = on_proof, on_cancel
        kit = ui.kit
        box = Panel(kit.theme.panel, orientation="vertical", padding=kit.theme.padding,
                    spacing=kit.theme.spacing)
        self.prompt = kit.label("ui.enter_pin", size="large", test_id="pin_prompt.text")
        self.dots = kit.label(text="", size="title", test_id="pin_prompt.dots")
        self.dots.halign = "center"
        box.add_widget(self.prompt)
        box.add_widget(self.dots)
        box.add_widget(kit.button("ui.cancel", self.cancel, test_id="pin_prompt.cancel",
                                  kind="plain"))
        self.add_widget(box)

    def start(self) -> None:
        self.open()
        self._ask()

    def _ask(self) -> None:
        self.dots.show(text="")
        self.ui.runtime.pinpad.request_pin(
            lambda count: self.ui.bridge.post(self._typed, count),
            lambda result: self.ui.bridge.post(self._entered, result),
            timeout_s=PIN_TIMEOUT_S)

    def _typed(self, count: int) -> None:
        self.dots.show(text="●" * count)

    def _entered(self, result: PinResult) -> None:
        if result.outcome is PinOutcome.ENTERED and result.pin is not None:
            self.prompt.show("ui.checking_pin")
            self._verify(result.pin)
            return
        self._close()
        key = {PinOutcome.CANCELLED: "ui.pin_cancelled",
               PinOutcome.TIMED_OUT: "device.pin_timeout"}.get(result.outcome)
        if result.error is not None and key is None:
            self.ui.show_error(result.error)
        elif self.ui.message is not None:
            self.ui.message.refusal(key or "ui.pin_cancelled")
        if self.on_cancel is not None:
            self.on_cancel()

    def _verify(self, pin: Pin) -> None:
        source = self.ui.session.values.get("card_source")
        desk = self.ui.services.pins
        self.ui.bridge.run(lambda: desk.verify(self.card_no, pin, source), self._verified,
                           self._refused)

    def _verified(self, proof: PinProof) -> None:
        self._close()
        self.on_proof(proof)

    def _refused(self, error: Exception) -> None:
        tries_left = getattr(error, "params", {}).get("tries_left")
        if isinstance(error, DomainError) and error.key == "pin.wrong" and tries_left:
            self.prompt.show("ui.pin_wrong", left=tries_left)
            self._ask()  # the member tries again on the keypad
            return
        self._close()
        self.ui.show_error(error)
        if self.on_cancel is not None:
            self.on_cancel()

    def cancel(self) -> None:
        self.ui.runtime.pinpad.cancel()

    def _close(self) -> None:
        self.dismiss()


class ManagerApprovalPrompt(ModalView):
    def __init__(self, ui: Any, on_approval: Callable[[ManagerApproval], None]) -> None:
        super().__init__(size_hint=(0.8, 0.9), auto_dismiss=False)
        self.ui, self.on_approval = ui, on_approval
        self.manager: StaffMember | None = None
        kit = ui.kit
        box = Panel(kit.theme.panel, orientation="horizontal", padding=kit.theme.padding,
                    spacing=kit.theme.padding)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        self.prompt = kit.label("ui.manager_approval", size="large", test_id="approval.text")
        left.add_widget(self.prompt)
        self.names = BoxLayout(orientation="vertical")
        left.add_widget(self.names)
        left.add_widget(kit.button("ui.cancel", self.dismiss, test_id="approval.cancel",
                                   kind="plain"))
        box.add_widget(left)
        box.add_widget(PinEntryPad(kit, self._pin, test_id="approval.pin"))
        self.add_widget(box)

    def start(self) -> None:
        self.open()
        self.ui.bridge.run(self.ui.services.staff.roster, self._show_managers, self._failed)

    def _show_managers(self, staff: list[StaffMember]) -> None:
        managers = [member for member in staff if member.is_manager]
        buttons = [self.ui.kit.button("", lambda member=member: self._choose(member),
                                      text=member.name,
                                      test_id=f"approval.manager.{member.staff_id}")
                   for member in managers]
        self.names.add_widget(button_grid(self.ui.kit, buttons, 1))

    def _choose(self, manager: StaffMember) -> None:
        self.manager = manager
        self.prompt.show("ui.staff_pin", name=manager.name)

    def _pin(self, pin: Pin) -> None:
        manager = self.manager
        if manager is None:
            pin.wipe()
            return
        self.ui.bridge.run(lambda: self.ui.services.staff.approve_as_manager(manager.staff_id,
                                                                            pin),
                           self._approved, self._failed)

    def _approved(self, approval: ManagerApproval) -> None:
        self.dismiss()
        self.on_approval(approval)

    def _failed(self, error: Exception) -> None:
        self.prompt.show(text=self.ui.kit.texts.error(error))
