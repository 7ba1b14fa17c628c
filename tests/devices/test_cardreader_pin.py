"""The card checks the member's PIN (DESIGN decision 9): the PIN contract of the card readers. Each
test runs on the simulated reader and on the PC/SC reader (pyscard, a private pcscd, vpcd, our
virtual member card). A few PIN commands per test: each costs two or three card round trips.

PINs live in module constants and reach the readers through pin_of() outside `assert` lines, so
no failure message shows one; every helper also checks that the reader wiped the Pin.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from huiyuan_devices.cardreader.base import (
    CardPinOutcome,
    CardPinReader,
    CardPinResult,
    CardPresented,
    CardRemoved,
    CardSource,
)
from huiyuan_devices.errors import DeviceProtocolError

from tests.devices.pcsc_support import WAIT_S, PcscRig, SimulatedRig, pin_of

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

CARD_NO = "8800000000001234"
UID = "04A1B2C3D4E5F6"
OTHER_CARD_NO = "8800000000005678"
OTHER_UID = "04112233445566"
READER = "card_reader"

# Digit runs that no port, pid, line number or status word in a log line is likely to contain.
PIN = "860257"
NEW_PIN = "391846"
WRONG_PIN = "730194"
SECRETS = (PIN, NEW_PIN, WRONG_PIN)

ACCEPTED = CardPinResult(CardPinOutcome.ACCEPTED, 3)
BLOCKED = CardPinResult(CardPinOutcome.BLOCKED)
NOT_SET = CardPinResult(CardPinOutcome.NOT_SET)


def wrong(tries_left: int) -> CardPinResult:
    return CardPinResult(CardPinOutcome.WRONG, tries_left)


Rig = SimulatedRig | PcscRig


@pytest.fixture(params=["simulated", "pcsc"])
def card_rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "simulated":
        rig: Rig = SimulatedRig()
    else:
        rig = PcscRig(request.getfixturevalue("pcsc_daemon"))
    yield rig
    rig.close()


# --- the PIN commands, each checking that the Pin it passed was wiped -------------------------


def verify(rig: Rig, digits: str, card_no: str = "") -> CardPinResult:
    pin = pin_of(digits)
    result = rig.reader.verify_pin(pin, WAIT_S, card_no=card_no)
    assert len(pin) == 0, "verify_pin did not wipe the Pin"
    return result


def change(rig: Rig, old_digits: str, new_digits: str) -> CardPinResult:
    old, new = pin_of(old_digits), pin_of(new_digits)
    result = rig.reader.change_pin(old, new, WAIT_S)
    assert len(old) == len(new) == 0, "change_pin did not wipe the Pins"
    return result


def set_first(rig: Rig, digits: str) -> CardPinResult:
    pin = pin_of(digits)
    result = rig.reader.set_pin(pin, WAIT_S)
    assert len(pin) == 0, "set_pin did not wipe the Pin"
    return result


def verify_error(rig: Rig, digits: str, timeout_s: float = WAIT_S,
                 card_no: str = "") -> DeviceProtocolError:
    pin = pin_of(digits)
    with pytest.raises(DeviceProtocolError) as raised:
        rig.reader.verify_pin(pin, timeout_s, card_no=card_no)
    assert len(pin) == 0, "verify_pin did not wipe the Pin it failed with"
    return raised.value


def secrets_seen(caplog: pytest.LogCaptureFixture, *things: object) -> list[str]:
    """Which of SECRETS (as digits, or as the hex of their ASCII) are in the captured log or
    in the str/repr of `things`: the names of the constants, never the digits."""
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), str(record.exc_info)]
    for thing in things:
        texts += [str(thing), repr(thing), repr(getattr(thing, "detail", ""))]
    names = {PIN: "PIN", NEW_PIN: "NEW_PIN", WRONG_PIN: "WRONG_PIN"}
    forms = {digits: (digits, digits.encode().hex(), digits.encode().hex(" "))
             for digits in SECRETS}
    return [names[digits] for digits, shapes in forms.items()
            if any(shape.lower() in text.lower() for shape in shapes for text in texts)]


# --- the contract ------------------------------------------------------------------------------


def test_both_readers_are_card_pin_readers(card_rig: Rig) -> None:
    assert isinstance(card_rig.reader, CardPinReader)


def test_right_pin_is_accepted_and_the_reader_keeps_watching(card_rig: Rig) -> None:
    card_rig.start()
    card_rig.present(CARD_NO, UID, pin=PIN)
    card_rig.recorder.wait_count(1)

    result = verify(card_rig, PIN, card_no=CARD_NO)

    assert result == ACCEPTED
    card_rig.remove()
    assert card_rig.recorder.wait_count(2) == [
        CardPresented(READER, uid=UID, card_no=CARD_NO, source=CardSource.MEMBER_APP),
        CardRemoved(READER),
    ]


def test_wrong_pins_count_down_and_the_third_blocks_the_pin_for_good(card_rig: Rig) -> None:
    card_rig.present(CARD_NO, UID, pin=PIN)
    before = card_rig.reader.pin_status(WAIT_S)
    wrong_three_times = [verify(card_rig, WRONG_PIN) for _ in range(3)]
    right_after = verify(card_rig, PIN)

    assert before == CardPinResult(CardPinOutcome.REQUIRED, 3)
    assert wrong_three_times == [wrong(2), wrong(1), BLOCKED]
    assert right_after == BLOCKED


def test_change_needs_the_old_pin_and_then_only_the_new_one_is_right(card_rig: Rig) -> None:
    card_rig.present(CARD_NO, UID, pin=PIN)
    with_wrong_old = change(card_rig, WRONG_PIN, NEW_PIN)
    with_right_old = change(card_rig, PIN, NEW_PIN)
    old_now = verify(card_rig, PIN)
    new_now = verify(card_rig, NEW_PIN)

    assert with_wrong_old == wrong(2)
    assert with_right_old == ACCEPTED  # a right PIN restores all three tries
    assert (old_now, new_now) == (wrong(2), ACCEPTED)


def test_a_card_without_a_pin_gets_its_first_one_once(card_rig: Rig) -> None:
    card_rig.present(CARD_NO, UID)
    before = card_rig.reader.pin_status(WAIT_S)
    verified_before = verify(card_rig, PIN)
    first = set_first(card_rig, PIN)
    second = set_first(card_rig, NEW_PIN)
    verified_after = verify(card_rig, PIN)

    assert (before, verified_before) == (NOT_SET, NOT_SET)
    assert first == ACCEPTED
    assert second == CardPinResult(CardPinOutcome.ALREADY_SET)
    assert verified_after == ACCEPTED


def test_card_pulled_away_mid_verify_is_card_removed_and_the_next_card_works(
    card_rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    card_rig.start()
    card_rig.present(CARD_NO, UID, pin=PIN, drop_at="verify")
    card_rig.recorder.wait_count(1)

    error = verify_error(card_rig, PIN)

    assert error.reason == "card_removed"
    assert card_rig.recorder.wait_count(2)[1] == CardRemoved(READER)
    card_rig.remove()
    card_rig.present(OTHER_CARD_NO, OTHER_UID, pin=NEW_PIN)
    card_rig.recorder.wait_count(3)
    assert verify(card_rig, NEW_PIN) == ACCEPTED
    leaks = secrets_seen(caplog, error, error.__cause__)
    assert leaks == []


def test_a_contactless_card_without_our_application_is_an_unknown_card(card_rig: Rig) -> None:
    card_rig.present(card_no="", uid=OTHER_UID)
    error = verify_error(card_rig, PIN)
    assert (error.reason, error.message_key) == ("unknown_card", "device.unknown_card")


def test_no_card_on_the_reader_in_time_is_card_removed(card_rig: Rig) -> None:
    error = verify_error(card_rig, PIN, timeout_s=0.2)
    assert error.reason == "card_removed"


def test_a_card_swapped_in_during_pin_entry_is_refused_without_using_a_try(card_rig: Rig) -> None:
    card_rig.present(OTHER_CARD_NO, OTHER_UID, pin=PIN)
    error = verify_error(card_rig, WRONG_PIN, card_no=CARD_NO)
    status = card_rig.reader.pin_status(WAIT_S, card_no=OTHER_CARD_NO)

    assert error.reason == "card_removed"
    assert status == CardPinResult(CardPinOutcome.REQUIRED, 3)


@pytest.mark.parametrize("digits", ["123", "123456789"], ids=["too_short", "too_long"])
def test_a_pin_no_card_can_have_is_refused_before_the_card_is_asked(
    card_rig: Rig, digits: str
) -> None:
    pins = [pin_of(digits) for _ in range(4)]
    calls = [
        lambda: card_rig.reader.verify_pin(pins[0], 0.0),
        lambda: card_rig.reader.set_pin(pins[1], 0.0),
        lambda: card_rig.reader.change_pin(pin_of(PIN), pins[2], 0.0),
        lambda: card_rig.reader.change_pin(pins[3], pin_of(PIN), 0.0),
    ]
    for call in calls:
        with pytest.raises(ValueError) as raised:
            call()  # no card on the reader: only the length check can answer at once
        leaked = digits in str(raised.value)
        assert not leaked, "the PIN is in the error"
    assert [len(pin) for pin in pins] == [0, 0, 0, 0]


def test_no_pin_in_any_log_error_or_repr(card_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    card_rig.start()
    card_rig.present(CARD_NO, UID, pin=PIN)
    card_rig.recorder.wait_count(1)
    results = [verify(card_rig, WRONG_PIN), change(card_rig, PIN, NEW_PIN),
               verify(card_rig, NEW_PIN, card_no=CARD_NO), set_first(card_rig, PIN)]
    swapped = verify_error(card_rig, NEW_PIN, card_no=OTHER_CARD_NO)

    leaks = secrets_seen(caplog, swapped, *results, card_rig.reader, *card_rig.recorder.events)
    assert "VERIFY answered 63C2" in caplog.text  # debug logging of PIN commands was on
    assert leaks == []
    if isinstance(card_rig, PcscRig) and card_rig.daemon.can_be_killed:
        pcscd_log = card_rig.daemon.log_path.read_text(errors="replace").lower()
        in_pcscd_log = any(digits.encode().hex(" ") in pcscd_log for digits in SECRETS)
        assert not in_pcscd_log, "pcscd logged a PIN block"
