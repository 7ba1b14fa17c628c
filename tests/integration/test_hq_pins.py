"""Member PINs at HQ on real SQLite and PostgreSQL (decision 9): set, verify, the lockout after
three wrong PINs, change with the old PIN, sealed requests that are moved, replayed, stale,
sealed to another key, with the earlier scheme or garbage, the offline verifier only for a card
presented, and the bound on the cards one terminal can fail PINs on."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from huiyuan_devices.keypad.base import Pin

from hq.cli import main as hq_main
from hq.db import HqDatabase
from hq.ingest import Ingestor
from hq.member_lookup import MemberLookup
from hq.pin_secrets import KEY_FILE, PEPPER_FILE, PinSecrets, load_pin_secrets
from hq.pins import PinAuthority, unlock_pin
from hq.settings import HqSettings
from hq.snapshots import StoreSnapshots
from hq.terminal_limits import FailedCardLimit
from membership.pin_hash import matches
from protocol.pin_sealing import seal, seal_pin_request
from protocol.wire import terminal_topic
from protocol.wire_members import LookupRequest
from protocol.wire_pins import PREVIOUS_PIN_ALGORITHM, PinRequest, PinResponse, SealedPin
from protocol.wire_snapshot import SnapshotRequest
from tests.integration.hq_feed import CARD, TerminalFeed

NOW = datetime(2026, 11, 23, 11, 0)
TOPIC = terminal_topic("T1", "pin/req")
OTHER_CARD = "8800000000000002"
# PINs by name: a failing assertion then shows a name or Pin(<6 digits>), never digits.
PINS = {"first": "735194", "second": "602837", "wrong": "918273"}
FIRST, SECOND, WRONG = "first", "second", "wrong"
ACCEPTED, NOT_SET, LOCKED = (PinResponse("accepted", 3), PinResponse("not_set"),
                             PinResponse("locked"))


@pytest.fixture(scope="module")
def secrets() -> PinSecrets:
    return PinSecrets(b"pepper-for-the-tests-0123456789", X25519PrivateKey.generate())


@pytest.fixture
def pins(hq: HqDatabase, secrets: PinSecrets) -> PinAuthority:
    return PinAuthority(hq, secrets, clock=lambda: NOW)


def pin(name: str) -> Pin:
    return Pin(bytearray(PINS[name].encode()))


def verifies(name: str, verifier: str, pepper: bytes = b"") -> bool:
    return matches(PINS[name], verifier, pepper)


def sealed(secrets: PinSecrets, purpose: str, name: str, old: str | None = None,
           card_no: str = CARD, sent_at: datetime = NOW) -> bytes:
    return seal_pin_request(secrets.pin_key(NOW), "T1", card_no, purpose, pin(name),
                            pin(old) if old is not None else None, sent_at).to_bytes()


def ask(pins: PinAuthority, purpose: str, name: str, old: str | None = None,
        card_no: str = CARD) -> PinResponse | None:
    return pins.handle_request(TOPIC, sealed(pins.secrets, purpose, name, old, card_no))


def test_a_pin_is_set_once_and_then_verified(pins: PinAuthority, hq: HqDatabase) -> None:
    assert ask(pins, "verify", FIRST) == NOT_SET
    assert ask(pins, "set", FIRST) == ACCEPTED
    assert ask(pins, "verify", FIRST) == ACCEPTED
    assert ask(pins, "set", SECOND) == PinResponse("refused", 0, "pin.already_set")
    assert ask(pins, "verify", FIRST) == ACCEPTED  # the refused set changed nothing
    row = hq.member_pins.get_by_id(CARD)
    assert verifies(FIRST, row.verifier, pins.secrets.pepper)
    assert not verifies(FIRST, row.verifier)  # useless without HQ's pepper
    assert verifies(FIRST, row.offline_verifier)
    assert row.verifier.startswith("scrypt$14$") and row.offline_verifier.startswith("scrypt$12$")


def test_only_the_lookup_of_a_card_presented_carries_the_offline_verifier(
        pins: PinAuthority, hq: HqDatabase) -> None:
    feed = TerminalFeed("T1")
    assert Ingestor(hq).handle_events(feed.topic, feed.batch([feed.issue()]), feed.at).stored
    assert ask(pins, "set", FIRST) == ACCEPTED
    lookup = MemberLookup(hq)
    (record,) = lookup.lookup(LookupRequest("T1", card_no=CARD, presented=True), NOW).records
    assert verifies(FIRST, record.offline_pin_verifier)
    (typed,) = lookup.lookup(LookupRequest("T1", card_no=CARD), NOW).records
    assert typed.offline_pin_verifier == ""
    lookup.verifiers.limit = 1  # this worker's hourly allowance of verifiers is spent
    (over,) = lookup.lookup(LookupRequest("T1", card_no=CARD, presented=True), NOW).records
    assert over.offline_pin_verifier == ""
    (paged,) = StoreSnapshots(hq, lookup).page(SnapshotRequest("T1", "SH001"), NOW).records
    assert (paged.card.card_no, paged.offline_pin_verifier) == (CARD, "")  # bulk: never


def test_three_wrong_pins_in_a_row_lock_the_card(pins: PinAuthority, hq: HqDatabase) -> None:
    ask(pins, "set", FIRST)
    assert ask(pins, "verify", WRONG) == PinResponse("wrong", 2)
    assert ask(pins, "verify", FIRST) == ACCEPTED  # a right PIN resets the count
    assert ask(pins, "verify", WRONG) == PinResponse("wrong", 2)
    assert ask(pins, "verify", WRONG) == PinResponse("wrong", 1)
    assert ask(pins, "verify", WRONG) == LOCKED
    assert ask(pins, "verify", FIRST) == LOCKED  # locked: not even checked
    assert ask(pins, "change", SECOND, FIRST) == LOCKED
    assert hq.member_pins.get_by_id(CARD).failures == 3
    assert ask(pins, "verify", FIRST, card_no=OTHER_CARD) == NOT_SET
    assert unlock_pin(hq, CARD, NOW)
    assert ask(pins, "verify", FIRST) == ACCEPTED


def test_a_person_at_hq_unlocks_a_card_from_the_command_line(
        pins: PinAuthority, hq: HqDatabase, hq_database_url: str, capsys, monkeypatch,
        tmp_path) -> None:
    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HQ_DATABASE_URL", hq_database_url)
    ask(pins, "set", FIRST)
    for _ in range(3):
        ask(pins, "verify", WRONG)
    assert ask(pins, "verify", FIRST) == LOCKED
    assert hq_main(["pins", "unlock", CARD]) == 0
    assert capsys.readouterr().out == f"{CARD}: PIN unlocked\n"
    assert ask(pins, "verify", FIRST) == ACCEPTED
    assert hq_main(["pins", "unlock", OTHER_CARD]) == 1
    assert "has no PIN at HQ" in capsys.readouterr().err


def test_a_change_needs_the_old_pin_and_a_wrong_one_counts(pins: PinAuthority) -> None:
    assert ask(pins, "change", SECOND, FIRST) == NOT_SET
    ask(pins, "set", FIRST)
    assert ask(pins, "change", SECOND, WRONG) == PinResponse("wrong", 2)
    assert ask(pins, "change", SECOND, FIRST) == ACCEPTED
    assert ask(pins, "verify", FIRST) == PinResponse("wrong", 2)
    assert ask(pins, "verify", SECOND) == ACCEPTED


def test_a_sealed_pin_moved_to_another_card_is_refused(pins: PinAuthority,
                                                       hq: HqDatabase) -> None:
    ask(pins, "set", FIRST, card_no=OTHER_CARD)
    message = json.loads(sealed(pins.secrets, "verify", FIRST))
    message["card_no"] = OTHER_CARD
    moved = json.dumps(message).encode()
    assert pins.handle_request(TOPIC, moved) == PinResponse("refused", 0, "pin.refused")
    (letter,) = hq.dead_letters.select()
    assert (letter.reason, bytes(letter.payload)) == ("pin_undecryptable", moved)
    assert hq.member_pins.get_by_id(OTHER_CARD).failures == 0  # nothing counted


def test_a_request_sent_twice_is_refused_the_second_time(pins: PinAuthority,
                                                         hq: HqDatabase) -> None:
    ask(pins, "set", FIRST)
    wrong = sealed(pins.secrets, "verify", WRONG)
    assert pins.handle_request(TOPIC, wrong) == PinResponse("wrong", 2)
    assert pins.handle_request(TOPIC, wrong) == PinResponse("refused", 0, "pin.replayed")
    assert hq.member_pins.get_by_id(CARD).failures == 1


@pytest.mark.parametrize("sent_at", [NOW - timedelta(hours=2), NOW + timedelta(hours=2)])
def test_a_request_far_from_hqs_clock_is_refused(pins: PinAuthority, sent_at: datetime) -> None:
    ask(pins, "set", FIRST)
    stale = sealed(pins.secrets, "verify", FIRST, sent_at=sent_at)
    assert pins.handle_request(TOPIC, stale) == PinResponse("refused", 0, "pin.stale")


def test_a_pin_sealed_to_another_key_is_refused_as_stale(pins: PinAuthority) -> None:
    other = PinSecrets(b"another-pepper-0123456789", X25519PrivateKey.generate())
    answer = pins.handle_request(TOPIC, sealed(other, "set", FIRST))
    assert answer == PinResponse("refused", 0, "pin.key_stale")


@pytest.mark.parametrize("payload", [
    b"\xff\xfe", b"{}", b'{"schema":2,"terminal_id":"T1","card_no":"8800","purpose":"set"}',
    b'{"schema":2,"terminal_id":"T2","card_no":"8800","purpose":"set"}',
])
def test_garbage_pin_requests_are_dead_letters_without_an_answer(
        pins: PinAuthority, hq: HqDatabase, payload: bytes) -> None:
    assert pins.handle_request(TOPIC, payload) is None
    (letter,) = hq.dead_letters.select()
    assert letter.reason in ("malformed_json", "schema_unsupported", "invalid_field",
                             "terminal_mismatch")


def test_a_sealed_request_with_a_malformed_pin_inside_is_a_dead_letter(
        pins: PinAuthority, hq: HqDatabase) -> None:
    request = PinRequest("T1", CARD, "verify", "a" * 32, NOW, pins.secrets.key_id,
                         SealedPin(b"", b""))
    inside = seal(pins.secrets.public_key, b'{"pin":"12ab"}', request.associated_data())
    payload = dataclasses.replace(request, sealed=inside).to_bytes()
    assert pins.handle_request(TOPIC, payload) == PinResponse("refused", 0, "pin.refused")
    assert hq.dead_letters.get().detail == "sealed pin"


def test_a_request_sealed_with_the_earlier_scheme_is_refused_with_a_dead_letter(
        pins: PinAuthority, hq: HqDatabase) -> None:
    """An outdated terminal names no `algorithm`; HQ does not try to open it."""
    ask(pins, "set", FIRST)
    message = json.loads(sealed(pins.secrets, "verify", WRONG))
    del message["algorithm"]
    outdated = json.dumps(message).encode()
    assert pins.handle_request(TOPIC, outdated) == PinResponse("refused", 0, "pin.algorithm")
    (letter,) = hq.dead_letters.select()
    assert (letter.reason, bytes(letter.payload)) == ("pin_algorithm", outdated)
    assert PREVIOUS_PIN_ALGORITHM in letter.detail
    assert hq.member_pins.get_by_id(CARD).failures == 0


def test_a_terminal_fails_pins_on_a_bounded_number_of_cards(pins: PinAuthority,
                                                            hq: HqDatabase) -> None:
    pins.failed_cards = FailedCardLimit(2, timedelta(days=1))  # FAILED_CARDS_PER_DAY, smaller
    third = "8800000000000003"
    for card_no in (CARD, OTHER_CARD, third):
        ask(pins, "set", FIRST, card_no=card_no)
    assert ask(pins, "verify", WRONG) == PinResponse("wrong", 2)
    assert ask(pins, "verify", WRONG, card_no=OTHER_CARD) == PinResponse("wrong", 2)
    limited = PinResponse("refused", 0, "pin.terminal_limited")
    assert ask(pins, "verify", WRONG, card_no=third) == limited
    assert ask(pins, "verify", FIRST, card_no=third) == limited  # refused, not checked
    assert hq.member_pins.get_by_id(third).failures == 0  # nothing counted
    assert ask(pins, "verify", FIRST) == ACCEPTED  # a card it already failed on: checked
    assert ask(pins, "set", FIRST, card_no="8800000000000004") == ACCEPTED
    from_t2 = seal_pin_request(pins.secrets.pin_key(NOW), "T2", third, "verify", pin(FIRST),
                               None, NOW).to_bytes()
    assert pins.handle_request(terminal_topic("T2", "pin/req"), from_t2) == ACCEPTED
    a_day_later = NOW + timedelta(days=1)
    later = sealed(pins.secrets, "verify", FIRST, card_no=third, sent_at=a_day_later)
    assert pins.handle_request(TOPIC, later, a_day_later) == ACCEPTED


# --- the pepper and the key pair ---------------------------------------------------------------

def test_hq_makes_its_pin_secrets_once_private_and_reuses_them(tmp_path: Path) -> None:
    settings = HqSettings(data_dir=str(tmp_path / "hq"))
    first = load_pin_secrets(settings)
    for name in (PEPPER_FILE, KEY_FILE):
        assert stat.S_IMODE((tmp_path / "hq" / name).stat().st_mode) == 0o600
    again = load_pin_secrets(settings)
    assert (again.pepper, again.public_key) == (first.pepper, first.public_key)
    assert len(first.pepper) == 64 and first.pepper.decode() not in repr(first)
    configured = load_pin_secrets(HqSettings(data_dir=str(tmp_path / "hq"),
                                             pin_pepper="a-configured-pepper-value"))
    assert (configured.pepper, configured.public_key) == (b"a-configured-pepper-value",
                                                          first.public_key)


def test_a_secrets_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    settings = HqSettings(data_dir=str(tmp_path))
    load_pin_secrets(settings)
    (tmp_path / PEPPER_FILE).chmod(0o644)
    load_pin_secrets(settings)
    assert stat.S_IMODE((tmp_path / PEPPER_FILE).stat().st_mode) == 0o600
