"""Messages whose words follow a count ("1 try left", "3 tries left").

A catalogue text is either a plain template or a `Plural`: one template per CLDR plural category
("one", "other", ...; English has those two, Chinese only "other", so its texts stay plain). The
category of a count comes from Babel's copy of the CLDR rules for the language, never from a
hand-written `if n == 1`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel import Locale

OTHER = "other"  # the category every language has: what a count that is not a number takes


@dataclass(frozen=True)
class Plural:
    """The templates of one message by plural category; `count` names the parameter whose value
    chooses among them."""

    count: str
    forms: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if OTHER not in self.forms:
            raise ValueError(f"a plural message needs an {OTHER!r} form: {self.forms!r}")

    def template(self, lang: str, params: Mapping[str, Any]) -> str:
        category = plural_category(lang, params.get(self.count))
        return self.forms.get(category, self.forms[OTHER])


def plural(count: str, **forms: str) -> Plural:
    """`plural("left", one="{left} try left", other="{left} tries left")`."""
    return Plural(count, forms)


Text = str | Plural
Texts = tuple[Text, Text]  # a catalogue entry: the text in each of i18n.LANGUAGES, in order


def templates_of(text: Text) -> tuple[str, ...]:
    """Every template a text can give: itself, or each form of a plural."""
    return (text,) if isinstance(text, str) else tuple(text.forms.values())


def plural_category(lang: str, count: object) -> str:
    """CLDR's category of `count` in `lang` ("one", "few", "other", ...); "other" for a value
    that is not a number (a missing parameter, a text)."""
    if isinstance(count, bool) or not isinstance(count, int | Decimal):
        return OTHER
    return str(_rule(lang)(count))


def categories(lang: str) -> frozenset[str]:
    """The plural categories `lang` has: {"one", "other"} for English, {"other"} for Chinese."""
    return frozenset(_rule(lang).tags) | {OTHER}  # Babel lists the categories besides "other"


@functools.cache
def _rule(lang: str) -> Any:
    return Locale.parse(lang).plural_form
