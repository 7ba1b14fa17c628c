"""The card reader contract: what the terminal may rely on from any reader. Each test runs on the
simulated reader and on the PC/SC reader (real pcscd, vpcd reader, virtual member card)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huiyuan_devices.cardreader.base import CardPresented, CardRemoved, CardSource, ReaderFault
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError

from tests.devices.pcsc_support import PcscRig, SimulatedRig

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

MEMBER_CARD_NO = "8800000000001234"
MEMBER_UID = "04A1B2C3D4E5F6"
OTHER_CARD_NO = "8800000000005678"
OTHER_UID = "04112233445566"
READER = "card_reader"

Rig = SimulatedRig | PcscRig


@pytest.fixture(params=["simulated", "pcsc"])
def card_rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "simulated":
        rig: Rig = SimulatedRig()
    else:
        rig = PcscRig(request.getfixturevalue("pcsc_daemon"))
    yield rig
    rig.close()


def test_member_card_is_presented_then_removed(card_rig: Rig) -> None:
    card_rig.start()
    card_rig.present(card_no=MEMBER_CARD_NO, uid=MEMBER_UID)
    assert card_rig.recorder.wait_count(1) == [
        CardPresented(READER, uid=MEMBER_UID, card_no=MEMBER_CARD_NO,
                      source=CardSource.MEMBER_APP)
    ]
    card_rig.remove()
    assert card_rig.recorder.wait_count(2)[1] == CardRemoved(READER)


def test_contactless_card_without_our_application_gives_its_uid(card_rig: Rig) -> None:
    card_rig.start()
    card_rig.present(card_no="", uid=OTHER_UID)
    assert card_rig.recorder.wait_count(1) == [
        CardPresented(READER, uid=OTHER_UID, card_no="", source=CardSource.CONTACTLESS)
    ]


def test_card_without_application_or_uid_is_an_unknown_card(card_rig: Rig) -> None:
    card_rig.start()
    card_rig.present(card_no="", uid="")
    (fault,) = card_rig.recorder.wait_count(1)
    assert isinstance(fault, ReaderFault)
    assert isinstance(fault.error, DeviceProtocolError)
    assert fault.error.message_key == "device.unknown_card"
    card_rig.remove()  # the reader reported the card, so it reports its removal as well
    assert card_rig.recorder.wait_count(2)[1] == CardRemoved(READER)


def test_card_already_on_the_reader_at_start_is_reported(card_rig: Rig) -> None:
    card_rig.present(card_no=MEMBER_CARD_NO, uid=MEMBER_UID)
    card_rig.start()
    (presented,) = card_rig.recorder.wait_count(1)
    assert isinstance(presented, CardPresented)
    assert presented.card_no == MEMBER_CARD_NO


def test_a_failing_handler_does_not_stop_the_reader(card_rig: Rig) -> None:
    card_rig.recorder.raise_on_next = True
    card_rig.start()
    card_rig.present(card_no=MEMBER_CARD_NO, uid=MEMBER_UID)
    card_rig.recorder.wait_count(1)
    card_rig.remove()
    card_rig.recorder.wait_count(2)
    card_rig.present(card_no=OTHER_CARD_NO, uid=OTHER_UID)
    presented = card_rig.recorder.wait_count(3)[2]
    assert isinstance(presented, CardPresented)
    assert presented.card_no == OTHER_CARD_NO
    assert not any(name == "MainThread" for name in card_rig.recorder.threads)


def test_unplugged_reader_reports_once_and_reads_again_when_back(card_rig: Rig) -> None:
    if isinstance(card_rig, PcscRig) and not card_rig.daemon.can_be_killed:
        pytest.skip("unplugging the PC/SC reader kills pcscd: only a private one")
    card_rig.start()
    card_rig.present(card_no=MEMBER_CARD_NO, uid=MEMBER_UID)
    card_rig.recorder.wait_count(1)

    card_rig.unplug()
    removed, fault = card_rig.recorder.wait_count(3)[1:]
    assert removed == CardRemoved(READER)
    assert isinstance(fault, ReaderFault)
    assert isinstance(fault.error, DeviceNotFound)
    assert fault.error.message_key == "device.reader_unplugged"

    card_rig.replug()
    card_rig.remove()
    card_rig.present(card_no=OTHER_CARD_NO, uid=OTHER_UID)
    events = card_rig.recorder.wait_count(4)
    assert events[3] == CardPresented(READER, uid=OTHER_UID, card_no=OTHER_CARD_NO,
                                      source=CardSource.MEMBER_APP)
    assert sum(isinstance(event, ReaderFault) for event in events) == 1
