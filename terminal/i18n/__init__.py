"""Translations for the terminal UI, receipts and domain error messages (zh_CN first, then en).

The catalogue is plain Python data (terminal/i18n/catalogue.py): no gettext build step, and a
test checks that every message key raised in membership/ has both languages.

Templates use str.format fields with two additions:
- `{needed:fen}` prints an amount in fen as money (¥12.30);
- `{to:~card.status}` prints the translation of `card.status.<value>` (e.g. 已挂失).
A text whose words follow a count is a `plurals.Plural`: a template per CLDR plural category,
chosen by Babel's rules for the language from the count's parameter ("1 try left", "3 tries
left"). A missing key gives the key itself and a missing parameter stays as `{name}`: a screen
or a receipt must never fail because a message is incomplete.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from membership.errors import DomainError
from membership.money import format_fen
from terminal.i18n.catalogue import MESSAGES
from terminal.i18n.plurals import Text

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")  # the order of the texts in MESSAGES
LANGUAGE_NAMES: Mapping[str, str] = {"zh_CN": "简体中文", "en": "English"}

_CATALOGUES: dict[str, dict[str, Text]] = {
    lang: {key: texts[index] for key, texts in MESSAGES.items()}
    for index, lang in enumerate(LANGUAGES)
}
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh_hans": "zh_CN", "zh_hans_cn": "zh_CN"}
_FORMAT_FAILURES = (ValueError, TypeError, AttributeError, IndexError, KeyError)


def normalise_language(lang: str | None) -> str:
    """'zh-CN', 'zh', 'en_US', 'EN' -> a code in LANGUAGES; anything unknown -> the default."""
    if not lang:
        return DEFAULT_LANGUAGE
    code = lang.strip().replace("-", "_").lower()
    if code in _ALIASES:
        return _ALIASES[code]
    if code == "en" or code.startswith("en_"):
        return "en"
    return DEFAULT_LANGUAGE


def has_translation(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    return key in _CATALOGUES[normalise_language(lang)]


def translate(key: str, /, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text of `key` in `lang`, with `params` filled in. Never raises.

    `key` is positional-only so that a template may itself have a `{key}` field.
    """
    code = normalise_language(lang)
    text = _CATALOGUES[code].get(key)
    if text is None:
        return key
    template = text if isinstance(text, str) else text.template(code, params)
    if not params and "{" not in template:
        return template
    try:
        return _CatalogueFormatter(code).vformat(template, (), params)
    except _FORMAT_FAILURES:
        return template


def error_message(error: DomainError, lang: str = DEFAULT_LANGUAGE) -> str:
    """The cashier's message for a domain error.

    Falls back from the error's own key to the default key of its class and its ancestors
    (card.lost -> card.state -> domain.error), so a key nobody has translated yet still shows a
    sentence in the right language rather than a dotted key.
    """
    params = {"key": error.key, **error.params}
    for key in _candidate_keys(error):
        if has_translation(key, lang):
            return translate(key, lang, **params)
    return error.key


def _candidate_keys(error: DomainError) -> list[str]:
    keys = [error.key]
    for cls in type(error).__mro__:
        default = vars(cls).get("key")
        if isinstance(default, str) and default not in keys:
            keys.append(default)
    return keys


class _Missing:
    def __init__(self, name: str) -> None:
        self.name = name


class _CatalogueFormatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        name = str(key)
        return kwargs[name] if name in kwargs else _Missing(name)

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, _Missing):
            return "{" + value.name + "}"
        if format_spec == "fen":
            is_amount = isinstance(value, int) and not isinstance(value, bool)
            return format_fen(value) if is_amount else str(value)
        if format_spec.startswith("~"):
            key = f"{format_spec[1:]}.{value}"
            return translate(key, self.lang) if has_translation(key, self.lang) else str(value)
        return format(value, format_spec)
