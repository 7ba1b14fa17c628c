"""The simulated reader beyond the contract: synchronous delivery, fault injection, unplugging,
inspection; and the factory that picks a reader from configuration."""

from __future__ import annotations

import pytest
from huiyuan_devices.cardreader import factory
from huiyuan_devices.cardreader.base import CardPresented, CardRemoved, CardSource, ReaderFault
from huiyuan_devices.cardreader.pcsc import PcscCardReader
from huiyuan_devices.cardreader.simulated import SimulatedCardReader
from huiyuan_devices.errors import DeviceNotFound, DeviceProtocolError

from tests.devices.pcsc_support import EventRecorder

CARD_NO = "8800000000001234"
UID = "04A1B2C3D4E5F6"


def _started(synchronous: bool = True) -> tuple[SimulatedCardReader, EventRecorder]:
    reader = SimulatedCardReader("front", synchronous=synchronous)
    recorder = EventRecorder()
    reader.start(recorder)
    return reader, recorder


def test_synchronous_reader_delivers_inside_the_call() -> None:
    reader, recorder = _started()
    reader.present(uid=UID.lower(), card_no=CARD_NO)
    assert recorder.events == reader.events_sent == [
        CardPresented("front", uid=UID, card_no=CARD_NO, source=CardSource.MEMBER_APP)
    ]
    assert recorder.threads == {"MainThread"}


def test_presenting_a_second_card_removes_the_first() -> None:
    reader, recorder = _started()
    reader.present(uid=UID)
    reader.present(card_no=CARD_NO, source=CardSource.SIMULATED)
    assert recorder.events[1:] == [
        CardRemoved("front"),
        CardPresented("front", uid="", card_no=CARD_NO, source=CardSource.SIMULATED),
    ]


def test_injected_fault_is_reported_as_given() -> None:
    reader, recorder = _started()
    error = DeviceProtocolError("front", "card_removed")
    reader.inject_fault(error)
    assert recorder.events == [ReaderFault("front", error)]


def test_unplugged_reader_sees_no_cards_until_replugged() -> None:
    reader, recorder = _started()
    reader.unplug()
    assert reader.present(uid=UID) is False
    (fault,) = recorder.events
    assert isinstance(fault, ReaderFault) and isinstance(fault.error, DeviceNotFound)
    reader.replug()
    assert reader.present(uid=UID) is True
    assert len(recorder.events) == 2


def test_reader_unplugged_before_start_reports_it_at_start() -> None:
    reader = SimulatedCardReader(synchronous=True)
    reader.unplug()
    recorder = EventRecorder()
    reader.start(recorder)
    (fault,) = recorder.events
    assert isinstance(fault, ReaderFault)
    assert fault.error.message_key == "device.reader_unplugged"


def test_nothing_is_reported_after_stop_and_stop_is_safe_twice() -> None:
    reader, recorder = _started(synchronous=False)
    reader.present(uid=UID)
    recorder.wait_count(1)
    reader.stop()
    reader.stop()
    reader.remove()
    reader.present(uid=UID)
    assert len(reader.events_sent) == 1
    reader.start(recorder)
    with pytest.raises(RuntimeError):
        reader.start(recorder)
    reader.stop()


def test_factory_builds_the_configured_reader() -> None:
    simulated = factory.create({"kind": "simulated"})
    assert isinstance(simulated, SimulatedCardReader)
    assert simulated.name == "card_reader"
    pcsc = factory.create({"kind": "pcsc", "name": "front", "reader": "ACR122",
                           "reader_index": 1, "retry_interval_s": 0.5})
    assert isinstance(pcsc, PcscCardReader)
    assert (pcsc.name, pcsc.reader_name_contains, pcsc.reader_index, pcsc.retry_interval_s) == (
        "front", "ACR122", 1, 0.5)


@pytest.mark.parametrize("config", [{}, {"kind": "nfc"}, {"kind": None}])
def test_factory_refuses_an_unknown_kind(config: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="pcsc"):
        factory.create(config)


def test_factory_refuses_a_setting_the_kind_does_not_have() -> None:
    with pytest.raises(ValueError, match="readr"):
        factory.create({"kind": "pcsc", "readr": "ACR122"})
