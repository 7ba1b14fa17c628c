"""The store's staff from HQ's `staff` document, and the shift rows' own guards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from membership.counter_operations import Operation
from membership.pin_hash import matches
from membership.shift_report import ShiftClose, shift_closed_decision, shift_opened_decision
from terminal.demo import store as demo
from terminal.demo.staff import CASHIER_PIN, MANAGER_PIN, demo_staff_document
from terminal.store import InvalidConfig, StoreConflict, TerminalStore, open_store
from tests.integration import store_world as world


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TerminalStore]:
    with open_store(tmp_path / "terminal.db") as opened:
        yield opened


def staff_body(*members: tuple[str, str, str]) -> dict[str, object]:
    verifier = demo_staff_document()["staff"][0]["pin_verifier"]
    return {"staff": [{"staff_id": staff_id, "name": name, "role": role,
                       "pin_verifier": verifier} for staff_id, name, role in members]}


def test_the_staff_document_in_force_is_the_staff_table(store: TerminalStore):
    assert store.apply_config("staff", "store:SH001", 1, demo_staff_document()).applied
    manager, cashier = store.staff_members()  # by staff_id
    assert (cashier.staff_id, cashier.name, cashier.role) == ("S01", "王小丽", "cashier")
    assert (manager.staff_id, manager.role) == ("M01", "manager")
    assert matches(CASHIER_PIN, cashier.pin_verifier) and matches(MANAGER_PIN,
                                                                   manager.pin_verifier)
    assert not matches(MANAGER_PIN, cashier.pin_verifier)

    store.apply_config("staff", "terminal:SH001-T1", 1, staff_body(("S09", "临时工", "cashier")))
    assert [member.staff_id for member in store.staff_members()] == ["S09"]  # wins whole

    # A rebuild from HQ replaces members and cards only: the staff documents stay in force.
    store.rebuild_from_directory([], world.at(6))
    assert [member.staff_id for member in store.staff_members()] == ["S09"]


@pytest.mark.parametrize("body", [
    {"staff": [{"staff_id": "S01", "name": "王小丽", "role": "boss", "pin_verifier": "x"}]},
    {"staff": [{"staff_id": "S01", "name": "王小丽", "role": "cashier", "pin_verifier": ""}]},
    {"staff": [{"staff_id": "S01", "name": "王小丽", "role": "cashier", "pin_verifier": "x",
                "pin": "1111"}]},
    {"staff": [{"staff_id": "S01", "name": "a", "role": "cashier", "pin_verifier": "x"},
               {"staff_id": "S01", "name": "b", "role": "cashier", "pin_verifier": "x"}]},
    {"staff": [{"staff_id": "S01", "name": "a", "role": "cashier", "pin_verifier": "x",
                "active": "yes"}]},
    {"staff": "S01"},
    {"people": []},
])
def test_a_bad_staff_document_is_refused_whole(store: TerminalStore, body):
    store.apply_config("staff", "all", 1, demo_staff_document())
    with pytest.raises(InvalidConfig):
        store.apply_config("staff", "all", 2, body)
    with pytest.raises(InvalidConfig):
        store.apply_staff(body)
    assert store.applied_versions()["staff"]["version"] == 1
    assert [member.staff_id for member in store.staff_members()] == ["M01", "S01"]


def test_apply_staff_replaces_the_staff_and_keeps_inactive_ones_listed(store: TerminalStore):
    body = staff_body(("S02", "赵小明", "cashier"))
    body["staff"][0]["active"] = False  # type: ignore[index]
    assert store.apply_staff(body) == 1
    (member,) = store.staff_members()
    assert (member.staff_id, member.active) == ("S02", False)
    assert store.staff_member("S01") is None


def test_one_shift_at_a_time_and_totals_must_be_current_at_the_close(store: TerminalStore):
    opened = shift_opened_decision(Operation("SH001-T1-000001", world.at(9), demo.STORE, "S01"),
                                   50000)
    shift = store.open_shift("S01", 50000, opened)
    again = shift_opened_decision(Operation("SH001-T1-000002", world.at(9), demo.STORE), 0)
    with pytest.raises(StoreConflict):
        store.open_shift("S02", 0, again)

    totals = store.shift_totals(shift.shift_id)
    store.commit_sale(world.guest_sale("SH001-T1-000002"))  # after the totals were taken
    close = ShiftClose(shift.opened_at, 52800)
    closing = shift_closed_decision(Operation("SH001-T1-000003", world.at(18), demo.STORE),
                                    totals, close)
    with pytest.raises(StoreConflict):
        store.close_shift(shift.shift_id, 52800, closing, totals)
    assert store.current_shift() == shift and store.next_seq() == 3  # nothing was written

    current = store.shift_totals(shift.shift_id)
    assert (current.sales_count, current.takings) == (1, {"cash": 2800})
    closing = shift_closed_decision(Operation("SH001-T1-000003", world.at(18), demo.STORE),
                                    current, close)
    closed = store.close_shift(shift.shift_id, 52800, closing, current)
    assert (closed.closing_cash, closed.close_op_id, closed.is_open) == (
        52800, "SH001-T1-000003", False)
    assert store.current_shift() is None
    assert store.shift_totals(shift.shift_id) == current  # the closed shift's window is fixed
    store.commit_sale(world.guest_sale("SH001-T1-000004"))
    assert store.shift_totals(shift.shift_id) == current
