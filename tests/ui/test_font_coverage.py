"""The font the UI registers draws every character of every text the UI can show, in both
languages: no label ever shows a missing-glyph box."""

from __future__ import annotations

import re

from terminal.fonts import FontFile, find_cjk_font, missing_glyphs
from terminal.i18n.catalogue import MESSAGES
from terminal.i18n.plurals import templates_of

# Characters the widgets draw themselves, outside the catalogue (the PIN pad's dots, money).
WIDGET_CHARACTERS = "●¥0123456789.-:/ "
FIELD = re.compile(r"\{[^{}]*\}")


def ui_face() -> FontFile:
    # Kivy loads face 0 of a collection: check that one, not the preview's monospaced face.
    return FontFile(find_cjk_font().path, 0)


def test_every_catalogue_text_in_both_languages_has_glyphs() -> None:
    font = ui_face().load(24)
    texts = [FIELD.sub("", template) for pair in MESSAGES.values() for text in pair
             for template in templates_of(text)]
    missing = missing_glyphs("".join(texts) + WIDGET_CHARACTERS, font)
    assert missing == [], f"no glyph for {missing!r}"


def test_the_check_can_fail() -> None:
    font = ui_face().load(24)
    assert missing_glyphs("\U0001f9ff", font)  # an emoji the CJK font does not have
