"""Every message key the cashier's operations raise themselves has both translations (the core's
keys are checked by test_i18n; these are the terminal's own)."""

import ast
from pathlib import Path

import pytest

from terminal.i18n import LANGUAGES, has_translation

CASHIER = Path(__file__).resolve().parents[2] / "terminal" / "cashier"
ERROR_NAMES = ("Error", "Input", "Refused")


def _text(node: ast.AST | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _keys_raised(path: Path) -> set[str]:
    """First string arguments of calls to error classes, and class-level `key = "..."`."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name.endswith(ERROR_NAMES) and node.args and _text(node.args[0]):
                keys.add(_text(node.args[0]))
        elif isinstance(node, ast.Assign) and _text(node.value) and any(
                isinstance(target, ast.Name) and target.id == "key" for target in node.targets):
            keys.add(_text(node.value))
    return keys


OPERATION_KEYS = sorted(set().union(*(_keys_raised(path)
                                      for path in (CASHIER / "operations").glob("*.py"))))


def test_the_scan_finds_the_operations_keys():
    assert {"pin.required", "refund.sale_unknown", "debit.refused"} <= set(OPERATION_KEYS)


@pytest.mark.parametrize("key", OPERATION_KEYS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_operations_raise_is_translated(key, lang):
    assert has_translation(key, lang)
