"""Every screen of the app: each module here defines TerminalScreen subclasses with a
`screen_name`; they are found automatically (sign-in and home first), so a new screen is one
new module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

FIRST = ("login", "home")


def _discover() -> list[Callable[[Any], Any]]:
    from terminal.ui.app import TerminalScreen

    screens: dict[str, type] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, TerminalScreen) and value.screen_name \
                    and value.__module__ == module.__name__:
                screens[value.screen_name] = value
    ordered = [name for name in FIRST if name in screens]
    ordered += sorted(name for name in screens if name not in FIRST)
    return [screens[name] for name in ordered]


def __getattr__(name: str) -> Any:
    if name == "SCREENS":
        return _discover()
    raise AttributeError(name)
