"""The cross-store rules (membership.store_rules): spending anywhere, card services and profile
changes only from the issuing (registering) store, unknown owners not judged."""

from __future__ import annotations

import pytest

from membership.store_rules import (
    NOT_OWN_STORE,
    PARENT_NOT_OWN_STORE,
    PROFILE_NOT_OWN_STORE,
    REISSUE_NOT_OWN_STORE,
    REPLACE_NOT_OWN_STORE,
    MemberOwner,
    cross_store_reason,
    issuer_after,
    may_act,
)

ISSUERS = {"A-1": "A", "A-2": "A", "B-1": "B"}
PROFILE = {"name": "张三", "phone": "13800138000", "birthday": ""}
MEMBERS = {"M-A": MemberOwner("A", PROFILE), "M-old": MemberOwner("", PROFILE)}


@pytest.mark.parametrize("event_type", [
    "sale.completed", "sale.refunded", "card.topped_up", "card.withdrawn", "card.lost",
    "card.frozen", "package.purchased", "time.session_closed", "gift.redeemed"])
def test_spending_and_reporting_a_loss_are_allowed_from_any_store(event_type):
    assert cross_store_reason(event_type, {"card_no": "A-1"}, "B", ISSUERS, MEMBERS) == ""


@pytest.mark.parametrize("event_type", [
    "card.cancelled", "card.extended", "card.found", "card.unfrozen"])
def test_card_services_only_from_the_issuing_store(event_type):
    assert cross_store_reason(event_type, {"card_no": "A-1"}, "B", ISSUERS) == NOT_OWN_STORE
    assert cross_store_reason(event_type, {"card_no": "A-1"}, "A", ISSUERS) == ""


def test_a_card_of_unknown_issuer_or_a_terminal_of_unknown_store_is_not_judged():
    assert cross_store_reason("card.cancelled", {"card_no": "X-9"}, "B", ISSUERS) == ""
    assert cross_store_reason("card.cancelled", {"card_no": "A-1"}, "", ISSUERS) == ""
    assert may_act("B", "") and may_act("", "") and may_act("", "A")
    assert not may_act("B", "A")


def test_replacing_another_stores_card_or_into_another_stores_card_is_refused():
    payload = {"old_card_no": "A-1", "new_card_no": "B-9"}
    assert cross_store_reason("card.replaced", payload, "B", ISSUERS) == REPLACE_NOT_OWN_STORE
    assert cross_store_reason("card.replaced", payload, "A", ISSUERS) == ""
    into_other = {"old_card_no": "A-1", "new_card_no": "B-1"}
    assert cross_store_reason("card.replaced", into_other, "A", ISSUERS) == REPLACE_NOT_OWN_STORE


def test_a_reissue_and_a_subsidiary_of_another_stores_parent_are_refused():
    assert cross_store_reason("card.issued", {"card_no": "A-1", "member_id": "M-B"}, "B",
                              ISSUERS) == REISSUE_NOT_OWN_STORE
    assert cross_store_reason("card.issued", {"card_no": "A-1"}, "A", ISSUERS) == ""
    assert cross_store_reason("card.issued", {"card_no": "B-7", "parent_card_no": "A-1"}, "B",
                              ISSUERS) == PARENT_NOT_OWN_STORE
    assert cross_store_reason("card.issued", {"card_no": "B-7", "parent_card_no": "B-1"}, "B",
                              ISSUERS) == ""
    assert cross_store_reason("card.issued", {"card_no": "B-7"}, "B", ISSUERS) == ""


def test_a_profile_change_only_from_the_registering_store():
    rewrite = {"member_id": "M-A", "name": "李四", "phone": "13900000000", "birthday": ""}
    assert cross_store_reason("member.registered", rewrite, "B", ISSUERS,
                              MEMBERS) == PROFILE_NOT_OWN_STORE
    assert cross_store_reason("member.registered", rewrite, "A", ISSUERS, MEMBERS) == ""
    same = {"member_id": "M-A", **PROFILE}
    assert cross_store_reason("member.registered", same, "B", ISSUERS, MEMBERS) == ""
    assert cross_store_reason("member.registered", {**rewrite, "member_id": "M-new"}, "B",
                              ISSUERS, MEMBERS) == ""
    assert cross_store_reason("member.registered", {**rewrite, "member_id": "M-old"}, "B",
                              ISSUERS, MEMBERS) == ""


def test_the_first_issue_sets_the_issuer_and_a_replacement_carries_it():
    assert issuer_after("card.issued", {"card_no": "B-7"}, "B", ISSUERS) == {"B-7": "B"}
    assert issuer_after("card.issued", {"card_no": "A-1"}, "A", ISSUERS) == {}
    assert issuer_after("card.replaced", {"old_card_no": "A-1", "new_card_no": "A-9"}, "A",
                        ISSUERS) == {"A-9": "A"}
    assert issuer_after("card.lost", {"card_no": "A-1"}, "B", ISSUERS) == {}
