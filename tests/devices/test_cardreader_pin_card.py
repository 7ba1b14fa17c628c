"""Our member application's PIN, without a reader: the APDUs, what the status words mean, and the
card's side (card_pin.CardPin, as the virtual card and the simulator run it). No pcscd needed.

The PINs here are test values with no secret to keep; the readers' secrecy is tested in
test_cardreader_pin.py.
"""

from __future__ import annotations

import pytest
from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.base import CardPinOutcome, CardPinResult
from huiyuan_devices.cardreader.card_pin import CardPin
from huiyuan_devices.cardreader.member_app import PinCommand
from huiyuan_devices.cardreader.virtual_card import VirtualMemberCard

OK, WRONG_LENGTH, BAD_BLOCK, WRONG_P1_P2 = b"\x90\x00", b"\x67\x00", b"\x6a\x80", b"\x6a\x86"
BLOCKED, NOT_SET, ALREADY_SET = b"\x69\x83", b"\x6a\x88", b"\x69\x85"


def hex_of(apdu: bytearray) -> str:
    return apdu.hex(" ").upper()


def test_pin_apdus_are_iso_7816_verify_and_change_reference_data() -> None:
    assert hex_of(member_app.verify_apdu("1234")) == "00 20 00 80 08 31 32 33 34 FF FF FF FF"
    assert hex_of(member_app.pin_status_apdu()) == "00 20 00 80"
    assert hex_of(member_app.change_pin_apdu("1234", "56789012")) == (
        "00 24 00 80 10 31 32 33 34 FF FF FF FF 35 36 37 38 39 30 31 32"
    )
    assert hex_of(member_app.first_pin_apdu("000000")) == "00 24 01 80 08 30 30 30 30 30 30 FF FF"
    assert isinstance(member_app.verify_apdu("1234"), bytearray)  # so that it can be wiped


@pytest.mark.parametrize("digits", ["", "123456789", "12a4", "１２３４"],
                         ids=["empty", "nine", "letter", "fullwidth"])
def test_only_1_to_8_ascii_digits_make_a_pin_block(digits: str) -> None:
    with pytest.raises(ValueError) as raised:
        member_app.verify_apdu(digits)
    shown = bool(digits) and digits in str(raised.value)
    assert not shown, "the PIN is in the error"


@pytest.mark.parametrize(
    ("block", "valid"),
    [
        (bytes.fromhex("31323334FFFFFFFF"), True),
        (bytes.fromhex("3132333435363738"), True),
        (bytes.fromhex("313233FFFFFFFFFF"), False),  # 3 digits: too short to be set
        (bytes.fromhex("31323334FF35FFFF"), False),  # a digit after the padding
        (bytes.fromhex("3132333400FFFFFF"), False),  # not a digit
        (bytes.fromhex("31323334FFFFFF"), False),  # 7 bytes
    ],
)
def test_a_pin_block_that_can_be_set(block: bytes, valid: bool) -> None:
    assert member_app.is_valid_pin_block(block) is valid


@pytest.mark.parametrize(
    ("command", "sw", "outcome", "tries_left"),
    [
        (PinCommand.VERIFY, 0x9000, CardPinOutcome.ACCEPTED, 3),
        (PinCommand.VERIFY, 0x63C2, CardPinOutcome.WRONG, 2),
        (PinCommand.VERIFY, 0x63C0, CardPinOutcome.BLOCKED, 0),  # that was the last try
        (PinCommand.VERIFY, 0x6983, CardPinOutcome.BLOCKED, 0),
        (PinCommand.VERIFY, 0x6A88, CardPinOutcome.NOT_SET, 0),
        (PinCommand.STATUS, 0x63C3, CardPinOutcome.REQUIRED, 3),
        (PinCommand.STATUS, 0x9000, CardPinOutcome.ACCEPTED, 3),
        (PinCommand.CHANGE, 0x63C1, CardPinOutcome.WRONG, 1),
        (PinCommand.FIRST_PIN, 0x6985, CardPinOutcome.ALREADY_SET, 0),
    ],
)
def test_what_the_pin_status_words_mean(command: PinCommand, sw: int, outcome: CardPinOutcome,
                                        tries_left: int) -> None:
    assert member_app.pin_result(command, sw >> 8, sw & 0xFF) == CardPinResult(outcome,
                                                                                tries_left)


@pytest.mark.parametrize("sw", [0x6985, 0x6700, 0x6A80, 0x6A82, 0x6D00])
def test_answers_our_application_does_not_give_mean_nothing(sw: int) -> None:
    assert member_app.pin_result(PinCommand.VERIFY, sw >> 8, sw & 0xFF) is None


def test_wipe_buffer_zeroes_in_place() -> None:
    apdu = member_app.verify_apdu("1234")
    command = list(apdu)
    member_app.wipe_buffer(apdu)
    member_app.wipe_buffer(command)
    assert apdu == bytearray(13) and command == [0] * 13


# --- the card's side --------------------------------------------------------------------------


def test_card_refuses_commands_of_the_wrong_shape() -> None:
    card = CardPin("1234")
    assert card.answer(bytes.fromhex("0020008007313233FFFFFFFF")) == WRONG_LENGTH  # Lc 7
    assert card.answer(bytes.fromhex("002000800831323334FFFF")) == WRONG_LENGTH  # data short
    assert card.answer(bytes.fromhex("002000810831323334FFFFFFFF")) == WRONG_P1_P2
    assert card.answer(member_app.change_pin_apdu("1234", "12")) == BAD_BLOCK  # new too short
    assert card.tries_left == 3  # the old PIN was right: no try lost


def test_first_pin_is_set_only_on_a_card_without_one() -> None:
    card = CardPin()
    assert card.answer(member_app.pin_status_apdu()) == NOT_SET
    assert card.answer(member_app.change_pin_apdu("1234", "5678")) == NOT_SET
    assert card.answer(member_app.first_pin_apdu("123")) == BAD_BLOCK
    assert card.answer(member_app.first_pin_apdu("2468")) == OK
    assert card.answer(member_app.first_pin_apdu("1357")) == ALREADY_SET
    assert card.answer(member_app.verify_apdu("2468")) == OK


def test_blocked_stays_blocked_and_verified_ends_with_a_reset() -> None:
    card = CardPin("1234", try_limit=2)
    assert card.answer(member_app.verify_apdu("1234")) == OK
    assert card.answer(member_app.pin_status_apdu()) == OK  # verified since SELECT
    card.deselect()
    assert card.answer(member_app.pin_status_apdu()) == b"\x63\xc2"
    assert card.answer(member_app.verify_apdu("0000")) == b"\x63\xc1"
    assert card.answer(member_app.verify_apdu("0000")) == b"\x63\xc0"
    assert card.blocked
    assert card.answer(member_app.verify_apdu("1234")) == BLOCKED
    assert card.answer(member_app.change_pin_apdu("1234", "5678")) == BLOCKED


def test_card_pin_repr_shows_no_pin_and_short_initial_pins_are_refused() -> None:
    assert repr(CardPin("97531")) == "CardPin(set=True, tries_left=3, verified=False)"
    with pytest.raises(ValueError):
        CardPin("975")


def test_virtual_card_checks_pins_only_inside_our_application() -> None:
    card = VirtualMemberCard("8800000000001234", pin="2468")
    assert card.answer_apdu(bytes(member_app.verify_apdu("2468"))) == b"\x6d\x00"
    assert card.answer_apdu(bytes(member_app.select_aid_apdu())) == OK
    assert card.answer_apdu(bytes(member_app.verify_apdu("1111"))) == b"\x63\xc2"
    assert card.card_pin.tries_left == 2


def test_virtual_card_records_pin_commands_without_their_pin_blocks() -> None:
    card = VirtualMemberCard("8800000000001234", pin="2468")
    card._answer(bytes(member_app.select_aid_apdu()))
    card._answer(bytes(member_app.change_pin_apdu("2468", "1357")))
    card._answer(bytes(member_app.pin_status_apdu()))
    assert [apdu.hex().upper() for apdu in card.apdus_received[1:]] == [
        "0024008010" + "00" * 16, "00200080"
    ]
    assert card.answer_apdu(bytes(member_app.verify_apdu("1357"))) == OK
