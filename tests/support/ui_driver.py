"""Driving the real Kivy app in a real (offscreen) window from a test: build it, touch widgets
found by `test_id`, let frames and worker threads run, read what the screen shows, take
screenshots as artifacts.

Kivy has one window per process, so the app is mounted into it and unmounted after each test
rather than run with App.run() (which would end the event loop for the rest of the session).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

FRAME_S = 0.005
DEFAULT_TIMEOUT_S = 15.0


class UiDriver:
    def __init__(self, app: App) -> None:
        self.app = app
        EventLoop.ensure_window()
        self.root = app.build()
        app.root = root = self.root
        Window.add_widget(root)
        App._running_app = app
        app.dispatch("on_start")
        self.pump(5)

    def close(self) -> None:
        try:
            self.app.dispatch("on_stop")
        finally:
            # Whatever this test left on the shared window goes with it (a prompt still open
            # after a failure would otherwise stand over the next test's app).
            for widget in list(Window.children):
                Window.remove_widget(widget)
            App._running_app = None
            self.pump(2)

    # --- time -----------------------------------------------------------------------------

    def pump(self, frames: int = 3) -> None:
        for _ in range(frames):
            EventLoop.idle()
            time.sleep(FRAME_S)

    def until(self, condition: Callable[[], bool], what: str,
              timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Run frames until `condition()` holds (worker results arrive through the bridge)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen shows: "
                                     f"{self.visible_texts()[:40]}")
            self.pump(1)

    # --- finding and touching ---------------------------------------------------------------

    def widgets(self) -> Iterator[Widget]:
        """Every widget on the window: the app's and any open prompt's (a ModalView sits on
        the window beside the root), the top-most first."""
        for top in list(Window.children):
            yield from top.walk(restrict=True)

    def find(self, test_id: str) -> Widget:
        for widget in self.widgets():
            if getattr(widget, "test_id", None) == test_id and _shown(widget):
                return widget
        raise AssertionError(f"no widget {test_id!r} on screen {self.screen_name()!r}")

    def has(self, test_id: str) -> bool:
        return any(getattr(widget, "test_id", None) == test_id and _shown(widget)
                   for widget in self.widgets())

    def tap(self, test_id: str) -> None:
        widget = self.find(test_id)
        # A prompt that was just dismissed stays on the window while it fades out and takes
        # every touch meanwhile (seen: a tap on home right after the PIN prompt closed).
        self.until(lambda: not _fading_prompt_above(widget), f"no prompt fading over {test_id!r}")
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump(2)

    def type_into(self, test_id: str, text: str) -> None:
        field = self.find(test_id)
        field.text = text
        self.pump(1)

    def text_of(self, test_id: str) -> str:
        return str(self.find(test_id).text)

    def screen_name(self) -> str:
        return str(self.app.screens.current)

    def visible_texts(self) -> list[str]:
        return [str(widget.text) for widget in self.widgets()
                if isinstance(widget, Label) and widget.text and _shown(widget)]

    def wait_for_screen(self, name: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.until(lambda: self.screen_name() == name, f"screen {name!r}", timeout)
        self.pump(3)  # the previous screen leaves the window a frame or two later

    def wait_for_text(self, test_id: str, predicate: Callable[[str], bool], what: str) -> str:
        self.until(lambda: self.has(test_id) and predicate(self.text_of(test_id)), what)
        return self.text_of(test_id)

    # --- pictures ---------------------------------------------------------------------------

    def screenshot(self, folder: Path, name: str) -> Path:
        """Save the window as `folder/name.png` once the frame is drawn; checks it is not blank."""
        self.pump(4)
        folder.mkdir(parents=True, exist_ok=True)
        taken = Path(Window.screenshot(name=str(folder / f"{name}.png")))
        target = folder / f"{name}.png"
        taken.replace(target)
        _check_not_blank(target)
        return target


def _shown(widget: Any) -> bool:
    """On the current screen (not a hidden screen of the manager) and not made invisible."""
    node = widget
    while node is not None:
        manager = getattr(node, "manager", None)
        if manager is not None and getattr(manager, "current_screen", node) is not node:
            return False
        if getattr(node, "opacity", 1) == 0:
            return False
        parent = node.parent
        node = None if parent is node else parent  # the Window is its own parent
    return True


def _check_not_blank(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        extrema = image.convert("L").getextrema()
    assert extrema[0] != extrema[1], f"{path} is blank"


def _fading_prompt_above(widget: Widget) -> bool:
    """Is a prompt (a ModalView) fading in or out above the window child holding `widget`? An
    open one is left alone: the simulator panel's keypad is meant to work through it."""
    top_level = widget
    while top_level.parent is not None and top_level.parent is not Window:
        top_level = top_level.parent
    above = []
    for child in Window.children:  # the top-most first
        if child is top_level:
            break
        above.append(child)
    return any(isinstance(child, ModalView) and child._anim_alpha < 1 for child in above)
