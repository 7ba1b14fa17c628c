"""The member's PIN (terminal.cashier.member_pin): by the card, by HQ, offline against HQ's
verifier with a local lockout, set and changed at HQ; never logged, never in an error."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from huiyuan_devices.cardreader.base import CardSource
from huiyuan_devices.keypad.base import Pin

from membership.errors import DomainError, InvalidInput
from terminal.cashier.member_pin import OFFLINE_PIN_TRIES, MemberPinDesk, PinRefused
from terminal.cashier.ports import PinCheck, PinCheckOutcome
from terminal.i18n import error_message, has_translation
from tests.integration.desk_world import AWAY_CARD_NO, AWAY_PIN, away_record, desk_world, pin

WRONG = "480317"


@dataclass
class CardThatChecksItsPin:
    """Our member application's VERIFY, as the card reader will offer it."""

    pin: str = AWAY_PIN
    present: bool = True
    tries_left: int = 3
    seen: list[int] = field(default_factory=list)  # lengths only: the card keeps the digits

    def verify(self, card_no: str, entered: Pin) -> PinCheck | None:
        self.seen.append(len(entered))
        if not self.present:
            return None
        if entered.reveal() == self.pin:
            return PinCheck(PinCheckOutcome.ACCEPTED)
        self.tries_left -= 1
        return PinCheck(PinCheckOutcome.WRONG, self.tries_left)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert has_translation(error.key, "zh_CN") and has_translation(error.key, "en"), error.key
    return error


def test_hq_checks_the_pin_online(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.pins.pins[AWAY_CARD_NO] = AWAY_PIN
        desk = MemberPinDesk(world.ctx)
        entered = pin(AWAY_PIN)
        proof = desk.verify(AWAY_CARD_NO, entered)
        assert (proof.card_no, proof.how, proof.verified_at) == (AWAY_CARD_NO, "hq", world.clock())
        assert len(entered) == 0

        wrong = refused(desk.verify, AWAY_CARD_NO, pin(WRONG))
        assert (wrong.key, wrong.params) == ("pin.wrong", {"tries_left": 4})
        for _ in range(4):
            last = refused(desk.verify, AWAY_CARD_NO, pin(WRONG))
        assert last.key == "pin.locked"  # HQ counted five in a row
        assert refused(desk.verify, AWAY_CARD_NO, pin(AWAY_PIN)).key == "pin.locked"


def test_a_card_without_a_pin_gives_no_proof(tmp_path: Path):
    with desk_world(tmp_path) as world:
        assert refused(MemberPinDesk(world.ctx).verify, AWAY_CARD_NO, pin("1234")).key == (
            "pin.not_set")


def test_offline_the_verifier_from_hq_checks_it_and_three_wrong_lock_it_here(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.store.cache_member_record(away_record())
        world.pins.online = False
        desk = MemberPinDesk(world.ctx)
        assert desk.verify(AWAY_CARD_NO, pin(AWAY_PIN)).how == "offline"

        lefts = [refused(desk.verify, AWAY_CARD_NO, pin(WRONG)).params.get("tries_left")
                 for _ in range(OFFLINE_PIN_TRIES)]
        assert lefts == [2, 1, None]  # the third locks
        assert refused(desk.verify, AWAY_CARD_NO, pin(AWAY_PIN)).key == "pin.locked_offline"
        assert refused(MemberPinDesk(world.ctx).verify, AWAY_CARD_NO,
                       pin(AWAY_PIN)).key == "pin.locked_offline"  # across a restart

        world.pins.online = True  # HQ answers again: it decides, and the local lock is lifted
        world.pins.pins[AWAY_CARD_NO] = AWAY_PIN
        assert desk.verify(AWAY_CARD_NO, pin(AWAY_PIN)).how == "hq"
        world.pins.online = False
        assert desk.verify(AWAY_CARD_NO, pin(AWAY_PIN)).how == "offline"


def test_hq_losing_its_answer_falls_back_to_the_verifier_with_the_pin_intact(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.store.cache_member_record(away_record())
        world.pins.lost_answers = True  # it read (and wiped) what it was given, then timed out
        entered = pin(AWAY_PIN)
        assert MemberPinDesk(world.ctx).verify(AWAY_CARD_NO, entered).how == "offline"
        assert world.pins.asked == [AWAY_CARD_NO] and len(entered) == 0


def test_offline_without_a_verifier_the_pin_cannot_be_checked(tmp_path: Path):
    with desk_world(tmp_path, hq=False) as world:
        desk = MemberPinDesk(world.ctx)
        assert refused(desk.verify, AWAY_CARD_NO, pin(AWAY_PIN)).key == "pin.unavailable_offline"
        world.store.cache_member_record(away_record())
        world.store.forget_offline_pin_verifier(AWAY_CARD_NO)
        assert refused(desk.verify, AWAY_CARD_NO, pin(AWAY_PIN)).key == "pin.unavailable_offline"


def test_a_member_application_card_checks_its_own_pin_and_hq_never_sees_it(tmp_path: Path):
    with desk_world(tmp_path) as world:
        card = CardThatChecksItsPin()
        world.ctx.card_pins = card
        desk = MemberPinDesk(world.ctx)
        source = CardSource.MEMBER_APP
        assert desk.verify(AWAY_CARD_NO, pin(AWAY_PIN), source).how == "card"
        wrong = refused(desk.verify, AWAY_CARD_NO, pin(WRONG), source)
        assert (wrong.key, wrong.params) == ("pin.wrong", {"tries_left": 2})
        card.present = False
        assert refused(desk.verify, AWAY_CARD_NO, pin(AWAY_PIN), source).key == (
            "pin.card_unavailable")
        assert world.pins.asked == [] and card.seen == [6, 6, 6]

        world.pins.pins[AWAY_CARD_NO] = AWAY_PIN  # a UID-only card still goes to HQ
        assert desk.verify(AWAY_CARD_NO, pin(AWAY_PIN), CardSource.CONTACTLESS).how == "hq"


def test_setting_and_changing_a_pin_needs_hq(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.store.cache_member_record(away_record())
        desk = MemberPinDesk(world.ctx)
        desk.set_pin(AWAY_CARD_NO, pin("2468"))
        assert world.pins.pins[AWAY_CARD_NO] == "2468"
        # The old offline verifier must not open the card any more.
        assert world.store.known_card(AWAY_CARD_NO).offline_pin_verifier == ""

        old, new = pin("1357"), pin("975310")
        wrong = refused(desk.change_pin, AWAY_CARD_NO, old, new)
        assert wrong.key == "pin.wrong" and len(old) == len(new) == 0
        desk.change_pin(AWAY_CARD_NO, pin("2468"), pin("975310"))
        assert world.pins.pins[AWAY_CARD_NO] == "975310"

        with pytest.raises(InvalidInput) as short:
            desk.set_pin(AWAY_CARD_NO, pin("12"))
        assert short.value.key == "pin.format"
        world.pins.online = False
        assert refused(desk.set_pin, AWAY_CARD_NO, pin("2468")).key == "pin.needs_hq"
    with desk_world(tmp_path / "alone", hq=False) as alone:
        assert refused(MemberPinDesk(alone.ctx).change_pin, AWAY_CARD_NO, pin("2468"),
                       pin("1357")).key == "pin.needs_hq"


def test_member_pins_never_reach_the_logs_or_the_errors(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[DomainError] = []
    with desk_world(tmp_path) as world:
        world.store.cache_member_record(away_record())
        desk = MemberPinDesk(world.ctx)
        world.pins.pins[AWAY_CARD_NO] = AWAY_PIN
        desk.verify(AWAY_CARD_NO, pin(AWAY_PIN))
        errors.append(refused(desk.verify, AWAY_CARD_NO, pin(WRONG)))
        world.pins.online = False
        desk.verify(AWAY_CARD_NO, pin(AWAY_PIN))
        errors += [refused(desk.verify, AWAY_CARD_NO, pin(WRONG)) for _ in range(3)]
        errors.append(refused(desk.change_pin, AWAY_CARD_NO, pin(AWAY_PIN), pin(WRONG)))
        world.pins.online = True
        errors.append(refused(desk.change_pin, AWAY_CARD_NO, pin(WRONG), pin("135790")))
    texts = [text for error in errors
             for text in (str(error), repr(error), error_message(error), repr(error.params))]
    assert len(errors) == 6 and all(isinstance(error, PinRefused) for error in errors)
    assert not any(digits in text for text in texts for digits in (AWAY_PIN, WRONG, "135790"))
    assert not any(digits in caplog.text for digits in (AWAY_PIN, WRONG, "135790"))
