"""The demo's hand over a vpcd reader (VirtualCardSlot), through the real pcscd: each card put
there is read, a card swapped straight for another is seen leave and the new one read (after a
card pulled mid-read too), and a chip's PIN state outlives the tap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huiyuan_devices.cardreader.base import (
    CardPinOutcome,
    CardPresented,
    CardRemoved,
    CardSource,
    ReaderFault,
)
from huiyuan_devices.cardreader.card_pin import CardPin
from huiyuan_devices.cardreader.virtual_card import DropPoint
from huiyuan_devices.cardreader.virtual_slot import VirtualCardSlot

from tests.devices.pcsc_support import READER_00, WAIT_S, PcscDaemon, PcscRig, pin_of

CARD_A, UID_A = "8800000000000011", "04A0A0A0A0A011"
CARD_B, UID_B = "8800000000000012", "04B0B0B0B0B012"
TAG_UID = "04C0C0C0C0C013"
PIN_A = "4826"
WRONG_PIN = "1111"


@pytest.fixture
def rig(pcsc_daemon: PcscDaemon) -> Iterator[PcscRig]:
    """A PC/SC reader on the slot's reader, not started yet."""
    rig = PcscRig(pcsc_daemon)
    yield rig
    rig.close()


@pytest.fixture
def slot(pcsc_daemon: PcscDaemon) -> Iterator[VirtualCardSlot]:
    slot = VirtualCardSlot(READER_00, pcsc_daemon.ports[READER_00])
    yield slot
    slot.remove()


def member(card_no: str, uid: str) -> CardPresented:
    return CardPresented("card_reader", uid=uid, card_no=card_no, source=CardSource.MEMBER_APP)


def test_a_card_swapped_for_another_is_seen_leave_and_the_new_one_is_read(
    rig: PcscRig, slot: VirtualCardSlot,
) -> None:
    rig.start()
    slot.insert(CARD_A, UID_A)
    rig.recorder.wait_count(1)
    slot.insert(CARD_B, UID_B)  # no remove() in between: the slot takes A away itself
    rig.recorder.wait_count(3)
    slot.insert("", TAG_UID)  # a UID-only tag
    rig.recorder.wait_count(5)
    slot.remove()
    events = rig.recorder.wait_count(6)
    assert events == [
        member(CARD_A, UID_A), CardRemoved("card_reader"),
        member(CARD_B, UID_B), CardRemoved("card_reader"),
        CardPresented("card_reader", uid=TAG_UID, card_no="", source=CardSource.CONTACTLESS),
        CardRemoved("card_reader"),
    ]
    assert slot.card is None


def test_after_a_card_left_mid_read_the_next_card_put_there_is_read(
    rig: PcscRig, slot: VirtualCardSlot,
) -> None:
    """A failed transmit makes pcscd's shared state show the reader empty before its poll has
    seen the card go: a card put there before that poll would pass for the old one, unread."""
    slot.insert(CARD_A, UID_A)
    assert slot.card is not None
    slot.card.drop_at = DropPoint.READ_BINARY  # pulled away while the reader reads it
    rig.start()
    fault, removed = rig.recorder.wait_count(2)
    assert isinstance(fault, ReaderFault) and fault.error.reason == "card_removed"
    assert removed == CardRemoved("card_reader")
    slot.insert(CARD_B, UID_B)
    assert rig.recorder.wait_count(3)[2] == member(CARD_B, UID_B)


def test_a_wrong_pin_still_counts_when_the_card_is_tapped_again(
    rig: PcscRig, slot: VirtualCardSlot,
) -> None:
    rig.start()
    chip = CardPin(PIN_A)
    slot.insert(CARD_A, UID_A, chip)
    rig.recorder.wait_count(1)
    first = rig.reader.verify_pin(pin_of(WRONG_PIN), WAIT_S, card_no=CARD_A)
    slot.remove()
    slot.insert(CARD_A, UID_A, chip)
    rig.recorder.wait_count(3)
    second = rig.reader.verify_pin(pin_of(WRONG_PIN), WAIT_S, card_no=CARD_A)
    assert (first.outcome, first.tries_left) == (CardPinOutcome.WRONG, 2)
    assert (second.outcome, second.tries_left) == (CardPinOutcome.WRONG, 1)
    assert chip.tries_left == 1


def test_close_takes_the_card_away_and_removing_twice_is_safe(
    rig: PcscRig, slot: VirtualCardSlot,
) -> None:
    rig.start()
    slot.insert(CARD_A, UID_A)
    rig.recorder.wait_count(1)
    slot.close()
    assert rig.recorder.wait_count(2)[1] == CardRemoved("card_reader")
    slot.remove()
    slot.remove()
    assert slot.card is None
