"""pyscard's exceptions become our three device errors, with reasons the terminal can translate
(real pyscard exception classes, no pcscd needed)."""

from __future__ import annotations

import pytest
from huiyuan_devices.cardreader.pcsc_io import choose_reader, translate_error
from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError
from smartcard import scard
from smartcard.Exceptions import (
    CardConnectionException,
    ListReadersException,
    NoCardException,
    SmartcardException,
)
from smartcard.pcsc.PCSCExceptions import EstablishContextException

from terminal.i18n.devices import DEVICE_CARD_READER, DEVICE_COMMON


@pytest.mark.parametrize(
    ("error", "expected_type", "reason"),
    [
        (EstablishContextException(scard.SCARD_E_NO_SERVICE), DeviceNotFound,
         "reader_unplugged"),
        (ListReadersException(scard.SCARD_E_NO_SERVICE), DeviceNotFound, "reader_unplugged"),
        (CardConnectionException("transmit", hresult=scard.SCARD_F_COMM_ERROR), DeviceNotFound,
         "reader_unplugged"),
        (CardConnectionException("connect", hresult=scard.SCARD_E_READER_UNAVAILABLE),
         DeviceNotFound, "reader_unplugged"),
        (CardConnectionException("transmit", hresult=scard.SCARD_W_REMOVED_CARD),
         DeviceProtocolError, "card_removed"),
        (NoCardException("connect", hresult=scard.SCARD_E_NO_SMARTCARD), DeviceProtocolError,
         "card_removed"),
        (CardConnectionException("connect", hresult=scard.SCARD_E_SHARING_VIOLATION),
         DeviceProtocolError, "reader_busy"),
        (SmartcardException("odd"), DeviceProtocolError, "protocol_error"),
    ],
)
def test_pyscard_errors_are_translated(error: Exception, expected_type: type[DeviceError],
                                       reason: str) -> None:
    translated = translate_error("card_reader", error)
    assert type(translated) is expected_type
    assert (translated.device, translated.reason) == ("card_reader", reason)


CARD_READER_REASONS = [
    "reader_unplugged", "card_removed", "unknown_card", "reader_busy", "protocol_error", "timeout"
]


@pytest.mark.parametrize("reason", CARD_READER_REASONS)
def test_every_reason_a_card_reader_gives_has_a_message(reason: str) -> None:
    key = DeviceError("card_reader", reason).message_key
    assert key in DEVICE_CARD_READER or key in DEVICE_COMMON


def test_reader_choice_by_name_part_and_index() -> None:
    names = ["ACS ACR122U 00 00", "Virtual PCD 00 00", "Virtual PCD 00 01"]
    assert choose_reader(names, "ACR122", 0) == "ACS ACR122U 00 00"
    assert choose_reader(names, "Virtual PCD", 1) == "Virtual PCD 00 01"
    assert choose_reader(names, "", 0) == "ACS ACR122U 00 00"
    assert choose_reader(names, "Virtual PCD", 2) is None
    assert choose_reader([], "", 0) is None
