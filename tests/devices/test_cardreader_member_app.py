"""Our member-card application: the APDUs, status words and card-number record, and how the
virtual card answers them (no pcscd needed)."""

from __future__ import annotations

import pytest
from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.member_app import StatusKind
from huiyuan_devices.cardreader.virtual_card import VirtualMemberCard


def test_apdus_are_the_iso_and_pcsc_commands() -> None:
    assert bytes(member_app.select_aid_apdu()).hex(" ").upper() == (
        "00 A4 04 00 09 F0 48 55 49 59 55 41 4E 01"
    )
    assert bytes(member_app.read_binary_apdu()) == bytes.fromhex("00B0000000")
    assert bytes(member_app.read_binary_apdu(17)) == bytes.fromhex("00B0000011")
    assert bytes(member_app.GET_UID_APDU) == bytes.fromhex("FFCA000000")
    with pytest.raises(ValueError):
        member_app.read_binary_apdu(256)


@pytest.mark.parametrize(
    ("sw1", "sw2", "kind"),
    [
        (0x90, 0x00, StatusKind.OK),
        (0x61, 0x10, StatusKind.OK),
        (0x62, 0x82, StatusKind.END_OF_FILE),
        (0x6C, 0x11, StatusKind.WRONG_LE),
        (0x67, 0x00, StatusKind.WRONG_LENGTH),
        (0x6A, 0x82, StatusKind.NOT_FOUND),
        (0x6A, 0x81, StatusKind.NOT_SUPPORTED),
        (0x6D, 0x00, StatusKind.NOT_SUPPORTED),
        (0x6E, 0x00, StatusKind.NOT_SUPPORTED),
        (0x69, 0x82, StatusKind.ERROR),
    ],
)
def test_status_words(sw1: int, sw2: int, kind: StatusKind) -> None:
    assert member_app.interpret_status(sw1, sw2).kind is kind


def test_wrong_le_carries_the_length_the_card_wants() -> None:
    status = member_app.interpret_status(0x6C, 0x11)
    assert (status.correct_length, status.sw, status.has_data) == (17, "6C11", False)


def test_card_number_record_round_trips() -> None:
    record = member_app.encode_card_record("8800000000001234")
    assert record[0] == 16
    assert member_app.decode_card_record(list(record)) == "8800000000001234"
    assert member_app.decode_card_record(record + b"\xff\xff") == "8800000000001234"


@pytest.mark.parametrize("record", [b"", b"\x00", b"\x15" + b"1" * 21, b"\x05123", b"\x021x"])
def test_malformed_records_are_refused(record: bytes) -> None:
    with pytest.raises(ValueError):
        member_app.decode_card_record(record)


@pytest.mark.parametrize("card_no", ["", "12a4", "1" * 21, "１２３"])
def test_only_1_to_20_ascii_digits_can_be_stored(card_no: str) -> None:
    with pytest.raises(ValueError):
        member_app.encode_card_record(card_no)


def test_uid_is_upper_hex_or_empty_when_refused() -> None:
    assert member_app.uid_from_response([0x04, 0xA1, 0xB2], 0x90, 0x00) == "04A1B2"
    assert member_app.uid_from_response([], 0x6A, 0x81) == ""


def test_virtual_card_answers_like_a_member_card() -> None:
    card = VirtualMemberCard("8800000000001234", uid="04A1B2C3D4E5F6")
    answer = card.answer_apdu
    assert answer(bytes(member_app.GET_UID_APDU)) == bytes.fromhex("04A1B2C3D4E5F69000")
    assert answer(bytes(member_app.read_binary_apdu())) == bytes.fromhex("6985")  # not selected
    assert answer(bytes(member_app.select_aid_apdu(b"\xa0\x00\x00\x00\x03"))) == b"\x6a\x82"
    assert answer(bytes(member_app.select_aid_apdu())) == b"\x90\x00"
    assert answer(bytes(member_app.read_binary_apdu(4))) == bytes.fromhex("6C11")
    response = answer(bytes(member_app.read_binary_apdu()))
    assert response[-2:] == b"\x90\x00"
    assert member_app.decode_card_record(response[:-2]) == "8800000000001234"
    assert answer(bytes.fromhex("0084000008")) == b"\x6d\x00"  # GET CHALLENGE: not ours


def test_virtual_contactless_card_has_no_application_and_maybe_no_uid() -> None:
    card = VirtualMemberCard("", uid="")
    assert card.answer_apdu(bytes(member_app.select_aid_apdu())) == b"\x6a\x82"
    assert card.answer_apdu(bytes(member_app.GET_UID_APDU)) == b"\x6a\x81"
