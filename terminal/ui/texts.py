"""The UI's language: every label is a message key (terminal/i18n), translated in the language
chosen now; switching language re-labels every screen at once."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from membership.errors import DomainError
from terminal.i18n import (
    LANGUAGES,
    error_message,
    has_translation,
    normalise_language,
    translate,
)


class Texts:
    def __init__(self, language: str) -> None:
        self.language = normalise_language(language)
        # Weak: a label that leaves the screen must not be kept alive by the language switch.
        self._listeners: list[weakref.WeakMethod | Callable[[], None]] = []

    def tr(self, key: str, **params: Any) -> str:
        return translate(key, self.language, **params)

    def error(self, error: Exception) -> str:
        """A cashier-facing message for any error a task raised: domain errors by their key
        and parameters, devices and the store by their message key, anything else generic
        (the details of an unexpected error are in the log, not on the screen)."""
        if isinstance(error, DomainError):
            return error_message(error, self.language)
        key = getattr(error, "message_key", None) or getattr(error, "key", None)
        if isinstance(key, str) and has_translation(key, self.language):
            return self.tr(key)
        return self.tr("ui.failed")

    def set_language(self, language: str) -> None:
        language = normalise_language(language)
        if language != self.language:
            self.language = language
            for reference in list(self._listeners):
                listener = reference() if isinstance(reference, weakref.WeakMethod) else reference
                if listener is None:
                    self._listeners.remove(reference)
                else:
                    listener()

    def next_language(self) -> str:
        return LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every switch; a bound method is held weakly."""
        if hasattr(listener, "__self__"):
            self._listeners.append(weakref.WeakMethod(listener))
        else:
            self._listeners.append(listener)
