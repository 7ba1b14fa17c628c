"""A profile's details (membership.profiles.ProfileExtras): bounds at the counter, the contract
of a `member.registered` payload, and an enrolment's registration carrying none."""

from __future__ import annotations

import pytest

from membership.errors import InvalidInput
from membership.profiles import (
    MAX_ADDRESS_CHARS,
    MAX_NOTES_CHARS,
    ProfileDetails,
    ProfileExtras,
    check_extras,
    read_extras,
    registration_payload,
    registration_problem,
)

BASE = {"member_id": "M1", "name": "张三", "phone": "13800138000", "birthday": ""}


def test_details_are_trimmed_and_held_to_their_bounds():
    assert check_extras(ProfileExtras(" 南京西路 ", "male", " 备注 ", True)) == ProfileExtras(
        "南京西路", "male", "备注", True)
    assert check_extras(ProfileExtras("路" * MAX_ADDRESS_CHARS)).address == "路" * 120
    for extras, key in ((ProfileExtras(address="路" * 121), "member.address_invalid"),
                        (ProfileExtras(notes="x" * (MAX_NOTES_CHARS + 1)), "member.notes_invalid"),
                        (ProfileExtras(notes="a\nb"), "member.notes_invalid"),
                        (ProfileExtras(gender="f"), "member.gender_invalid")):
        with pytest.raises(InvalidInput) as refused:
            check_extras(extras)
        assert refused.value.key == key


def test_an_enrolment_carries_no_details_and_an_edit_all_of_them():
    assert read_extras(registration_payload("M1", "张三", ProfileDetails())) is None
    edited = registration_payload("M1", "张三", ProfileDetails(), ProfileExtras(consent=True))
    assert read_extras(edited) == ProfileExtras(consent=True)
    assert registration_problem(edited) == ""


@pytest.mark.parametrize(("details", "field"), [
    ({"address": 5}, "address"), ({"address": "路" * 121}, "address"),
    ({"notes": "a\x00"}, "notes"), ({"gender": "other"}, "gender"),
    ({"consent": "yes"}, "consent"), ({"consent": 1}, "consent"),
])
def test_a_payload_with_a_bad_detail_names_it(details, field):
    assert registration_problem({**BASE, **details}) == field
