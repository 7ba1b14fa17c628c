"""The widget kit every screen uses: labels and buttons that show a message key in the current
language (re-labelled on a language switch), in the CJK font, sized for a finger; panels with a
background; a message line for outcomes and errors.

Tests find widgets by `test_id` (a plain attribute) rather than by their text, so a test reads
the same in both languages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput

from terminal.ui.texts import Texts
from terminal.ui.theme import RGBA, Theme


class OnPress(Protocol):
    """What a button calls when pressed: no arguments. A callback protocol rather than
    Callable[[], None] so mypy accepts the `lambda code=code: ...` idiom of button rows."""

    def __call__(self) -> None: ...


class UiKit:
    """The theme and the language, handed to every screen and widget."""

    def __init__(self, theme: Theme, texts: Texts) -> None:
        self.theme = theme
        self.texts = texts

    def label(self, key: str = "", text: str = "", *, size: str = "normal",
              color: RGBA | None = None, test_id: str = "", **params: Any) -> TextLabel:
        return TextLabel(self, key, text, size=size, color=color, test_id=test_id, **params)

    def button(self, key: str, on_press: OnPress, *, test_id: str = "",
               kind: str = "primary", text: str = "", **params: Any) -> TextButton:
        """A button showing message `key` translated, or `text` as it is when key is ""."""
        return TextButton(self, key, on_press, test_id=test_id, kind=kind, text=text, **params)

    def input(self, *, test_id: str = "", hint_key: str = "", password: bool = False,
              numeric: bool = False) -> TextInput:
        field = TextInput(multiline=False, password=password, font_name=self.theme.font_name,
                          font_size=self.theme.font_size, size_hint_y=None,
                          height=self.theme.button_height,
                          hint_text=self.texts.tr(hint_key) if hint_key else "",
                          input_filter="int" if numeric else None)
        field.test_id = test_id
        return field

    def font_size(self, size: str) -> int:
        theme = self.theme
        return {"small": theme.small_font_size, "large": theme.large_font_size,
                "title": theme.title_font_size}.get(size, theme.font_size)


class TextLabel(Label):
    def __init__(self, kit: UiKit, key: str = "", text: str = "", *, size: str = "normal",
                 color: RGBA | None = None, test_id: str = "", **params: Any) -> None:
        super().__init__(font_name=kit.theme.font_name, font_size=kit.font_size(size),
                         color=color or kit.theme.text, halign="left", valign="middle")
        self.kit, self.key, self.params, self.test_id = kit, key, params, test_id
        self.bind(size=self._wrap)
        kit.texts.on_change(self.relabel)
        self.show(key, text, **params)

    def show(self, key: str = "", text: str = "", **params: Any) -> None:
        """Show a message key (translated now and after every language switch) or plain text."""
        self.key, self.params = key, params
        self.text = self.kit.texts.tr(key, **params) if key else text

    def relabel(self) -> None:
        if self.key:
            self.text = self.kit.texts.tr(self.key, **self.params)

    def _wrap(self, *_args: Any) -> None:
        self.text_size = (self.width, None)


class TextButton(Button):
    def __init__(self, kit: UiKit, key: str, on_press: OnPress, *, test_id: str = "",
                 kind: str = "primary", text: str = "", **params: Any) -> None:
        colour = {"primary": kit.theme.primary, "danger": kit.theme.danger,
                  "ok": kit.theme.ok, "plain": kit.theme.muted}[kind]
        super().__init__(font_name=kit.theme.font_name, font_size=kit.theme.font_size,
                         size_hint_y=None, height=kit.theme.button_height,
                         background_normal="", background_color=colour,
                         color=kit.theme.inverse, halign="center", valign="middle")
        self.kit, self.key, self.params, self.test_id = kit, key, params, test_id
        self._on_press = on_press
        self.bind(on_release=lambda _button: self._on_press(),
                  size=lambda *_: setattr(self, "text_size", (self.width - 8, None)))
        kit.texts.on_change(self.relabel)
        self.text = text
        self.relabel()

    def relabel(self) -> None:
        if self.key:
            self.text = self.kit.texts.tr(self.key, **self.params)


class Panel(BoxLayout):
    """A box with a background colour."""

    def __init__(self, colour: RGBA, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas.before:
            self._colour = Color(*colour)
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._redraw, size=self._redraw)

    def set_colour(self, colour: RGBA) -> None:
        self._colour.rgba = colour

    def _redraw(self, *_args: Any) -> None:
        self._rect.pos, self._rect.size = self.pos, self.size


class MessageLine(Panel):
    """The outcome of the last action: a success in green, a refusal in red, progress in grey."""

    def __init__(self, kit: UiKit) -> None:
        super().__init__(kit.theme.background, size_hint_y=None, height=kit.theme.row_height,
                         padding=(kit.theme.padding, 0))
        self.kit = kit
        self.label = kit.label(test_id="message")
        self.add_widget(self.label)

    def info(self, key: str, **params: Any) -> None:
        self._show(self.kit.theme.text, self.kit.theme.background, key, "", params)

    def success(self, key: str, **params: Any) -> None:
        self._show(self.kit.theme.inverse, self.kit.theme.ok, key, "", params)

    def error(self, error: Exception) -> None:
        self._show(self.kit.theme.inverse, self.kit.theme.danger, "", self.kit.texts.error(error),
                   {})

    def refusal(self, key: str, **params: Any) -> None:
        self._show(self.kit.theme.inverse, self.kit.theme.danger, key, "", params)

    def clear(self) -> None:
        self._show(self.kit.theme.text, self.kit.theme.background, "", "", {})

    def _show(self, text_colour: RGBA, background: RGBA, key: str, text: str,
              params: dict[str, Any]) -> None:
        self.set_colour(background)
        self.label.color = text_colour
        self.label.show(key, text, **params)


def button_grid(kit: UiKit, buttons: list[TextButton], columns: int) -> GridLayout:
    grid = GridLayout(cols=columns, spacing=kit.theme.spacing, size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    for button in buttons:
        grid.add_widget(button)
    return grid


def two_columns(kit: UiKit, screen: Any) -> tuple[BoxLayout, BoxLayout]:
    """The counter screens' layout, added to `screen`: a wide left column (what the cashier
    reads and types) and a right one (how to pay, confirm, back). Returns (left, right)."""
    layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                       spacing=kit.theme.padding * 2)
    left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.58)
    right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.42)
    layout.add_widget(left)
    layout.add_widget(right)
    screen.add_widget(layout)
    return left, right


def confirm_and_back(kit: UiKit, column: BoxLayout, prefix: str, on_confirm: Callable[[], None],
                     on_back: Callable[[], None]) -> None:
    """`<prefix>.confirm` and a Back button (`<prefix>.back`) at the foot of a right column."""
    column.add_widget(kit.button(f"{prefix}.confirm", on_confirm, test_id=f"{prefix}.confirm",
                                 kind="ok"))
    column.add_widget(kit.button("ui.back", on_back, test_id=f"{prefix}.back", kind="plain"))
    column.add_widget(BoxLayout())
