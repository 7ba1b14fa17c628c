"""Steps the UI tests share: sign in, tap a demo card, type on the member's keypad, read what
the simulated printer printed (decoded from its ESC/POS bytes, not its documents)."""

from __future__ import annotations

from datetime import datetime

from membership.ledger import CardBalances
from terminal.cashier.ports import MemberProfile, MemberRecord
from terminal.demo.members import DEMO_CARDS, DemoCard
from terminal.demo.staff import CASHIER_ID, CASHIER_PIN
from tests.support import escpos_parser as ep
from tests.support.ui_driver import UiDriver

ZHANG, LI, WANG, UNKNOWN = DEMO_CARDS


def sign_in(ui: UiDriver, staff_id: str = CASHIER_ID, pin: str = CASHIER_PIN) -> None:
    ui.until(lambda: ui.has(f"login.staff.{staff_id}"), "the staff roster")
    ui.tap(f"login.staff.{staff_id}")
    for digit in pin:
        ui.tap(f"login.pin.{digit}")
    ui.tap("login.pin.enter")


def signed_in_home(ui: UiDriver) -> None:
    sign_in(ui)
    ui.wait_for_screen("home")


def tap_card(ui: UiDriver, card: DemoCard) -> None:
    """Present a demo card and wait until the home screen shows its member."""
    ui.tap(f"sim.tap.{card.uid}")
    ui.wait_for_text("member.name", lambda text: card.name in text, f"{card.name}'s panel")


def hq_listed_coupons(ui: UiDriver, card: DemoCard, *codes: str) -> None:
    """HQ's lookup answered (before any of this terminal's events reached it) that the member
    holds these unused coupons: the store caches the answer as the member desk would."""
    store = ui.app.runtime.store
    known = store.known_card(card.card_no)
    assert known is not None, card.card_no
    owner = known.member
    profile = MemberProfile(owner.member_id, owner.name, owner.phone, owner.birthday)
    # HQ knew none of the card's operations yet: its balances are empty, the store's own
    # unacknowledged entries make up the rest.
    store.cache_member_record(MemberRecord(profile, known.card, CardBalances(), datetime.now(),
                                           uid=card.uid, coupons=codes))


def type_member_pin(ui: UiDriver, pin: str) -> None:
    """The member types on the (simulated) keypad: digits, then Enter."""
    ui.until(lambda: ui.app.runtime.pinpad.requested, "the keypad to ask for a PIN")
    for digit in pin:
        ui.tap(f"sim.key.{digit}")
    ui.tap("sim.key.enter")


def printed_lines(ui: UiDriver) -> list[str]:
    """Every text line the printer received, decoded from the bytes it was sent."""
    lines: list[str] = []
    for job in ui.app.runtime.printer.printed:
        lines += [element.text for element in ep.parse(job) if isinstance(element, ep.Text)]
    return lines


def drawer_kicks(ui: UiDriver) -> int:
    return sum(isinstance(element, ep.DrawerKick)
               for job in ui.app.runtime.printer.printed for element in ep.parse(job))
