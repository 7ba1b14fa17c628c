"""Messages with a count: English says "1 try left" and "3 tries left", Chinese has one form,
and the form is chosen by the CLDR rules Babel ships, not by our own ifs."""

from __future__ import annotations

import re
import string

import pytest

from terminal.i18n import LANGUAGES, translate
from terminal.i18n.catalogue import MESSAGES
from terminal.i18n.plurals import Plural, categories, plural, plural_category, templates_of

PLURALS = {key: (index, text) for key, texts in MESSAGES.items()
           for index, text in enumerate(texts) if isinstance(text, Plural)}
ENGLISH = LANGUAGES.index("en")
# Parameters that hold a count of things, and the English plural nouns such a count governs.
COUNT_FIELDS = ("left", "tries_left", "days", "count", "points", "uses", "units", "max",
                "minimum", "maximum", "stock", "remaining", "available", "qty", "n")
PLURAL_NOUNS = ("tries", "days", "points", "receipts", "uses", "units", "characters", "digits",
                "entries", "items", "cards", "members", "times", "coupons", "gifts", "hours")
COUNT_THEN_NOUN = re.compile(
    r"\{(" + "|".join(COUNT_FIELDS) + r")\}(?: \w+)? (" + "|".join(PLURAL_NOUNS) + r")\b")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def plain_format(template: str, params: dict[str, object]) -> str:
    """The template filled in as translate fills it for text values (a `fen` or `~` field given
    a text shows the text)."""
    return re.sub(r"\{(\w+):[^{}]*\}", r"{\1}", template).format(**params)


def sample_params(key: str) -> dict[str, object]:
    """A value for every field of the message (the count is set by the test)."""
    names = {name.split(".")[0] for text in MESSAGES[key] for form in templates_of(text)
             for name in fields(form)}
    return {name: "X" for name in names}


def test_english_plurals_come_from_the_cldr_rules() -> None:
    assert categories("en") == {"one", "other"}
    assert categories("zh_CN") == {"other"}
    assert [plural_category("en", n) for n in (0, 1, 2, 21)] == ["other", "one", "other", "other"]
    assert [plural_category("zh_CN", n) for n in (0, 1, 2)] == ["other"] * 3


def test_the_known_count_messages_have_plural_forms() -> None:
    assert {"ui.pin_wrong", "pin.wrong", "staff.pin_wrong", "printing.pending",
            "count_screen.service", "count_screen.done", "panel.card_expiring",
            "panel.birthday_soon", "panel.points_expiring", "gifts.item", "gifts.chosen",
            "time_session.bill", "points.below_minimum", "member.name_invalid",
            "pin.format"} <= PLURALS.keys()
    assert all(index == ENGLISH for index, _ in PLURALS.values())  # Chinese has one form


@pytest.mark.parametrize("key", sorted(PLURALS))
def test_each_plural_has_exactly_the_forms_its_language_has(key: str) -> None:
    index, text = PLURALS[key]
    assert set(text.forms) == categories(LANGUAGES[index])
    assert all(text.count in fields(form) for form in text.forms.values())


@pytest.mark.parametrize("key", sorted(PLURALS))
def test_each_english_count_message_reads_right_for_one_and_for_many(key: str) -> None:
    _, text = PLURALS[key]
    params = sample_params(key)
    one = translate(key, "en", **{**params, text.count: 1})
    many = translate(key, "en", **{**params, text.count: 3})
    assert one == plain_format(text.forms["one"], {**params, text.count: 1})
    assert many == plain_format(text.forms["other"], {**params, text.count: 3})
    assert one.replace("1", "3") != many  # the words changed, not only the number
    chinese = [translate(key, "zh_CN", **{**params, text.count: n}) for n in (1, 3)]
    assert chinese[0].replace("1", "3") == chinese[1]


@pytest.mark.parametrize(
    ("key", "params", "one", "many"),
    [
        ("ui.pin_wrong", {}, "Wrong PIN, 1 try left", "Wrong PIN, 3 tries left"),
        ("pin.wrong", {}, "Wrong PIN, 1 try left", "Wrong PIN, 3 tries left"),
        ("printing.pending", {}, "1 receipt waiting to be printed",
         "3 receipts waiting to be printed"),
        ("panel.card_expiring", {"date": "2026-12-09"},
         "The card expires on 2026-12-09 (1 day left)",
         "The card expires on 2026-12-09 (3 days left)"),
        ("gifts.chosen", {"name": "Mug"}, "Redeem Mug for 1 point", "Redeem Mug for 3 points"),
    ],
)
def test_worked_examples(key: str, params: dict[str, object], one: str, many: str) -> None:
    count = PLURALS[key][1].count
    assert translate(key, "en", **params, **{count: 1}) == one
    assert translate(key, "en", **params, **{count: 3}) == many


def test_a_count_that_is_missing_or_not_a_number_takes_the_other_form() -> None:
    assert translate("ui.pin_wrong", "en") == "Wrong PIN, {left} tries left"
    assert translate("ui.pin_wrong", "en", left="some") == "Wrong PIN, some tries left"
    assert translate("ui.pin_wrong", "en", left=True) == "Wrong PIN, True tries left"


def test_a_plural_needs_the_other_form() -> None:
    with pytest.raises(ValueError, match="other"):
        plural("n", one="{n} thing")


def test_no_plain_english_text_puts_a_count_before_a_plural_noun() -> None:
    plain = {key: texts[ENGLISH] for key, texts in MESSAGES.items()
             if isinstance(texts[ENGLISH], str) and COUNT_THEN_NOUN.search(texts[ENGLISH])}
    assert plain == {}


def test_the_guard_finds_a_count_before_a_plural_noun() -> None:
    assert COUNT_THEN_NOUN.search("Wrong PIN, {left} tries left")
    assert COUNT_THEN_NOUN.search("at most {max} characters")
    assert not COUNT_THEN_NOUN.search("{name} has {balance:fen} left")
