"""Our member-card application on a smart card: constants and pure APDU helpers.

No I/O here: the PC/SC reader (pcsc.py) sends these commands and the virtual card
(virtual_card.py) answers them, so both sides share one definition of the card layout.

Card layout
-----------
- Application identifier: proprietary (RID category F), `F0 48 55 49 59 55 41 4E 01`
  ("HUIYUAN" in ASCII, then version 01).
- Selecting the application also selects its one transparent file, the card-number record:
  byte 0 is the length L (1..20), followed by L ASCII digits `0`-`9`. Nothing else is stored.
- READ BINARY is sent with Le = 00 ("as many bytes as the file has, up to 256"). The card answers
  the whole record with 9000 (or 6282, end of file reached before Le bytes, with the data). A card
  that insists on the exact length answers 6Cxx; the reader repeats READ BINARY with Le = xx once.
- The UID comes from the PC/SC pseudo-APDU GET DATA (`FF CA 00 00 00`), which the reader (not
  the card) answers for contactless cards; contact cards and some readers reject it.

PIN (ISO 7816-4 VERIFY and CHANGE REFERENCE DATA; P2 = 80: our application's one PIN)
-------------------------------------------------------------------------------------
- PIN block: the PIN's ASCII digits padded with FF to 8 bytes (the PIV card's format), e.g. PIN
  1234 is `31 32 33 34 FF FF FF FF`. A PIN that is set has 4 to 8 digits.
- VERIFY          `00 20 00 80 08 <PIN block>`
- tries left      `00 20 00 80` (VERIFY without data; counts no try)
- change          `00 24 00 80 10 <old PIN block> <new PIN block>` (CHANGE REFERENCE DATA)
- first PIN       `00 24 01 80 08 <new PIN block>` (P1 = 01: "no old reference data")
- Answers: 9000 right PIN / changed / set (tries left: the card was verified since SELECT);
  63Cx wrong, x tries left, 63C0: that was the last one, the PIN is now blocked (tries left: not
  verified yet, x tries left); 6983 blocked; 6A88 no PIN set yet ("referenced data not found":
  6985 is taken for the next case); 6985 first PIN on a card that has one; 6700 Lc is not 8 (16
  for change); 6A80 the new PIN block is malformed; 6A86 P1/P2 not one of the above.
- The card allows 3 tries: a wrong PIN in VERIFY or change takes one, a right one restores all
  three. A blocked PIN stays blocked (no unblocking command in our application: reissue the
  card). Any SELECT, reset or power-off ends the verified state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from huiyuan_devices.cardreader.base import CardPinOutcome, CardPinResult

MEMBER_AID = bytes.fromhex("F04855495955414E01")
MAX_CARD_NO_DIGITS = 20

GET_UID_APDU: tuple[int, ...] = (0xFF, 0xCA, 0x00, 0x00, 0x00)

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_DATA = 0xCA
CLA_PCSC_PSEUDO = 0xFF  # PC/SC part 3 pseudo-APDUs, answered by the reader
INS_VERIFY = 0x20
INS_CHANGE_REFERENCE_DATA = 0x24

PIN_REFERENCE = 0x80  # P2: specific (application) reference data number 0, our one PIN
P1_CHANGE_WITH_OLD_PIN = 0x00
P1_FIRST_PIN = 0x01  # CHANGE REFERENCE DATA without old reference data
PIN_BLOCK_LENGTH = 8
PIN_PADDING = 0xFF
MIN_PIN_DIGITS = 4  # the card sets no shorter PIN; the readers send none (it cannot be right)
MAX_PIN_DIGITS = PIN_BLOCK_LENGTH
PIN_TRY_LIMIT = 3

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_PIN_WRONG = 0x63C0  # | tries left
SW_PIN_BLOCKED = 0x6983
SW_PIN_ALREADY_SET = 0x6985
SW_BAD_PIN_BLOCK = 0x6A80
SW_WRONG_P1_P2 = 0x6A86
SW_PIN_NOT_SET = 0x6A88


def select_aid_apdu(aid: bytes = MEMBER_AID) -> tuple[int, ...]:
    """SELECT by DF name (AID), first or only occurrence, FCI not required."""
    return (0x00, INS_SELECT, 0x04, 0x00, len(aid), *aid)


def read_binary_apdu(expected_length: int = 0) -> tuple[int, ...]:
    """READ BINARY from offset 0; expected_length 0 means "up to 256" (short Le = 00)."""
    if not 0 <= expected_length <= 255:
        raise ValueError(f"Le must be 0..255, got {expected_length}")
    return (0x00, INS_READ_BINARY, 0x00, 0x00, expected_length)


class StatusKind(StrEnum):
    OK = "ok"  # 9000, or 61xx (more response bytes available)
    END_OF_FILE = "end_of_file"  # 6282: fewer bytes than Le, data is valid
    WRONG_LE = "wrong_le"  # 6Cxx: repeat with Le = xx
    WRONG_LENGTH = "wrong_length"  # 6700
    NOT_FOUND = "not_found"  # 6A82: application or file not found
    NOT_SUPPORTED = "not_supported"  # 6A81, 6D00 (INS), 6E00 (CLA), 6800-family
    ERROR = "error"  # anything else


@dataclass(frozen=True)
class Status:
    kind: StatusKind
    sw: str  # the status word as four hex digits, e.g. "6A82", for logs and error details
    correct_length: int = 0  # for WRONG_LE: the length the card asks for

    @property
    def has_data(self) -> bool:
        return self.kind in (StatusKind.OK, StatusKind.END_OF_FILE)


def interpret_status(sw1: int, sw2: int) -> Status:
    sw = f"{sw1:02X}{sw2:02X}"
    if (sw1, sw2) == (0x90, 0x00) or sw1 == 0x61:
        return Status(StatusKind.OK, sw)
    if sw1 == 0x62 and sw2 == 0x82:
        return Status(StatusKind.END_OF_FILE, sw)
    if sw1 == 0x6C:
        return Status(StatusKind.WRONG_LE, sw, correct_length=sw2)
    if sw == "6700":
        return Status(StatusKind.WRONG_LENGTH, sw)
    if sw == "6A82":
        return Status(StatusKind.NOT_FOUND, sw)
    if sw in ("6A81", "6D00", "6E00") or sw1 == 0x68:
        return Status(StatusKind.NOT_SUPPORTED, sw)
    return Status(StatusKind.ERROR, sw)


def uid_from_response(data: list[int] | bytes, sw1: int, sw2: int) -> str:
    """The UID as upper-case hex, or "" when the reader or card does not give one."""
    if interpret_status(sw1, sw2).kind is not StatusKind.OK or not data:
        return ""
    return bytes(data).hex().upper()


def encode_card_record(card_no: str) -> bytes:
    """The card-number record as stored on the card: length byte + ASCII digits."""
    if not card_no.isascii() or not card_no.isdigit() or len(card_no) > MAX_CARD_NO_DIGITS:
        raise ValueError(f"card number must be 1..{MAX_CARD_NO_DIGITS} digits")
    return bytes([len(card_no)]) + card_no.encode("ascii")


def decode_card_record(record: list[int] | bytes) -> str:
    """The card number from a record read from the card; ValueError if it is malformed."""
    record = bytes(record)
    if not record:
        raise ValueError("empty card-number record")
    length = record[0]
    digits = record[1 : 1 + length]
    if not 1 <= length <= MAX_CARD_NO_DIGITS or len(digits) != length:
        raise ValueError(f"card-number record has a bad length byte {length}")
    if not all(0x30 <= byte <= 0x39 for byte in digits):
        raise ValueError("card-number record holds non-digits")
    return digits.decode("ascii")


# --- PIN -------------------------------------------------------------------------------------


class PinCommand(StrEnum):
    """The PIN commands, named as in error details."""

    STATUS = "VERIFY (tries left)"
    VERIFY = "VERIFY"
    CHANGE = "CHANGE REFERENCE DATA"
    FIRST_PIN = "CHANGE REFERENCE DATA (first PIN)"


def pin_status_apdu() -> bytearray:
    return bytearray((0x00, INS_VERIFY, 0x00, PIN_REFERENCE))


def verify_apdu(pin_digits: str) -> bytearray:
    return _pin_apdu(INS_VERIFY, 0x00, pin_digits)


def change_pin_apdu(old_digits: str, new_digits: str) -> bytearray:
    return _pin_apdu(INS_CHANGE_REFERENCE_DATA, P1_CHANGE_WITH_OLD_PIN, old_digits, new_digits)


def first_pin_apdu(new_digits: str) -> bytearray:
    return _pin_apdu(INS_CHANGE_REFERENCE_DATA, P1_FIRST_PIN, new_digits)


def pin_block(pin_digits: str) -> bytearray:
    """The 8-byte PIN block (a bytearray, so that it can be wiped)."""
    block = bytearray(PIN_BLOCK_LENGTH)
    _put_pin_block(block, 0, pin_digits)
    return block


def _pin_apdu(ins: int, p1: int, *pins: str) -> bytearray:
    # One buffer written in place: no intermediate bytes objects with the digits are left behind.
    data_length = PIN_BLOCK_LENGTH * len(pins)
    apdu = bytearray(5 + data_length)
    apdu[0:5] = (0x00, ins, p1, PIN_REFERENCE, data_length)
    for index, digits in enumerate(pins):
        _put_pin_block(apdu, 5 + index * PIN_BLOCK_LENGTH, digits)
    return apdu


def _put_pin_block(buffer: bytearray, offset: int, digits: str) -> None:
    # The message never shows the digits, only what is allowed.
    if not 1 <= len(digits) <= MAX_PIN_DIGITS or not all("0" <= d <= "9" for d in digits):
        wipe_buffer(buffer)
        raise ValueError(f"a PIN is 1 to {MAX_PIN_DIGITS} digits 0-9")
    for position in range(PIN_BLOCK_LENGTH):
        inside = position < len(digits)
        buffer[offset + position] = ord(digits[position]) if inside else PIN_PADDING


def is_valid_pin_block(block: bytes | bytearray | memoryview) -> bool:
    """A block a PIN may be set to: 4..8 ASCII digits, then FF padding to 8 bytes."""
    if len(block) != PIN_BLOCK_LENGTH:
        return False
    digit_count = next((i for i, byte in enumerate(block) if byte == PIN_PADDING), len(block))
    digits_ok = all(0x30 <= byte <= 0x39 for byte in block[:digit_count])
    padding_ok = all(byte == PIN_PADDING for byte in block[digit_count:])
    return digit_count >= MIN_PIN_DIGITS and digits_ok and padding_ok


def wipe_buffer(buffer: bytearray | list[int]) -> None:
    """Overwrite a buffer that held a PIN with zeros (keeping its length)."""
    for index in range(len(buffer)):
        buffer[index] = 0


def pin_result(command: PinCommand, sw1: int, sw2: int) -> CardPinResult | None:
    """What the card's answer to a PIN command means; None for an answer our application does
    not give (the caller reports it as a protocol error)."""
    sw = sw1 << 8 | sw2
    if sw == SW_OK:
        return CardPinResult(CardPinOutcome.ACCEPTED, PIN_TRY_LIMIT)
    if sw & 0xFFF0 == SW_PIN_WRONG:
        tries_left = sw2 & 0x0F
        if tries_left == 0:
            return CardPinResult(CardPinOutcome.BLOCKED)
        if command is PinCommand.STATUS:
            return CardPinResult(CardPinOutcome.REQUIRED, tries_left)
        return CardPinResult(CardPinOutcome.WRONG, tries_left)
    if sw == SW_PIN_BLOCKED:
        return CardPinResult(CardPinOutcome.BLOCKED)
    if sw == SW_PIN_NOT_SET:
        return CardPinResult(CardPinOutcome.NOT_SET)
    if sw == SW_PIN_ALREADY_SET and command is PinCommand.FIRST_PIN:
        return CardPinResult(CardPinOutcome.ALREADY_SET)
    return None
