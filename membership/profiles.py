"""Member profiles as enrolment records them and the `member.registered` event carries them:
name, phone and birthday, plus the card UID a card is bound to at enrolment; a profile edit at
the counter adds the details (ProfileExtras: address, gender, notes, consent to messages).

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
MAX_ADDRESS_CHARS = 120
MAX_NOTES_CHARS = 200
GENDERS = ("", "female", "male")  # "": not given
EXTRA_FIELDS = ("address", "gender", "notes", "consent")
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


@dataclass(frozen=True)
class ProfileExtras:
    """What a profile edit records besides name, phone and birthday. `consent`: the member
    agreed to receive messages (reminders go only to members who did: decision 13)."""

    address: str = ""
    gender: str = ""  # one of GENDERS
    notes: str = ""  # the store's notes on the member (preferences, allergies...)
    consent: bool = False


def check_extras(extras: ProfileExtras) -> ProfileExtras:
    """The details as typed, trimmed; InvalidInput names the field that breaks its bounds."""
    trimmed = ProfileExtras(extras.address.strip(), extras.gender, extras.notes.strip(),
                            extras.consent)
    if len(trimmed.address) > MAX_ADDRESS_CHARS or not trimmed.address.isprintable():
        raise InvalidInput("member.address_invalid", max=MAX_ADDRESS_CHARS)
    if trimmed.gender not in GENDERS:
        raise InvalidInput("member.gender_invalid")
    if len(trimmed.notes) > MAX_NOTES_CHARS or not trimmed.notes.isprintable():
        raise InvalidInput("member.notes_invalid", max=MAX_NOTES_CHARS)
    return trimmed


def extras_payload(extras: ProfileExtras) -> dict[str, Any]:
    checked = check_extras(extras)
    return {"address": checked.address, "gender": checked.gender, "notes": checked.notes,
            "consent": checked.consent}


def read_extras(payload: Mapping[str, Any]) -> ProfileExtras | None:
    """The details a checked payload carries; None when it carries none (an enrolment, or a
    terminal from before profile edits): the ones known are then kept as they are."""
    if not any(name in payload for name in EXTRA_FIELDS):
        return None
    return ProfileExtras(str(payload.get("address", "")), str(payload.get("gender", "")),
                         str(payload.get("notes", "")), payload.get("consent") is True)


def extras_problem(payload: Mapping[str, Any]) -> str:
    """The first detail of a payload that breaks the contract, or "" (absent ones are fine)."""
    for name, limit in (("address", MAX_ADDRESS_CHARS), ("notes", MAX_NOTES_CHARS)):
        value = payload.get(name, "")
        if not isinstance(value, str) or len(value) > limit or not value.isprintable():
            return name
    if payload.get("gender", "") not in GENDERS:
        return "gender"
    if not isinstance(payload.get("consent", False), bool):
        return "consent"
    return ""


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


def registration_payload(member_id: str, name: str, details: ProfileDetails,
                         extras: ProfileExtras | None = None) -> dict[str, Any]:
    """The payload of a `member.registered` event; with `extras`, the whole profile."""
    check_member_name(name)
    birthday = format_birthday(details.birthday) if details.birthday else ""
    payload = {"member_id": member_id, "name": name, "phone": normalise_phone(details.phone),
               "birthday": birthday}
    return payload | extras_payload(extras) if extras is not None else payload


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
    return extras_problem(payload)


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
