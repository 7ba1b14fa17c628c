"""Texts of the app's screens, one module per area (sale.py, counter.py, ...), each with a
`MESSAGES` dict: key -> (Simplified Chinese, English). i18n_catalogue merges every module found
here, so a new screen adds its texts without editing a shared file."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping

from terminal.i18n.plurals import Texts


def screen_messages() -> list[Mapping[str, Texts]]:
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        found.append(importlib.import_module(f"{__name__}.{module.name}").MESSAGES)
    return found
