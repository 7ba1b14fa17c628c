"""Sign-in: choose your name, type your staff PIN on the on-screen pad. A manager or a cashier;
the roles decide which actions the home screen offers."""

from __future__ import annotations

from typing import Any

from huiyuan_devices.keypad.base import Pin
from kivy.uix.boxlayout import BoxLayout

from terminal.cashier.context import StaffMember
from terminal.ui.app import TerminalScreen
from terminal.ui.pinpad_widget import PinEntryPad
from terminal.ui.widgets import button_grid


class LoginScreen(TerminalScreen):
    screen_name = "login"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding * 2)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        self.prompt = kit.label("ui.choose_staff", size="large", test_id="login.prompt")
        self.prompt.size_hint_y = None
        self.prompt.height = kit.theme.button_height
        left.add_widget(self.prompt)
        self.staff_box = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        left.add_widget(self.staff_box)
        self.pad = PinEntryPad(kit, self._pin_entered, test_id="login.pin")
        right = BoxLayout(orientation="vertical")
        right.add_widget(self.pad)
        right.add_widget(BoxLayout())
        layout.add_widget(left)
        layout.add_widget(right)
        self.add_widget(layout)
        self.chosen: StaffMember | None = None

    def enter(self, **params: Any) -> None:
        self.chosen = None
        self.pad.clear()
        self.prompt.show("ui.choose_staff")
        self.ui.run(self.ui.services.staff.roster, self._show_roster)

    def _show_roster(self, staff: list[StaffMember]) -> None:
        self.staff_box.clear_widgets()
        if not staff:
            self.staff_box.add_widget(self.kit.label("ui.no_staff", test_id="login.no_staff"))
            return
        buttons = [self.kit.button("", lambda member=member: self._choose(member),
                                   text=member.name, test_id=f"login.staff.{member.staff_id}",
                                   kind="primary")
                   for member in staff]
        self.staff_box.add_widget(button_grid(self.kit, buttons, 2))
        if self.ui.message is not None:
            self.ui.message.clear()

    def _choose(self, member: StaffMember) -> None:
        self.chosen = member
        self.pad.clear()
        self.prompt.show("ui.staff_pin", name=member.name)

    def _pin_entered(self, pin: Pin) -> None:
        chosen = self.chosen
        if chosen is None:
            pin.wipe()
            self.prompt.show("ui.choose_staff")
            return
        self.ui.run(lambda: self.ui.services.staff.login(chosen.staff_id, pin),
                    self._signed_in)

    def _signed_in(self, staff: StaffMember) -> None:
        self.ui.sign_in(staff)
        self.ui.go("home")
        if self.ui.message is not None:
            self.ui.message.success("ui.welcome", name=staff.name)
