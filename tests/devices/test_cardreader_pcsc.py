"""The PC/SC reader beyond the contract: reader selection, a card pulled away mid-read, pcscd
absent or killed, the synchronous read. Real pcscd, vpcd readers, virtual member cards."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from huiyuan_devices.cardreader.base import (
    CardPinOutcome,
    CardPinResult,
    CardPresented,
    CardRemoved,
    CardSource,
    ReaderFault,
)
from huiyuan_devices.cardreader.pcsc import PcscCardReader, list_readers
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError, DeviceTimeout

from tests.devices.pcsc_support import (
    READER_00,
    READER_01,
    RETRY_INTERVAL_S,
    WAIT_S,
    EventRecorder,
    PcscDaemon,
    PcscRig,
    pin_of,
)
from tests.support.waiting import wait_for

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

CARD_A = "8800000000000001"
CARD_B = "8800000000000002"
UID_A = "04AAAAAAAAAAAA"
UID_B = "04BBBBBBBBBBBB"
CARD_B_PIN = "591378"


@pytest.fixture
def rig(pcsc_daemon: PcscDaemon) -> Iterator[PcscRig]:
    """A PC/SC reader on Virtual PCD 00 00, not started yet."""
    rig = PcscRig(pcsc_daemon)
    yield rig
    rig.close()


def _presented(card_no: str, uid: str) -> CardPresented:
    return CardPresented("card_reader", uid=uid, card_no=card_no, source=CardSource.MEMBER_APP)


def test_each_reader_reports_only_the_cards_in_its_configured_reader(rig: PcscRig) -> None:
    second = PcscCardReader(READER_01, name="second_reader", retry_interval_s=RETRY_INTERVAL_S)
    second_events = EventRecorder()
    rig.start()
    second.start(second_events)
    try:
        rig.present(CARD_A, UID_A)
        rig.present(CARD_B, UID_B, on_reader=READER_01)
        rig.recorder.wait_count(1)
        second_events.wait_count(1)
        rig.remove()
        rig.recorder.wait_count(2)
        second_events.wait_count(2)
    finally:
        second.stop()
    assert rig.recorder.events == [_presented(CARD_A, UID_A), CardRemoved("card_reader")]
    assert second_events.events == [
        CardPresented("second_reader", uid=UID_B, card_no=CARD_B, source=CardSource.MEMBER_APP),
        CardRemoved("second_reader"),
    ]


def test_reader_index_picks_among_the_readers_whose_name_matches(pcsc_daemon: PcscDaemon) -> None:
    reader = PcscCardReader("Virtual PCD", reader_index=1, retry_interval_s=RETRY_INTERVAL_S)
    reader.start(EventRecorder())
    try:
        wait_for(lambda: reader.watched_reader == READER_01, WAIT_S, "watching reader 00 01")
    finally:
        reader.stop()
    assert list_readers()[:2] == [READER_00, READER_01]


def test_a_reader_that_is_not_there_is_reported_unplugged(pcsc_daemon: PcscDaemon) -> None:
    reader = PcscCardReader("ACR122", retry_interval_s=RETRY_INTERVAL_S)
    recorder = EventRecorder()
    reader.start(recorder)
    try:
        (fault,) = recorder.wait_count(1)
    finally:
        reader.stop()
    assert isinstance(fault, ReaderFault)
    assert isinstance(fault.error, DeviceNotFound)
    assert fault.error.reason == "reader_unplugged"
    assert READER_00 in fault.error.detail  # the technician sees which readers there are


def test_card_pulled_away_mid_read_is_reported_and_the_next_card_reads(rig: PcscRig) -> None:
    rig.start()
    rig.present(CARD_A, UID_A, drop_at="read_binary")
    fault, removed = rig.recorder.wait_count(2)
    assert isinstance(fault, ReaderFault)
    assert isinstance(fault.error, DeviceProtocolError)
    assert fault.error.message_key == "device.card_removed"
    assert removed == CardRemoved("card_reader")

    rig.remove()
    rig.present(CARD_B, UID_B)
    assert rig.recorder.wait_count(3)[2] == _presented(CARD_B, UID_B)


def test_card_that_wants_the_exact_length_is_read_again_with_it(rig: PcscRig) -> None:
    rig.start()
    card = rig.present(CARD_A, UID_A, strict_le=True)
    assert rig.recorder.wait_count(1) == [_presented(CARD_A, UID_A)]
    read_binary_les = [apdu[4] for apdu in card.apdus_received if apdu[1] == 0xB0]
    assert read_binary_les == [0, 1 + len(CARD_A)]  # Le=00, 6C11, then Le=0x11


def test_member_card_in_a_reader_without_uid_support_reads_by_card_number(rig: PcscRig) -> None:
    rig.start()
    rig.present(CARD_A, uid="")
    assert rig.recorder.wait_count(1) == [_presented(CARD_A, "")]


def test_read_card_returns_the_card_or_times_out(rig: PcscRig) -> None:
    reader = PcscCardReader(READER_00)
    with pytest.raises(DeviceTimeout) as timeout:
        reader.read_card(timeout_s=0.2)
    assert timeout.value.message_key == "device.timeout"
    rig.present(CARD_A, UID_A)
    assert reader.read_card(timeout_s=WAIT_S) == _presented(CARD_A, UID_A)


def test_without_pcscd_the_reader_waits_quietly_and_reads_once_it_is_back(
    pcsc_killable_daemon: PcscDaemon, rig: PcscRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="huiyuan_devices.cardreader.pcsc")
    pcsc_killable_daemon.kill()
    assert list_readers() == []
    with pytest.raises(DeviceNotFound) as absent:
        PcscCardReader(READER_00).read_card(timeout_s=0.2)
    assert absent.value.message_key == "device.reader_unplugged"

    rig.start()
    rig.recorder.wait_count(1)
    wait_for(lambda: any("still unavailable" in record.message for record in caplog.records),
             WAIT_S, "a quiet retry")
    pcsc_killable_daemon.start()
    rig.present(CARD_A, UID_A)
    events = rig.recorder.wait_count(2)
    assert isinstance(events[0], ReaderFault)
    assert events[0].error.message_key == "device.reader_unplugged"
    assert events[1:] == [_presented(CARD_A, UID_A)]


def test_stop_is_safe_twice_and_while_pcscd_is_gone(pcsc_killable_daemon: PcscDaemon) -> None:
    reader = PcscCardReader(READER_00, retry_interval_s=RETRY_INTERVAL_S)
    recorder = EventRecorder()
    reader.start(recorder)
    wait_for(lambda: reader.watched_reader == READER_00, WAIT_S, "watching")
    pcsc_killable_daemon.kill()
    recorder.wait_count(1)
    reader.stop()
    reader.stop()
    assert reader.watched_reader == ""


def test_virtual_card_command_holds_a_card_on_the_reader_until_terminated(
    pcsc_daemon: PcscDaemon,
) -> None:
    removals_before = pcsc_daemon.removals_seen(READER_01)
    command = [sys.executable, "-m", "huiyuan_devices.cardreader.virtual_card",
               "--card-no", CARD_B, "--uid", UID_B, "--port", str(pcsc_daemon.ports[READER_01]),
               "--pin", CARD_B_PIN]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        reader = PcscCardReader(READER_01)
        presented = reader.read_card(timeout_s=WAIT_S)
        verified = reader.verify_pin(pin_of(CARD_B_PIN), WAIT_S, card_no=CARD_B)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=WAIT_S)
    assert presented == CardPresented("card_reader", uid=UID_B, card_no=CARD_B,
                                      source=CardSource.MEMBER_APP)
    assert verified == CardPinResult(CardPinOutcome.ACCEPTED, 3)
    assert "card inserted" in output
    assert process.returncode == 0
    if removals_before is not None:  # leave reader 00 01 empty for the next test
        wait_for(lambda: (pcsc_daemon.removals_seen(READER_01) or 0) > removals_before, WAIT_S,
                 "pcscd to see the card go")


def test_a_virtual_card_process_killed_on_the_reader_is_a_removal_and_the_next_card_reads(
    pcsc_daemon: PcscDaemon, rig: PcscRig,
) -> None:
    """SIGKILL, not a clean stop: the card's process never says goodbye, the kernel just closes
    its connection to vpcd, as when a card leaves the field mid-conversation."""
    removals_before = pcsc_daemon.removals_seen(READER_00)
    rig.start()
    command = [sys.executable, "-m", "huiyuan_devices.cardreader.virtual_card",
               "--card-no", CARD_A, "--uid", UID_A, "--port", str(pcsc_daemon.ports[READER_00])]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        assert rig.recorder.wait_count(1) == [_presented(CARD_A, UID_A)]
        process.send_signal(signal.SIGKILL)
        process.wait(WAIT_S)
        wait_for(lambda: CardRemoved("card_reader") in rig.recorder.events, WAIT_S,
                 f"the card reported gone; have {rig.recorder.events}")
    finally:
        process.kill()
        process.wait(WAIT_S)
    assert process.returncode == -signal.SIGKILL
    after_kill = rig.recorder.events[1:]
    assert all(isinstance(event, CardRemoved | ReaderFault) for event in after_kill), after_kill
    assert rig.reader.watched_reader == READER_00  # still watching: no outage, no restart

    if removals_before is not None:  # pcscd's own poll too, or it would take B for A
        wait_for(lambda: (pcsc_daemon.removals_seen(READER_00) or 0) > removals_before, WAIT_S,
                 "pcscd to see the killed card go")
    rig.present(CARD_B, UID_B)
    rig.recorder.wait_count(len(after_kill) + 2)
    assert rig.recorder.events[-1] == _presented(CARD_B, UID_B)
