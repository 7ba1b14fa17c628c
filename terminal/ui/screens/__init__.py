"""Every screen of the app, in the order they are added to the screen manager."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from terminal.ui.screens.home import HomeScreen
from terminal.ui.screens.login import LoginScreen

SCREENS: list[Callable[[Any], Any]] = [LoginScreen, HomeScreen]
