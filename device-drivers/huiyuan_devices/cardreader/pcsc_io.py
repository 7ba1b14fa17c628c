"""PC/SC plumbing for the card reader: a PC/SC context, reader selection, reading one card, and
the translation of pyscard's exceptions to our three device errors.

Nothing here starts a thread; pcsc.py runs the watching loop on top of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smartcard import scard
from smartcard.CardConnectionDecorator import CardConnectionDecorator
from smartcard.Exceptions import (
    CardConnectionException,
    CardServiceNotFoundException,
    CardServiceStoppedException,
    ListReadersException,
    NoCardException,
    NoReadersException,
    SmartcardException,
)
from smartcard.pcsc.PCSCExceptions import BaseSCardException, EstablishContextException
from smartcard.pcsc.PCSCExceptions import ListReadersException as ScardListReadersException
from smartcard.pcsc.PCSCReader import PCSCReader

from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.member_app import StatusKind
from huiyuan_devices.errors import DeviceError, DeviceNotFound, DeviceProtocolError

READER_UNPLUGGED = "reader_unplugged"
CARD_REMOVED = "card_removed"
UNKNOWN_CARD = "unknown_card"
READER_BUSY = "reader_busy"  # another program holds the card exclusively
PROTOCOL_ERROR = "protocol_error"  # message key device.protocol_error (the default)

PYSCARD_ERRORS = (SmartcardException, BaseSCardException)


def _unsigned(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


# Results meaning "the reader or pcscd is gone", as opposed to "the card went away".
_READER_GONE_RESULTS = {
    _unsigned(code)
    for code in (
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_F_COMM_ERROR,  # the socket to pcscd broke (pcscd killed)
        scard.SCARD_E_INVALID_HANDLE,  # a context from a pcscd that has since restarted
        scard.SCARD_E_READER_UNAVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_NO_READERS_AVAILABLE,
    )
}
_READER_GONE_TYPES = (
    EstablishContextException,
    ScardListReadersException,
    ListReadersException,
    CardServiceNotFoundException,
    CardServiceStoppedException,
    NoReadersException,
)


def translate_error(device: str, error: Exception) -> DeviceError:
    """Our device error for a pyscard exception (or a plain failure result wrapped in one)."""
    hresult = _unsigned(getattr(error, "hresult", -1))
    detail = str(error)
    if isinstance(error, _READER_GONE_TYPES) or hresult in _READER_GONE_RESULTS:
        return DeviceNotFound(device, READER_UNPLUGGED, detail)
    if hresult == _unsigned(scard.SCARD_E_SHARING_VIOLATION):
        return DeviceProtocolError(device, READER_BUSY, detail)
    if isinstance(error, NoCardException | CardConnectionException):
        # Connect or transmit failed while pcscd and the reader are fine: the card left the
        # field mid-read (vpcd: the connection dropped; a real reader: SCARD_W_REMOVED_CARD).
        return DeviceProtocolError(device, CARD_REMOVED, detail)
    return DeviceProtocolError(device, PROTOCOL_ERROR, detail)


def reader_gone(device: str, detail: str) -> DeviceNotFound:
    return DeviceNotFound(device, READER_UNPLUGGED, detail)


def choose_reader(names: list[str], name_contains: str, index: int) -> str | None:
    """The `index`-th reader (in pcscd's order) whose name contains `name_contains`."""
    matching = [name for name in names if name_contains in name]
    return matching[index] if 0 <= index < len(matching) else None


class PcscContext:
    """One PC/SC context (a connection to pcscd). Every failure raises a DeviceError."""

    def __init__(self, device: str) -> None:
        self.device = device
        hresult, self._handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise reader_gone(device, f"pcscd: {scard.SCardGetErrorMessage(hresult)}")

    def reader_names(self) -> list[str]:
        hresult, names = scard.SCardListReaders(self._handle, [])
        if _unsigned(hresult) == _unsigned(scard.SCARD_E_NO_READERS_AVAILABLE):
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise reader_gone(self.device, f"list readers: {scard.SCardGetErrorMessage(hresult)}")
        return list(names)

    def wait_for_change(self, reader: str, known_state: int, timeout_ms: int) -> int:
        """The reader's new state flags once they differ from `known_state`, or `known_state`
        itself after the timeout or cancel(). Raises DeviceNotFound when the reader is gone."""
        hresult, states = scard.SCardGetStatusChange(
            self._handle, timeout_ms, [(reader, known_state)]
        )
        if _unsigned(hresult) in (_unsigned(scard.SCARD_E_TIMEOUT),
                                  _unsigned(scard.SCARD_E_CANCELLED)):
            return known_state
        if hresult != scard.SCARD_S_SUCCESS:
            raise reader_gone(self.device, f"{reader}: {scard.SCardGetErrorMessage(hresult)}")
        _, state, _ = states[0]
        if state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            raise reader_gone(self.device, f"{reader} is no longer available")
        return state & ~scard.SCARD_STATE_CHANGED

    def cancel(self) -> None:
        """Wake a wait_for_change() blocked on another thread."""
        scard.SCardCancel(self._handle)

    def release(self) -> None:
        # The result does not matter: after pcscd died the handle is already invalid.
        scard.SCardReleaseContext(self._handle)


def card_is_present(state: int) -> bool:
    return bool(state & scard.SCARD_STATE_PRESENT)


def card_event_count(state: int) -> int:
    """pcsc-lite counts insertions and removals in the high 16 bits of the state: a change
    between two looks means another card came and went in between."""
    return state >> 16


def list_readers() -> list[str]:
    """The PC/SC reader names, [] when there is none or pcscd is not running. Never raises."""
    try:
        context = PcscContext("card_reader")
    except DeviceError:
        return []
    try:
        return context.reader_names()
    except DeviceError:
        return []
    finally:
        context.release()


@dataclass(frozen=True)
class CardIdentity:
    uid: str  # "" when the reader or card does not give one
    card_no: str  # "" when the card has no member application


def read_card_identity(device: str, reader: str) -> CardIdentity:
    """Connect to the card in `reader` and read its UID and member card number.

    Raises DeviceProtocolError(card_removed) when the card leaves mid-read,
    DeviceProtocolError(unknown_card) when it has neither our application nor a UID (or a
    malformed card-number record), DeviceProtocolError(reader_busy) when another program holds
    the card exclusively, DeviceNotFound(reader_unplugged) when the reader or pcscd goes away.
    """
    try:
        connection = PCSCReader(reader).createConnection()
    except PYSCARD_ERRORS as error:
        raise translate_error(device, error) from error
    try:
        connection.connect()
        uid = _read_uid(connection)
        card_no = _read_member_card_no(device, connection)
    except PYSCARD_ERRORS as error:
        raise translate_error(device, error) from error
    finally:
        _release_quietly(connection)
    if not uid and not card_no:
        raise DeviceProtocolError(device, UNKNOWN_CARD, "no member application and no UID")
    return CardIdentity(uid=uid, card_no=card_no)


def exchange_member_apdu(device: str, reader: str, build_apdu: Callable[[], bytearray],
                         card_no: str = "") -> tuple[int, int]:
    """In one connection to the card in `reader`: SELECT our application (and, with `card_no`,
    read the card number and insist on it), then send the APDU `build_apdu()` makes, zero it and
    return the status word (sw1, sw2).

    The APDU (a PIN command) is built only once the card has answered SELECT. Raises as
    read_card_identity does; DeviceProtocolError(unknown_card) when the card has no member
    application, DeviceProtocolError(card_removed) when it carries another card number.
    """
    try:
        connection = PCSCReader(reader).createConnection()
    except PYSCARD_ERRORS as error:
        raise translate_error(device, error) from error
    try:
        connection.connect()
        _select_member_app(device, connection, card_no)
        return _transmit_and_wipe(connection, build_apdu())
    except PYSCARD_ERRORS as error:
        raise translate_error(device, error) from error
    finally:
        _release_quietly(connection)


def _select_member_app(device: str, connection: CardConnectionDecorator, card_no: str) -> None:
    if not card_no:
        _, sw1, sw2 = connection.transmit(list(member_app.select_aid_apdu()))
        if member_app.interpret_status(sw1, sw2).kind is not StatusKind.OK:
            raise DeviceProtocolError(device, UNKNOWN_CARD, "no member application")
        return
    card_no_on_card = _read_member_card_no(device, connection)
    if not card_no_on_card:
        raise DeviceProtocolError(device, UNKNOWN_CARD, "no member application")
    if card_no_on_card != card_no:
        # The member swapped cards after presenting one: this is not the card presented.
        raise DeviceProtocolError(device, CARD_REMOVED, "another card is on the reader")


def _transmit_and_wipe(connection: CardConnectionDecorator, apdu: bytearray) -> tuple[int, int]:
    command = list(apdu)  # pyscard takes a list of ints
    try:
        _, sw1, sw2 = connection.transmit(command)
    finally:
        member_app.wipe_buffer(command)
        member_app.wipe_buffer(apdu)
    return sw1, sw2


def _read_uid(connection: CardConnectionDecorator) -> str:
    data, sw1, sw2 = connection.transmit(list(member_app.GET_UID_APDU))
    return member_app.uid_from_response(data, sw1, sw2)


def _read_member_card_no(device: str, connection: CardConnectionDecorator) -> str:
    _, sw1, sw2 = connection.transmit(list(member_app.select_aid_apdu()))
    if member_app.interpret_status(sw1, sw2).kind is not StatusKind.OK:
        return ""  # any refusal of SELECT means "not our card": a plain contactless card
    data, sw1, sw2 = connection.transmit(list(member_app.read_binary_apdu()))
    status = member_app.interpret_status(sw1, sw2)
    if status.kind is StatusKind.WRONG_LE:
        apdu = member_app.read_binary_apdu(status.correct_length)
        data, sw1, sw2 = connection.transmit(list(apdu))
        status = member_app.interpret_status(sw1, sw2)
    if not status.has_data:
        raise DeviceProtocolError(device, UNKNOWN_CARD, f"READ BINARY answered {status.sw}")
    try:
        return member_app.decode_card_record(data)
    except ValueError as error:
        raise DeviceProtocolError(device, UNKNOWN_CARD, str(error)) from error


def _release_quietly(connection: CardConnectionDecorator) -> None:
    try:
        connection.disconnect()
        connection.release()
    except PYSCARD_ERRORS:
        pass  # the card or pcscd is already gone; nothing is left to release
