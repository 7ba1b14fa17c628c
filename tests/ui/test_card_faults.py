"""What the cashier sees when a card cannot be read or is not one of ours: a message in their
language, the panel untouched, nothing committed."""

from __future__ import annotations

from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError

from tests.ui.steps import UNKNOWN, ZHANG, signed_in_home, tap_card


def test_an_unknown_card_is_refused_with_a_message(start_app):
    ui = start_app()
    signed_in_home(ui)
    depth = ui.app.runtime.store.outbox_depth()
    ui.tap(f"sim.tap.{UNKNOWN.uid}")
    ui.wait_for_text("message", lambda text: "这张卡" in text, "the unknown-card message")
    assert ui.app.ui.session.member is None
    assert ui.app.runtime.store.outbox_depth() == depth


def test_a_card_pulled_away_mid_read_says_so_and_the_next_tap_works(start_app):
    ui = start_app(language="en")
    signed_in_home(ui)
    reader = ui.app.runtime.reader
    reader.inject_fault(DeviceProtocolError(reader.name, "card_removed"))
    ui.wait_for_text("message", lambda text: "removed" in text, "the card-removed message")
    tap_card(ui, ZHANG)


def test_an_unplugged_reader_is_reported(start_app):
    ui = start_app()
    signed_in_home(ui)
    reader = ui.app.runtime.reader
    reader.inject_fault(DeviceNotFound(reader.name, "reader_unplugged"))
    ui.wait_for_text("message", lambda text: "读卡器已断开" in text, "the unplugged message")


def test_a_swiped_card_finds_the_member(start_app):
    from huiyuan_devices.cardreader.base import CardSource

    ui = start_app()
    signed_in_home(ui)
    # A magnetic-stripe or ID reader types the card number (keyboard wedge): no UID, no chip.
    ui.app.runtime.reader.present(card_no=ZHANG.card_no, source=CardSource.WEDGE)
    ui.wait_for_text("member.name", lambda text: ZHANG.name in text, "the member panel")
    assert ui.app.ui.session.values["card_source"] is CardSource.WEDGE
