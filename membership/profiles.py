"""Member profiles as enrolment records them and the `member.registered` event carries them:
name, phone and birthday, plus the card UID a card is bound to at enrolment.

Pure. The normalising functions raise InvalidInput with a message key for what a cashier typed;
the `*_problem` checks return the name of a bad field for a payload from the wire (never the
value: a payload is never trusted and never echoed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from membership.birthdays import Birthday, format_birthday, parse_birthday
from membership.errors import DomainError, InvalidInput

MAX_NAME_CHARS = 64
MAX_ID_CHARS = 64
# Digits, optionally after a "+" (an international number); Chinese mobiles have 11 digits.
_PHONE = re.compile(r"\+?[0-9]{5,20}")
# Upper-case hex as the card readers report it (huiyuan_devices.cardreader.base.CardPresence).
_UID = re.compile(r"[0-9A-F]{4,64}")
_PHONE_SEPARATORS = str.maketrans("", "", " -()")
_UID_SEPARATORS = str.maketrans("", "", " :-")


@dataclass(frozen=True)
class ProfileDetails:
    """What enrolment may record about a member besides the name."""

    phone: str = ""  # normalised by normalise_phone; "" when not given
    birthday: Birthday | None = None


def normalise_phone(text: str) -> str:
    """"138 0013-8000" -> "13800138000"; "" stays "" (no phone given)."""
    phone = text.strip().translate(_PHONE_SEPARATORS)
    if phone and not _PHONE.fullmatch(phone):
        raise InvalidInput("member.phone_invalid")
    return phone


def normalise_uid(text: str) -> str:
    """"04:a1:b2:c3" -> "04A1B2C3"; "" stays "" (no UID bound)."""
    uid = text.strip().translate(_UID_SEPARATORS).upper()
    if uid and not _UID.fullmatch(uid):
        raise InvalidInput("card.uid_invalid")
    return uid


def check_member_name(name: str) -> None:
    if len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise InvalidInput("member.name_invalid", max=MAX_NAME_CHARS)


def registration_payload(member_id: str, name: str, details: ProfileDetails) -> dict[str, Any]:
    """The payload of a `member.registered` event."""
    check_member_name(name)
    birthday = format_birthday(details.birthday) if details.birthday else ""
    return {"member_id": member_id, "name": name, "phone": normalise_phone(details.phone),
            "birthday": birthday}


def registration_problem(payload: Mapping[str, Any]) -> str:
    """The first field of a `member.registered` payload that breaks the contract, or ""."""
    if not is_id(payload.get("member_id")):
        return "member_id"
    name = payload.get("name", "")
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS or not name.isprintable():
        return "name"
    phone = payload.get("phone", "")
    if not isinstance(phone, str) or (phone and not _PHONE.fullmatch(phone)):
        return "phone"
    try:
        read_birthday(payload.get("birthday", ""))
    except DomainError:
        return "birthday"
    return ""


def uid_problem(payload: Mapping[str, Any]) -> str:
    """"uid" when a payload's optional `uid` is not a normalised UID, else ""."""
    uid = payload.get("uid", "")
    return "" if is_uid(uid) or uid == "" else "uid"


def is_uid(value: Any) -> bool:
    return isinstance(value, str) and _UID.fullmatch(value) is not None


def is_phone(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _PHONE.fullmatch(value) is not None


def is_id(value: Any) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.isprintable())


def read_birthday(text: Any) -> Birthday | None:
    """The birthday a payload's text names, None for "". Raises InvalidInput (or BirthdayError)
    for anything else."""
    if text == "":
        return None
    if not isinstance(text, str) or len(text) > 40:
        raise InvalidInput("birthday.bad_format")
    return parse_birthday(text)


def parse_birthday_text(text: str) -> Birthday | None:
    """A stored or received birthday text back as a Birthday; None for "" or unreadable text
    (a profile is still useful without its birthday)."""
    try:
        return read_birthday(text)
    except DomainError:
        return None
