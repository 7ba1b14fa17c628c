"""Staff sign-in, the lockout after wrong PINs and a manager's approval (terminal.cashier.staff),
on a real store with the demo staff document."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from terminal.cashier.staff import STAFF_LOCK_AFTER, StaffDesk, StaffError
from terminal.demo.staff import CASHIER_PIN, MANAGER_PIN
from terminal.i18n import error_message
from tests.integration.desk_world import desk_world, pin


def refused(call, *args) -> StaffError:
    with pytest.raises(StaffError) as caught:
        call(*args)
    return caught.value


def test_a_cashier_signs_in_and_out(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = StaffDesk(world.ctx)
        assert [(m.staff_id, m.name) for m in desk.roster()] == [("M01", "李店长"),
                                                                 ("S01", "王小丽")]
        entered = pin(CASHIER_PIN)
        cashier = desk.login("S01", entered)
        assert (cashier.staff_id, cashier.name, cashier.is_manager) == ("S01", "王小丽", False)
        assert desk.on_duty == cashier
        assert len(entered) == 0  # wiped once checked
        desk.logout()
        assert desk.on_duty is None


def test_wrong_pins_count_down_then_lock_the_staff_member_for_five_minutes(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = StaffDesk(world.ctx)
        lefts = [refused(desk.login, "S01", pin("2222")).params["tries_left"]
                 for _ in range(STAFF_LOCK_AFTER - 1)]
        assert lefts == [4, 3, 2, 1]
        locked = refused(desk.login, "S01", pin("2222"))
        assert (locked.key, locked.params) == ("staff.locked", {"until": "10:05", "minutes": 5})
        assert "10:05" in error_message(locked)

        # Locked even with the right PIN, on a new desk too (a restarted app).
        assert refused(StaffDesk(world.ctx).login, "S01", pin(CASHIER_PIN)).key == "staff.locked"
        assert desk.on_duty is None
        assert desk.login("M01", pin(MANAGER_PIN)).staff_id == "M01"  # others are not locked

        world.clock.advance(minutes=5)
        assert desk.login("S01", pin(CASHIER_PIN)).staff_id == "S01"
        assert world.store.pin_failures("staff:S01").failures == 0


def test_a_right_pin_resets_the_count(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = StaffDesk(world.ctx)
        for _ in range(STAFF_LOCK_AFTER - 1):
            refused(desk.login, "S01", pin("2222"))
        desk.login("S01", pin(CASHIER_PIN))
        assert refused(desk.login, "S01", pin("2222")).params["tries_left"] == 4


def test_unknown_and_inactive_staff_are_refused(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = StaffDesk(world.ctx)
        assert refused(desk.login, "S99", pin("1111")).key == "staff.unknown"
        body = {"staff": [{"staff_id": "S01", "name": "王小丽", "role": "cashier",
                           "pin_verifier": world.store.staff_member("S01").pin_verifier,
                           "active": False}]}
        world.store.apply_config("staff", "store:SH001", 2, body)
        assert refused(desk.login, "S01", pin(CASHIER_PIN)).key == "staff.unknown"
        assert desk.roster() == []  # an inactive member is not offered either


def test_only_a_manager_approves(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = StaffDesk(world.ctx)
        approval = desk.approve_as_manager("M01", pin(MANAGER_PIN))
        assert (approval.manager.name, approval.manager.is_manager) == ("李店长", True)
        assert approval.approved_at == world.clock()
        assert refused(desk.approve_as_manager, "S01", pin(CASHIER_PIN)).key == (
            "staff.not_manager")
        wrong = refused(desk.approve_as_manager, "M01", pin("1234"))
        assert (wrong.key, wrong.params) == ("staff.pin_wrong", {"tries_left": 4})
        assert desk.on_duty is None  # an approval signs nobody in


def test_staff_pins_never_reach_the_logs_or_the_errors(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    with desk_world(tmp_path) as world:
        desk = StaffDesk(world.ctx)
        messages = []
        for _ in range(STAFF_LOCK_AFTER + 1):
            error = refused(desk.login, "S01", pin("480317"))
            messages += [str(error), repr(error), error_message(error, "en")]
        messages.append(str(refused(desk.approve_as_manager, "M01", pin("480317"))))
    assert messages and not any("480317" in text for text in messages)
    assert "480317" not in caplog.text
