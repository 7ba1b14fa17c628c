"""Steps for the flows where a prompt opens over the screen (the member's PIN, a notice): a Kivy
ModalView sits on the Window beside the app's root, where UiDriver.find does not look, and it
takes every touch while open — the simulator panel's keypad buttons included. The member's
hand therefore types straight on the simulated keypad, as on the real one."""

from __future__ import annotations

from collections.abc import Iterator

from kivy.core.window import Window
from kivy.uix.widget import Widget

from tests.support.ui_driver import UiDriver


def modal_widgets(ui: UiDriver) -> Iterator[Widget]:
    for child in list(Window.children):
        if child is not ui.root:
            yield from child.walk(restrict=True)


def modal_has(ui: UiDriver, test_id: str) -> bool:
    return any(getattr(widget, "test_id", None) == test_id for widget in modal_widgets(ui))


def modal_text(ui: UiDriver, test_id: str) -> str:
    for widget in modal_widgets(ui):
        if getattr(widget, "test_id", None) == test_id:
            return str(widget.text)
    raise AssertionError(f"no prompt shows {test_id!r}")


def tap_in_modal(ui: UiDriver, test_id: str) -> None:
    ui.until(lambda: modal_has(ui, test_id), f"{test_id} in a prompt")
    for widget in modal_widgets(ui):
        if getattr(widget, "test_id", None) == test_id:
            widget.dispatch("on_release")
            ui.pump(2)
            return


def no_prompt_open(ui: UiDriver) -> bool:
    return not any(child is not ui.root for child in Window.children)


def member_types_pin(ui: UiDriver, pin: str) -> None:
    """The member types on the keypad (digits, then Enter) once it asks for a PIN."""
    pinpad = ui.app.runtime.pinpad
    ui.until(lambda: pinpad.requested, "the keypad to ask for a PIN")
    for digit in pin:
        pinpad.press(digit)
    pinpad.press("enter")
    ui.until(lambda: not pinpad.requested, "the keypad to take the PIN")
    ui.pump(3)
