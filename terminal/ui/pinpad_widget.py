"""An on-screen PIN pad for staff PINs (sign-in, a manager's approval). Members never use it:
their PIN goes on the physical keypad (huiyuan_devices.keypad), which the UI never sees.

Digits are kept in one bytearray, shown only as dots, handed over as a `Pin` and the pad's own
buffer wiped at once.
"""

from __future__ import annotations

from collections.abc import Callable

from huiyuan_devices.keypad.base import Pin
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from terminal.ui.widgets import UiKit

MAX_DIGITS = 6
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back")


class PinEntryPad(BoxLayout):
    def __init__(self, kit: UiKit, on_pin: Callable[[Pin], None], *,
                 test_id: str = "pinpad") -> None:
        super().__init__(orientation="vertical", spacing=kit.theme.spacing, size_hint_y=None)
        self.kit, self.on_pin, self.test_id = kit, on_pin, test_id
        self._digits = bytearray()
        self.dots = kit.label(text="", size="title", test_id=f"{test_id}.dots")
        self.dots.halign = "center"
        self.dots.size_hint_y = None
        self.dots.height = kit.theme.button_height
        self.add_widget(self.dots)
        grid = GridLayout(cols=3, spacing=kit.theme.spacing, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for key in KEYS:
            label = {"clear": "ui.pin_clear", "back": "ui.pin_back"}.get(key, "")
            grid.add_widget(kit.button(label, lambda key=key: self.press(key), text=key,
                                       test_id=f"{test_id}.{key}", kind="plain"))
        self.add_widget(grid)
        self.add_widget(kit.button("ui.ok", lambda: self.press("enter"),
                                   test_id=f"{test_id}.enter", kind="ok"))
        self.height = kit.theme.button_height * 6 + kit.theme.spacing * 6

    def press(self, key: str) -> None:
        if key.isdigit() and len(self._digits) < MAX_DIGITS:
            self._digits.append(ord(key))
        elif key == "back" and self._digits:
            self._digits.pop()
        elif key == "clear":
            self.clear()
        elif key == "enter" and self._digits:
            pin = Pin(bytearray(self._digits))
            self.clear()
            self.on_pin(pin)
            return
        self.dots.show(text="●" * len(self._digits))

    def clear(self) -> None:
        for index in range(len(self._digits)):
            self._digits[index] = 0
        self._digits.clear()
        self.dots.show(text="")
