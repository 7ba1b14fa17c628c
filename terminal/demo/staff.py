"""The demo store's staff (`make run`, tests): a cashier and a store manager, as the `staff`
configuration document HQ would publish for them (docs/protocol.md). The verifiers are made
with membership.pin_hash at the offline cost, with fixed salts so the document is the same
every time; the PINs are the demo's, printed in the operations guide, never a real one."""

from __future__ import annotations

from typing import Any

from membership.pin_hash import OFFLINE_COST, make_verifier

CASHIER_ID, CASHIER_NAME, CASHIER_PIN = "S01", "王小丽", "1111"
MANAGER_ID, MANAGER_NAME, MANAGER_PIN = "M01", "李店长", "9999"


def demo_staff_document() -> dict[str, Any]:
    """The body of the demo `staff` document."""
    return {"staff": [
        _member(CASHIER_ID, CASHIER_NAME, "cashier", CASHIER_PIN),
        _member(MANAGER_ID, MANAGER_NAME, "manager", MANAGER_PIN),
    ]}


def _member(staff_id: str, name: str, role: str, pin: str) -> dict[str, Any]:
    salt = f"demo-staff-{staff_id}".encode().ljust(16, b".")
    return {"staff_id": staff_id, "name": name, "role": role,
            "pin_verifier": make_verifier(pin, OFFLINE_COST, salt=salt), "active": True}
