"""Kivy's process-wide set-up, done before the first `import kivy` anywhere.

Kivy reads its environment at import: without these it parses our command line, writes logs
and a config under ~/.kivy, and takes over Python's root logger. With no display (a build
machine, CI) it renders offscreen through its bundled SDL2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def prepare_kivy(home: Path, width: int, height: int, *, fullscreen: bool = False) -> None:
    if "kivy" in sys.modules:
        return  # already imported: too late to change, and the first caller decided
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(home))
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # our logging config, not Kivy's
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")
    # Worker threads hand results to the UI (terminal.ui.bridge): with the interrupt clock a
    # result wakes the frame loop at once instead of at the next 1/60 s tick.
    os.environ.setdefault("KIVY_CLOCK", "interrupt")  # a kiosk has no xclip; copy/paste unused
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
