"""The permission table (membership.permissions) and its codec in the `staff` document."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from membership.config_codec_permissions import decode_permissions, encode_permissions
from membership.errors import ConfigError
from membership.permissions import (
    CASHIER,
    DEFAULT_PERMISSIONS,
    MANAGER,
    Action,
    Grant,
    PermissionTable,
    grant_for,
    may,
)
from terminal.i18n import LANGUAGES, has_translation

CASHIER_CODE = Path(__file__).resolve().parents[2] / "terminal" / "cashier"


def test_by_default_a_cashier_sells_tops_up_and_opens_cards_alone():
    for action in (Action.SELL, Action.TOP_UP, Action.OPEN_CARD, Action.USE_COUNT):
        assert may(DEFAULT_PERMISSIONS, CASHIER, action)


@pytest.mark.parametrize("action", [Action.FREEZE, Action.WITHDRAW, Action.CANCEL_CARD,
                                    Action.EXTEND_CARD, Action.REFUND, Action.VOID,
                                    Action.EDIT_MEMBER])
def test_by_default_a_cashier_needs_a_managers_approval_for(action):
    assert not may(DEFAULT_PERMISSIONS, CASHIER, action)
    assert grant_for(DEFAULT_PERMISSIONS, CASHIER, action) is Grant.APPROVAL


def test_by_default_a_cashier_never_opens_the_settings():
    assert grant_for(DEFAULT_PERMISSIONS, CASHIER, Action.SETTINGS) is None  # not even approved


@pytest.mark.parametrize("action", list(Action))
def test_the_manager_may_do_everything_whatever_the_table_says(action):
    assert may(PermissionTable({}), MANAGER, action)


def test_an_unknown_role_may_do_nothing():
    assert grant_for(DEFAULT_PERMISSIONS, "trainee", Action.SELL) is None


def test_a_document_without_a_table_keeps_the_defaults():
    assert decode_permissions({"staff": []}) == DEFAULT_PERMISSIONS


def test_the_table_round_trips():
    body = {"permissions": {"cashier": {"allow": ["sell", "freeze"], "approval": ["refund"]}}}
    table = decode_permissions(body)
    assert may(table, CASHIER, Action.FREEZE)
    assert grant_for(table, CASHIER, Action.REFUND) is Grant.APPROVAL
    assert grant_for(table, CASHIER, Action.TOP_UP) is None  # not listed: refused
    assert decode_permissions({"permissions": encode_permissions(table)}) == table
    assert decode_permissions(
        {"permissions": encode_permissions(DEFAULT_PERMISSIONS)}) == DEFAULT_PERMISSIONS


@pytest.mark.parametrize("permissions, field", [
    ({"cashier": {"allow": ["fly"]}}, "cashier.allow[0]"),
    ({"cashier": {"allow": ["sell"], "approval": ["sell"]}}, "cashier.approval"),
    ({"cashier": {"allow": ["sell", "sell"]}}, "cashier.allow[1]"),
    ({"cashier": {"deny": ["sell"]}}, "cashier.deny"),
    ({"manager": {"allow": ["sell"]}}, "manager"),
    ({"cashier": {"allow": "sell"}}, "cashier.allow"),
    ([], "-"),
])
def test_a_bad_table_is_refused_naming_the_field(permissions, field):
    with pytest.raises(ConfigError) as refused:
        decode_permissions({"permissions": permissions})
    assert refused.value.params["document"] == "staff"
    assert field in str(refused.value.params["field"])


@pytest.mark.parametrize("key", ["permission.refused", "permission.approval_needed",
                                 *(f"permission.action.{action}" for action in Action),
                                 "permission.outcome.refused", "permission.outcome.approved",
                                 "permission.outcome.by_manager"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_refusals_are_translated(key, lang):
    assert has_translation(key, lang)


def _operation_calls_without_action(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "operation" and len(node.args) + len(node.keywords) < 2):
            lines.append(node.lineno)
    return lines


def test_every_operation_names_its_action():
    """`ctx.operation(staff, Action.X)` is where the table is enforced; a call without an action
    must be one whose function checked the table itself (a refund records its approver)."""
    missing = {}
    for path in CASHIER_CODE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        lines = _operation_calls_without_action(path)
        if lines and "permissions.require(" not in text:
            missing[path.name] = lines
    assert missing == {}
