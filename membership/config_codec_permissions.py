"""The permission table of the `staff` document (docs/protocol.md): decode with bounds, encode.

    "permissions": {"cashier": {"allow": ["sell", "top_up", "open_card"],
                                "approval": ["freeze", "refund"]}}

Only the cashier's grants are written: the store manager may do everything (membership.
permissions). An action listed under both, an unknown action or an unknown key refuses the
whole document with its name. A `staff` document without `permissions` keeps the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from membership.config_fields import ABSENT, Fields
from membership.errors import ConfigError
from membership.permissions import (
    CASHIER,
    DEFAULT_PERMISSIONS,
    Action,
    Grant,
    PermissionTable,
)

STAFF_DOCUMENT = "staff"
PERMISSIONS_KEY = "permissions"


def decode_permissions(body: Mapping[str, Any]) -> PermissionTable:
    """The permission table of a `staff` document body (its other keys are not read here)."""
    if PERMISSIONS_KEY not in body:
        return DEFAULT_PERMISSIONS
    table = Fields(body[PERMISSIONS_KEY], STAFF_DOCUMENT, item=PERMISSIONS_KEY)
    cashier = table.child(CASHIER, _role_grants)
    table.finish()
    return PermissionTable({CASHIER: {} if cashier is ABSENT else cashier})


def _role_grants(fields: Fields) -> dict[Action, Grant]:
    allowed = fields.choices(Grant.ALLOW.value, Action)
    approved = fields.choices(Grant.APPROVAL.value, Action)
    fields.finish()
    allowed = frozenset() if allowed is ABSENT else allowed
    approved = frozenset() if approved is ABSENT else approved
    both = sorted(allowed & approved)
    if both:
        raise ConfigError("config.code_duplicate", document=STAFF_DOCUMENT,
                          item=PERMISSIONS_KEY, field=f"{CASHIER}.{Grant.APPROVAL.value}",
                          value=both[0])
    return {**{action: Grant.APPROVAL for action in approved},
            **{action: Grant.ALLOW for action in allowed}}


def encode_permissions(table: PermissionTable) -> dict[str, Any]:
    """The `permissions` value of a `staff` document body, actions in a stable order."""
    grants = table.by_role.get(CASHIER, {})
    return {CASHIER: {
        grant.value: sorted(action.value for action, given in grants.items() if given is grant)
        for grant in Grant}}
