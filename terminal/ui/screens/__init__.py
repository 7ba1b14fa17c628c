"""Every screen of the app: each module here defines TerminalScreen subclasses with a
`screen_name`; they are found automatically (sign-in and home first), so a new screen is one
new module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terminal.ui.app import TerminalScreen

    SCREENS: list[type[TerminalScreen]]  # served by __getattr__ below, discovered on first use

FIRST = ("login", "home")


def _discover() -> list[type[TerminalScreen]]:
    from terminal.ui.app import TerminalScreen

    screens: dict[str, type[TerminalScreen]] = {}
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
