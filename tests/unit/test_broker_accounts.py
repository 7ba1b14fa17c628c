"""Broker accounts and the access rules generated for Mosquitto (no broker needed here; the
broker's own verdicts are in tests/integration/test_broker.py)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from hq.broker_accounts import BrokerAccounts, InvalidBrokerAccount


def test_every_user_gets_a_salted_pbkdf2_hash_and_no_clear_password() -> None:
    accounts = BrokerAccounts(hq_password="hq-secret", terminal_passwords={"T1": "t1-secret"})
    config = accounts.dynamic_security_config()

    assert "secret" not in json.dumps(config)
    for client in config["clients"]:
        salt = base64.b64decode(client["salt"])
        expected = hashlib.pbkdf2_hmac(
            "sha512", accounts.password_for(client["username"]).encode(), salt,
            client["iterations"],
        )
        assert base64.b64decode(client["password"]) == expected


def test_each_terminal_has_a_role_naming_only_its_own_topics() -> None:
    accounts = BrokerAccounts(hq_password="h", terminal_passwords={"T1": "a", "T2": "b"})
    roles = {role["rolename"]: role for role in accounts.dynamic_security_config()["roles"]}

    t1_topics = {acl["topic"] for acl in roles["terminal-T1"]["acls"]}
    assert all("T2" not in topic for topic in t1_topics)
    assert "hy/v1/t/T1/events" in t1_topics
    assert {"hq", "terminal-T1", "terminal-T2"} == set(roles)


def test_nothing_is_allowed_by_default() -> None:
    config = BrokerAccounts(hq_password="h").dynamic_security_config()
    defaults = config["defaultACLAccess"]
    assert not (defaults["publishClientSend"] or defaults["publishClientReceive"]
                or defaults["subscribe"])


def test_each_terminal_account_is_bound_to_its_own_client_id_and_hq_to_none() -> None:
    accounts = BrokerAccounts(hq_password="h", terminal_passwords={"T1": "a", "T2": "b"})
    config = accounts.dynamic_security_config()
    clients = {client["username"]: client for client in config["clients"]}
    assert (clients["T1"]["clientid"], clients["T2"]["clientid"]) == ("T1", "T2")
    assert "clientid" not in clients["hq"]  # several workers, each its own id


@pytest.mark.parametrize("terminal_id", ["hq", "HQ", "hq-1", "Hq-2", "hq-1-push",
                                         "", "T/1", "T+", "T#", "T 1", "-T1", "x" * 65])
def test_terminal_ids_that_would_break_topics_are_refused(terminal_id: str) -> None:
    with pytest.raises(InvalidBrokerAccount):
        BrokerAccounts(hq_password="h", terminal_passwords={terminal_id: "p"})


def test_empty_passwords_and_unknown_users_are_refused() -> None:
    with pytest.raises(InvalidBrokerAccount, match="empty password"):
        BrokerAccounts(hq_password="")
    with pytest.raises(InvalidBrokerAccount, match="no broker account"):
        BrokerAccounts(hq_password="h").password_for("T1")


def test_generated_accounts_have_distinct_random_passwords() -> None:
    accounts = BrokerAccounts.generate(["S01-T1", "S01-T2"])
    passwords = {accounts.password_for(name) for name in accounts.usernames}
    assert len(passwords) == 3
    assert accounts.usernames == ("hq", "S01-T1", "S01-T2")


def test_accounts_do_not_follow_later_changes_to_the_callers_dict() -> None:
    passwords = {"T1": "a"}
    accounts = BrokerAccounts(hq_password="h", terminal_passwords=passwords)
    passwords["T2"] = "b"
    assert accounts.usernames == ("hq", "T1")
