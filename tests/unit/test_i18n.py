"""The translation catalogue: lookups, formatting, and a translation for every domain key."""

import ast
import re
from pathlib import Path

import pytest

from membership.errors import CardStateError, DomainError, IllegalTransition, InsufficientBalance
from membership.receipts import ReceiptKind
from membership.tenders import TenderKind
from terminal.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    error_message,
    has_translation,
    normalise_language,
    translate,
)
from terminal.i18n.catalogue import MESSAGES
from terminal.i18n.plurals import templates_of

CORE = Path(__file__).resolve().parents[2] / "membership"
ERROR_NAME_ENDINGS = ("Error", "Balance", "Transition", "Exceeded", "Input")
# Key-shaped literals under these prefixes are labels printed on receipts (ReceiptRow labels,
# footer keys, note keys), possibly held in tables rather than passed to an error.
LABEL_PREFIXES = ("receipt.", "tender.")
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


# --- the scanner --------------------------------------------------------------------------------

def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def keys_raised_in(source: str) -> set[str]:
    """Message keys in a module: first string arguments (or key=...) of calls to error classes,
    and class-level `key = "..."` defaults."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called_name(node).endswith(ERROR_NAME_ENDINGS):
            arguments = [*node.args[:1], *(kw.value for kw in node.keywords if kw.arg == "key")]
            keys.update(_string(argument) for argument in arguments
                        if KEY_SHAPE.match(_string(argument)))
        elif isinstance(node, ast.ClassDef):
            keys.update(_class_key_default(node))
    return keys


def key_literals_in(source: str, prefixes: tuple[str, ...]) -> set[str]:
    """Every string literal shaped like a message key that starts with one of `prefixes`, and
    every key-shaped value of a dict literal whose other values are keys (tables of keys such as
    status -> card.lost)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        text = _string(node)
        if text and KEY_SHAPE.match(text) and text.startswith(prefixes):
            found.add(text)
        if isinstance(node, ast.Dict):
            values = [_string(value) for value in node.values]
            if values and all(value and KEY_SHAPE.match(value) for value in values):
                found.update(values)
    return found


def _string(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _class_key_default(node: ast.ClassDef) -> set[str]:
    keys = set()
    for statement in node.body:
        if isinstance(statement, ast.Assign) and _string(statement.value):
            if any(isinstance(target, ast.Name) and target.id == "key"
                   for target in statement.targets):
                keys.add(_string(statement.value))
        elif (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
              and statement.target.id == "key" and statement.value is not None
              and _string(statement.value)):
            keys.add(_string(statement.value))
    return keys


def core_sources() -> dict[str, str]:
    return {str(path.relative_to(CORE)): path.read_text() for path in sorted(CORE.rglob("*.py"))}


def untranslated(keys: set[str]) -> dict[str, list[str]]:
    missing = {lang: sorted(key for key in keys if not has_translation(key, lang))
               for lang in LANGUAGES}
    return {lang: keys for lang, keys in missing.items() if keys}


def test_scanner_finds_keys_in_a_sample_source():
    sample = '''
class Broke(DomainError):
    key = "sample.default"

def pay(balance):
    if balance < 0:
        raise InsufficientBalance("sample.raised", needed=1, available=0)
    if balance == 1:
        raise errors.CardStateError(key="sample.keyword")
    raise IllegalTransition(card_no="1")
    print("not.a.key.for.us")
    raise ValueError("denominator must be positive")
'''
    assert keys_raised_in(sample) == {"sample.default", "sample.raised", "sample.keyword"}
    assert untranslated({"sample.raised"}) == {lang: ["sample.raised"] for lang in LANGUAGES}


def test_scanner_finds_label_keys_and_key_tables():
    sample = '''
ROWS = [ReceiptRow("receipt.sample_label", 100)]
BLOCKED = {1: "card.sample_lost", 2: "card.sample_frozen"}
MIXED = {"a": "card.not_table", "b": "plain words"}
'''
    assert key_literals_in(sample, LABEL_PREFIXES) == {
        "receipt.sample_label", "card.sample_lost", "card.sample_frozen"}


def test_the_scan_covers_the_core():
    sources = core_sources()
    keys = set().union(*(keys_raised_in(source) for source in sources.values()))
    # errors.py alone declares a dozen class defaults; the modules raise many more.
    assert {"domain.error", "balance.insufficient", "card.transition_illegal"} <= keys
    assert len(keys) > 30


def test_every_key_raised_in_the_core_has_both_translations():
    keys = set().union(*(keys_raised_in(source) for source in core_sources().values()))
    assert untranslated(keys) == {}


def test_every_receipt_label_and_key_table_in_the_core_has_both_translations():
    keys = set().union(
        *(key_literals_in(source, LABEL_PREFIXES) for source in core_sources().values()))
    assert untranslated(keys) == {}


def test_receipt_titles_and_tender_kinds_are_translated():
    keys = {f"receipt.title.{kind.value}" for kind in ReceiptKind}
    keys |= {f"tender.{kind.value}" for kind in TenderKind}
    assert untranslated(keys) == {}


# --- the catalogue ------------------------------------------------------------------------------

def test_every_entry_has_one_non_empty_text_per_language():
    bad = {key: texts for key, texts in MESSAGES.items()
           if len(texts) != len(LANGUAGES)
           or not all(template.strip() for text in texts for template in templates_of(text))}
    assert bad == {}


def test_chinese_texts_are_chinese_and_english_texts_are_not():
    # Catches a pair written the wrong way round or an English text left in the Chinese column.
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # Rows made only of placeholders (each translated itself) have no text of their own.
    only_placeholders = {"receipt.label_value", "admin.privileged.row"}
    zh_without_cjk = [key for key, (zh, _) in MESSAGES.items()
                      if not all(cjk.search(form) for form in templates_of(zh))
                      and key not in only_placeholders]
    en_with_cjk = [key for key, (_, en) in MESSAGES.items()
                   if any(cjk.search(form) for form in templates_of(en))]
    assert zh_without_cjk == []
    assert en_with_cjk == []


def test_placeholders_match_between_languages():
    formatter = __import__("string").Formatter()

    def fields(text):
        return sorted(name for _, name, _, _ in formatter.parse(text) if name)

    mismatched = {key: texts for key, texts in MESSAGES.items()
                  if len({tuple(fields(form)) for text in texts for form in templates_of(text)})
                  != 1}
    assert mismatched == {}


@pytest.mark.parametrize(
    ("key", "zh", "en"),
    [
        ("receipt.subtotal", "小计", "Subtotal"),
        ("receipt.amount_due", "应付", "Amount due"),
        ("receipt.points_offset", "积分抵现", "Points offset"),
        ("tender.stored_value", "储值卡", "Stored-value card"),
        ("tender.wechat", "微信支付", "WeChat Pay"),
        ("receipt.title.sale", "消费小票", "Sales receipt"),
        ("receipt.title.topup", "充值小票", "Top-up receipt"),
        ("card.lost", "此卡已挂失", "This card has been reported lost"),
        ("card.frozen", "此卡已冻结", "This card is frozen"),
    ],
)
def test_known_texts(key, zh, en):
    assert translate(key) == zh
    assert translate(key, "zh_CN") == zh
    assert translate(key, "en") == en


# --- translate ----------------------------------------------------------------------------------

def test_missing_key_returns_the_key():
    assert translate("no.such.key") == "no.such.key"
    assert translate("no.such.key", "en", amount=5) == "no.such.key"


def test_parameters_are_filled_in_and_amounts_formatted():
    assert translate("tender.short", "zh_CN", short=1230) == "支付金额不足，还差 ¥12.30"
    assert translate("tender.short", "en", short=1230) == "Payment is short by ¥12.30"


def test_missing_parameter_stays_visible_and_does_not_raise():
    assert translate("tender.short", "zh_CN") == "支付金额不足，还差 {short}"


def test_badly_typed_parameter_does_not_raise():
    assert translate("tender.short", "en", short="twelve") == "Payment is short by twelve"
    assert translate("tender.short", "en", short=True) == "Payment is short by True"


def test_translated_parameter_values():
    message = translate("card.transition_illegal", "zh_CN", **{"from": "lost", "to": "frozen"})
    assert message == "此卡当前为“已挂失”，不能改为“已冻结”"
    unknown = translate("card.transition_illegal", "en", **{"from": "weird", "to": "frozen"})
    assert unknown == "A card that is weird cannot become frozen"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("en", "en"), ("en_US", "en"),
     ("EN-gb", "en"), ("fr", DEFAULT_LANGUAGE), ("", DEFAULT_LANGUAGE), (None, DEFAULT_LANGUAGE)],
)
def test_language_codes(given, expected):
    assert normalise_language(given) == expected


def test_unknown_language_falls_back_to_chinese():
    assert translate("receipt.change", "fr") == "找零"


# --- error messages -----------------------------------------------------------------------------

def test_error_message_uses_the_error_key_and_params():
    error = InsufficientBalance("balance.insufficient", needed=5000, available=1230)
    assert error_message(error) == "余额不足，需 ¥50.00，可用 ¥12.30"
    assert error_message(error, "en") == "Insufficient balance: ¥50.00 needed, ¥12.30 available"


def test_error_message_falls_back_to_the_class_default():
    assert error_message(CardStateError("card.some_new_state")) == translate("card.state")
    assert error_message(IllegalTransition("card.brand_new", **{"from": "lost", "to": "active"}),
                         "en") == translate("card.transition_illegal", "en",
                                            **{"from": "lost", "to": "active"})


def test_error_message_of_an_unknown_error_names_the_key():
    class StrangeError(DomainError):
        key = "strange.thing"

    assert "strange.thing" in error_message(StrangeError())
    assert "strange.other" in error_message(StrangeError("strange.other"), "en")
