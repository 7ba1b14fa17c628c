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
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MEMBER_AID = bytes.fromhex("F04855495955414E01")
MAX_CARD_NO_DIGITS = 20

GET_UID_APDU: tuple[int, ...] = (0xFF, 0xCA, 0x00, 0x00, 0x00)

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_DATA = 0xCA
CLA_PCSC_PSEUDO = 0xFF  # PC/SC part 3 pseudo-APDUs, answered by the reader


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
