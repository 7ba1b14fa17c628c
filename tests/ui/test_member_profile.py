"""The member's profile (会员资料) in the real window, in both languages: the store manager gives
张三 an address, a gender and notes, records his consent to messages and saves; the profile
goes out to HQ, and the screen shows it again when opened anew."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from membership.profiles import ProfileExtras
from terminal.demo.staff import MANAGER_ID, MANAGER_PIN
from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, sign_in, tap_card

ADDRESS, NOTES = "上海市静安区南京西路 1 号", "对坚果过敏"


def open_profile(ui: UiDriver) -> None:
    ui.tap("home.action.profile")
    ui.wait_for_screen("profile")
    ui.wait_for_text("profile.name", lambda text: text == ZHANG.name, "the profile read")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_manager_saves_zhangs_details_and_sees_them_again(
        start_app, screens_dir: Path, language: str):
    ui = start_app(language=language)
    sign_in(ui, MANAGER_ID, MANAGER_PIN)
    ui.wait_for_screen("home")
    tap_card(ui, ZHANG)
    ui.pump(5)
    open_profile(ui)
    ui.wait_for_text("profile.last_visit", lambda text: "20" in text, "the last visit here")
    ui.type_into("profile.address", ADDRESS)
    ui.type_into("profile.notes", NOTES)
    ui.tap("profile.profile.gender.male")
    ui.tap("profile.consent")
    ui.screenshot(screens_dir / language, "34-profile")
    store = ui.app.runtime.store
    depth = store.outbox_depth()

    ui.tap("profile.confirm")
    ui.until(lambda: store.outbox_depth() == depth + 1, "the profile's event")
    ui.wait_for_text("message", lambda text: ZHANG.name in text, "the outcome")
    [event] = store.outbox_batch(0, 10_000)[-1:]
    payload = json.loads(event.body)["payload"]
    assert (event.type, payload["address"], payload["gender"], payload["consent"]) == (
        "member.registered", ADDRESS, "male", True)
    known = store.known_card(ZHANG.card_no)
    assert known is not None
    assert known.member.extras == ProfileExtras(ADDRESS, "male", NOTES, True)

    ui.tap("profile.back")
    ui.wait_for_screen("home")
    open_profile(ui)
    ui.wait_for_text("profile.address", lambda text: text == ADDRESS, "the address again")
    assert ui.text_of("profile.notes") == NOTES


def test_notes_beyond_their_bound_are_refused_with_a_message(start_app):
    ui = start_app(language="en")
    sign_in(ui, MANAGER_ID, MANAGER_PIN)
    ui.wait_for_screen("home")
    tap_card(ui, ZHANG)
    ui.pump(5)
    open_profile(ui)
    depth = ui.app.runtime.store.outbox_depth()
    ui.type_into("profile.notes", "x" * 201)
    ui.tap("profile.confirm")
    ui.wait_for_text("message", lambda text: "200" in text, "the refusal")
    assert ui.app.runtime.store.outbox_depth() == depth
