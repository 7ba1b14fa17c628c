"""Permissions per action, driven by touch: the home screen shows what the signed-in role may do,
a cashier's freeze is refused until a store manager approves on the spot with their PIN (a wrong
PIN counted and refused first), and the journal of privileged actions has every step."""

from __future__ import annotations

from pathlib import Path

from membership.cards import CardStatus
from terminal.demo.staff import CASHIER_ID, MANAGER_ID, MANAGER_PIN, demo_staff_document
from terminal.store.privileged import APPROVED, REFUSED
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import approve_as_manager, at_home
from tests.ui.steps import ZHANG, tap_card

CASHIER_HIDDEN = ("settings",)
EVERYONE_SEES = ("sale", "topup", "enrol", "cardops", "refund", "withdraw", "shift")


def _home_shows(ui: UiDriver, shown: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    ui.until(lambda: all(ui.has(f"home.action.{name}") for name in shown)
             and not any(ui.has(f"home.action.{name}") for name in hidden),
             f"home with {shown} and without {hidden}")


def _journal(ui: UiDriver) -> list[tuple[str, str, str, str]]:
    return [(entry.action, entry.staff_id, entry.outcome, entry.approved_by)
            for entry in reversed(ui.app.runtime.store.privileged_actions())]


def _cashier_freezes_with_approval(ui: UiDriver, screens: Path, refused: str,
                                   wrong_pin: str, done: str) -> None:
    at_home(ui)
    _home_shows(ui, EVERYONE_SEES, CASHIER_HIDDEN)
    ui.screenshot(screens, "80-home-cashier")
    tap_card(ui, ZHANG)
    ui.tap("home.action.cardops")
    ui.wait_for_screen("cardops")
    ui.tap("cardops.action.freeze")
    ui.tap("cardops.confirm")
    ui.wait_for_text("message", lambda text: refused in text, "the refusal")
    ui.until(lambda: ui.has(f"approval.manager.{MANAGER_ID}"), "the approval prompt")
    assert ui.app.services.members.member_context(ZHANG.card_no).card.status \
        is CardStatus.ACTIVE
    ui.screenshot(screens, "81-approval-asked")
    approve_as_manager(ui, pin="0000")  # a wrong PIN: counted, refused, asked again
    ui.wait_for_text("approval.text", lambda text: wrong_pin in text, "the wrong PIN")
    ui.screenshot(screens, "82-approval-wrong-pin")
    for digit in MANAGER_PIN:
        ui.tap(f"approval.pin.{digit}")
    ui.tap("approval.pin.enter")
    ui.wait_for_text("message", lambda text: done in text, "the freeze")
    assert ui.app.services.members.member_context(ZHANG.card_no).card.status \
        is CardStatus.FROZEN
    ui.screenshot(screens, "83-approved")
    assert ui.app.runtime.store.pin_failures(f"staff:{MANAGER_ID}").failures == 0  # cleared
    assert _journal(ui) == [("freeze", CASHIER_ID, REFUSED, ""),
                            ("freeze", CASHIER_ID, APPROVED, MANAGER_ID)]


def test_a_cashier_is_refused_then_a_manager_approves_by_pin(start_app, screens_dir: Path):
    ui = start_app()
    _cashier_freezes_with_approval(ui, screens_dir / "zh_CN", "店长", "员工密码错误", "冻结")


def test_in_english_and_the_manager_sees_every_action(start_app, screens_dir: Path):
    ui = start_app(language="en")
    _cashier_freezes_with_approval(ui, screens_dir / "en", "manager's approval",
                                   "Wrong staff PIN", "frozen")
    ui.tap("cardops.back")
    ui.wait_for_screen("home")
    ui.tap("home.logout")
    at_home(ui, MANAGER_ID, MANAGER_PIN)
    _home_shows(ui, EVERYONE_SEES + CASHIER_HIDDEN, ())
    ui.screenshot(screens_dir / "en", "84-home-manager")
    ui.tap("home.action.settings")
    ui.wait_for_screen("settings")
    ui.until(lambda: ui.has("settings.privileged"), "the settings unlocked")
    ui.pump(3)
    ui.tap("settings.privileged")
    ui.wait_for_screen("privileged_log")
    ui.wait_for_text("privileged.row.2", lambda text: "freeze" in text and "refused" in text,
                     "the cashier's refusal, oldest of three")
    assert all(word in ui.text_of("privileged.row.1") for word in ("freeze", "approved by",
                                                                    MANAGER_ID))
    assert "by a manager" in ui.text_of("privileged.row.0")  # the manager opening settings
    ui.screenshot(screens_dir / "en", "87-approvals-log")


def test_a_store_that_lets_cashiers_into_the_settings_with_approval(start_app,
                                                                    screens_dir: Path):
    """The `staff` document's own table: this cashier sells and, with approval, opens the
    settings; nothing else shows on their home screen."""
    ui = start_app()
    ui.app.runtime.store.apply_config("staff", "all", 2, {
        **demo_staff_document(),
        "permissions": {"cashier": {"allow": ["sell"], "approval": ["settings"]}}})
    at_home(ui)
    _home_shows(ui, ("sale", "settings", "history"), ("topup", "cardops", "refund", "shift"))
    ui.tap("home.action.settings")
    ui.wait_for_screen("settings")
    assert ui.has("settings.locked") and not ui.has("settings.printer_test")
    approve_as_manager(ui)
    ui.until(lambda: ui.has("settings.printer_test"), "the settings unlocked")
    assert _journal(ui) == [("settings", CASHIER_ID, REFUSED, ""),
                            ("settings", CASHIER_ID, APPROVED, MANAGER_ID)]
    ui.pump(3)
    ui.tap("settings.privileged")
    ui.wait_for_screen("privileged_log")
    ui.wait_for_text("privileged.row.0", lambda text: "设置" in text and "店长授权" in text
                     and MANAGER_ID in text, "the approval, newest first")
    assert "被拒绝" in ui.text_of("privileged.row.1")
    ui.screenshot(screens_dir / "zh_CN", "87-approvals-log")
