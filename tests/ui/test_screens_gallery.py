"""Every registered screen, opened with a member at the counter, in both languages on both panel
sizes (1024x600 and 800x480): a screenshot of each
(test-artifacts/screens/<lang>[-800x480]/gallery-<screen>.png), and every label checked — each
character has a glyph in the font the UI registers, and no label shows a raw message key.

Screens that ask for something on entry (a manager's approval) show their prompt: it is in the
picture and its labels are checked too, then it is closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from terminal.demo.staff import CASHIER_ID, CASHIER_PIN
from terminal.fonts import FontFile, find_cjk_font, missing_glyphs
from terminal.ui.screens import SCREENS
from tests.support.ui_driver import UiDriver
from tests.ui.layout_checks import broken_words, outside, too_tall, too_wide
from tests.ui.steps import ZHANG, sign_in, tap_card

RAW_KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
SCREEN_NAMES = [screen.screen_name for screen in SCREENS]


def window_labels() -> Iterator[Label]:
    """The labels of the whole window: the app, the simulator panel, any open prompt."""
    for child in list(Window.children):
        for widget in child.walk(restrict=True):
            if isinstance(widget, Label) and widget.text:
                yield widget


def settle(ui: UiDriver) -> None:
    """Let the screen's worker tasks finish and their results reach the screen: the worker runs
    tasks in order, so a no-op queued now finishes after them."""
    for _ in range(2):  # a result may queue a second read
        finished: list[object] = []
        ui.app.bridge.run(lambda: None, finished.append, finished.append)
        ui.until(lambda finished=finished: bool(finished), "the cashier worker")
        ui.pump(4)


def close_prompts(ui: UiDriver) -> None:
    pinpad = ui.app.runtime.pinpad
    if pinpad.requested:
        pinpad.cancel()
    for child in list(Window.children):
        if isinstance(child, ModalView):
            child.dismiss()
    ui.until(lambda: not any(isinstance(child, ModalView) for child in Window.children),
             "the prompts to close")


def label_problems(screen: str, labels: list[Widget], font: object) -> list[str]:
    problems = []
    for label in labels:
        text = str(label.text)
        where = f"{screen}/{getattr(label, 'test_id', '') or '?'}"
        missing = missing_glyphs(text, font)
        if missing:
            problems.append(f"{where}: no glyph for {missing!r} in {text!r}")
        if RAW_KEY.match(text.strip()):
            problems.append(f"{where}: shows the raw key {text!r}")
    return problems


def clipped(labels: list[Label]) -> list[str]:
    """Text cut off or spilling: too wide, too tall for its label, a word broken in two."""
    return too_wide(labels) + too_tall(labels) + broken_words(labels)


@pytest.mark.parametrize(("language", "panel"), [("zh_CN", (1024, 600)), ("en", (1024, 600)),
                                                 ("zh_CN", (800, 480)), ("en", (800, 480))])
def test_every_screen_in_both_languages(start_app, screens_dir: Path, language: str,
                                        panel: tuple[int, int]):
    font = FontFile(find_cjk_font().path, 0).load(24)  # face 0: the one Kivy draws with
    width, height = panel
    ui = start_app(language=language, ui={"width": width, "height": height})
    folder = screens_dir / (language if panel == (1024, 600) else f"{language}-{width}x{height}")
    sign_in(ui, CASHIER_ID, CASHIER_PIN)
    ui.wait_for_screen("home")
    ui.pump(10)
    tap_card(ui, ZHANG)
    assert {"login", "home", "refund", "reprint", "shift", "settings"} <= set(SCREEN_NAMES)
    problems: list[str] = []
    for name in SCREEN_NAMES:
        ui.app.show_screen(name)
        settle(ui)
        ui.screenshot(folder, f"gallery-{name}")
        labels = list(window_labels())
        problems += label_problems(name, labels, font)
        problems += [f"{name}: clipped {where}" for where in clipped(labels)]
        problems += [f"{name}: outside the screen {where}"
                     for where in outside(ui.app.screens.get_screen(name))]
        close_prompts(ui)
    assert problems == [], "\n".join(problems)
