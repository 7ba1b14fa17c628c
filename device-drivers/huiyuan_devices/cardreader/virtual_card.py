"""A virtual member card for vsmartcard's PC/SC driver (vpcd), for tests and demonstrations.

vpcd adds PC/SC readers (`Virtual PCD 00 00`, `Virtual PCD 00 01`) that listen on TCP
(35963, 35964 by default). A card is "inserted" by connecting to the port and "removed" by closing
the connection. Wire protocol: every message is a 2-byte big-endian length and a payload. A 1-byte
payload is a control code (0 power off, 1 power on, 2 reset: no answer; 4: answer the ATR);
longer payloads are command APDUs, answered with the response APDU.

The card answers GET DATA UID, SELECT of our member application, READ BINARY of the
card-number record, and the PIN commands VERIFY and CHANGE REFERENCE DATA (see member_app.py;
the PIN logic is card_pin.CardPin, shared with the simulated reader); everything else gets an ISO
status word. It is a test and demonstration card: its PIN is no secret (it lives in memory and on
the command line), but it keeps PIN blocks out of `apdus_received` anyway.

In-process:   card = VirtualMemberCard("8800000000001234", uid="04A1B2C3D4E5F6", pin="2468")
              card.start()
Command line: python -m huiyuan_devices.cardreader.virtual_card --card-no 8800000000001234 \
                  --uid 04A1B2C3D4E5F6 [--pin 2468] [--port 35963]
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import struct
import threading
import time
from enum import StrEnum

from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.card_pin import CardPin

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963  # reader "Virtual PCD 00 00"; 35964 is "Virtual PCD 00 01"
# ISO 14443-4 contactless card as PC/SC part 3 presents it: T=0 then T=1 offered, no historical
# bytes, TCK = XOR of T0..TD2.
DEFAULT_ATR = bytes.fromhex("3B80800101")

CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET, CTRL_SEND_ATR = 0, 1, 2, 4

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_FUNCTION_NOT_SUPPORTED = b"\x6a\x81"
SW_NOT_FOUND = b"\x6a\x82"
SW_CONDITIONS_NOT_SATISFIED = b"\x69\x85"  # READ BINARY before our application is selected
SW_INS_NOT_SUPPORTED = b"\x6d\x00"


class DropPoint(StrEnum):
    """The command at which the card "is pulled away": the connection closes unanswered."""

    GET_UID = "get_uid"
    SELECT = "select"
    READ_BINARY = "read_binary"
    VERIFY = "verify"  # VERIFY, with a PIN or asking the tries left
    CHANGE_PIN = "change_pin"  # CHANGE REFERENCE DATA, changing or setting the first PIN


_PIN_COMMANDS = (DropPoint.VERIFY, DropPoint.CHANGE_PIN)


class VirtualMemberCard:
    """One virtual card. start() inserts it (connects to vpcd), remove() pulls it away.

    `card_no` "" or `has_member_app=False` makes a contactless-only card (SELECT answers 6A82);
    `uid` "" makes GET DATA fail (6A81), as on a contact card. `drop_at` closes the connection
    when that command arrives, once, instead of answering it. `strict_le` answers READ BINARY
    with 6Cxx unless Le is exactly the record length, as some cards do even for Le = 00.
    `pin` is the member application's PIN (4..8 digits; None: issued without one, the first is
    set through the reader); `card_pin` shows its state (tries left, blocked). Passing a
    `card_pin` instead keeps one chip's state across insertions (the demo's cards: wrong PINs
    typed at one tap still count at the next).
    """

    def __init__(self, card_no: str = "", uid: str = "04A1B2C3D4E5F6", *,
                 host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 has_member_app: bool = True, drop_at: DropPoint | str | None = None,
                 strict_le: bool = False, atr: bytes = DEFAULT_ATR,
                 pin: str | None = None, card_pin: CardPin | None = None) -> None:
        self.card_no = card_no
        self.uid = bytes.fromhex(uid)
        self.host, self.port = host, port
        self.has_member_app = has_member_app and bool(card_no)
        self.drop_at = DropPoint(drop_at) if drop_at else None
        self.strict_le = strict_le
        self.atr = atr
        self.apdus_received: list[bytes] = []  # PIN blocks in them are zeroed
        self.card_pin = card_pin if card_pin is not None else CardPin(pin)
        self._record = member_app.encode_card_record(card_no) if self.has_member_app else b""
        self._app_selected = False
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.dropped = threading.Event()  # set when drop_at fired

    # --- life cycle -----------------------------------------------------------------------

    def start(self, connect_timeout_s: float = 5.0) -> None:
        """Insert the card: connect to vpcd (retrying while pcscd is still loading the driver)
        and answer on a thread. Raises ConnectionError if vpcd is not listening in time."""
        self._socket = _connect_with_retry(self.host, self.port, connect_timeout_s)
        self._thread = threading.Thread(target=self._serve, args=(self._socket,),
                                        name=f"virtual-card-{self.port}", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Pull the card away: close the connection. Safe to call twice."""
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed by the other side
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self, timeout_s: float = 2.0) -> None:
        self.remove()
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- serving --------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                message = _receive_message(sock)
                if message is None:
                    return
                try:
                    answer = self._answer(message)
                except _CardPulledAway:
                    self.dropped.set()
                    return
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except OSError:
            return  # vpcd went away (pcscd stopped) or remove() closed the socket
        finally:
            if self._socket is sock:
                self.remove()

    def _answer(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            return self._answer_control(message[0])
        self.apdus_received.append(_without_pin_blocks(message))
        if self._should_drop(message):
            raise _CardPulledAway
        return self.answer_apdu(message)

    def _answer_control(self, code: int) -> bytes | None:
        if code == CTRL_SEND_ATR:
            return self.atr
        if code in (CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET):
            self._app_selected = False  # a reset deselects, as on a real card
            self.card_pin.deselect()
        return None

    def _should_drop(self, apdu: bytes) -> bool:
        if self.drop_at is None or self.dropped.is_set():
            return False
        return _command_of(apdu) is self.drop_at

    def answer_apdu(self, apdu: bytes) -> bytes:
        """The response APDU (data + status word) to one command APDU."""
        command = _command_of(apdu)
        if command is DropPoint.GET_UID:
            return self.uid + SW_OK if self.uid else SW_FUNCTION_NOT_SUPPORTED
        if command is DropPoint.SELECT:
            selected = self.has_member_app and apdu[5 : 5 + apdu[4]] == member_app.MEMBER_AID
            self._app_selected = selected
            self.card_pin.deselect()
            return SW_OK if selected else SW_NOT_FOUND
        if command is DropPoint.READ_BINARY:
            return self._read_binary(apdu)
        if command in _PIN_COMMANDS:
            # Outside our application there is no PIN to check.
            return self.card_pin.answer(apdu) if self._app_selected else SW_INS_NOT_SUPPORTED
        return SW_INS_NOT_SUPPORTED

    def _read_binary(self, apdu: bytes) -> bytes:
        if not self._app_selected:
            return SW_CONDITIONS_NOT_SATISFIED
        if len(apdu) != 5:
            return SW_WRONG_LENGTH
        expected = apdu[4] or 256
        if expected < len(self._record) or (self.strict_le and expected != len(self._record)):
            return bytes([0x6C, len(self._record)])
        return self._record + SW_OK


class _CardPulledAway(Exception):
    """drop_at fired: close the connection without answering."""


def _command_of(apdu: bytes) -> DropPoint | None:
    if len(apdu) < 4:
        return None
    cla, ins = apdu[0], apdu[1]
    if cla == member_app.CLA_PCSC_PSEUDO and ins == member_app.INS_GET_DATA:
        return DropPoint.GET_UID
    if ins == member_app.INS_SELECT and apdu[2] == 0x04 and len(apdu) >= 5:
        return DropPoint.SELECT
    if ins == member_app.INS_READ_BINARY:
        return DropPoint.READ_BINARY
    if ins == member_app.INS_VERIFY:
        return DropPoint.VERIFY
    if ins == member_app.INS_CHANGE_REFERENCE_DATA:
        return DropPoint.CHANGE_PIN
    return None


def _without_pin_blocks(apdu: bytes) -> bytes:
    """The APDU as recorded: a PIN command's data (its PIN blocks) zeroed."""
    if _command_of(apdu) not in _PIN_COMMANDS or len(apdu) <= 5:
        return apdu
    return apdu[:5] + bytes(len(apdu) - 5)


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _receive_message(sock: socket.socket) -> bytes | None:
    header = _receive_exactly(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _receive_exactly(sock, length)


def _connect_with_retry(host: str, port: int, timeout_s: float) -> socket.socket:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=1.0)
            sock.settimeout(None)  # vpcd polls presence every few hundred ms; block between
            return sock
        except OSError as error:
            if time.monotonic() >= deadline:
                raise ConnectionError(f"vpcd is not listening on {host}:{port}") from error
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--card-no", default="", help="member card number; empty: no member app")
    parser.add_argument("--uid", default="04A1B2C3D4E5F6", help="UID in hex; empty: none")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--pin", default=None,
                        help="the member application's PIN, 4-8 digits; none: the card has none")
    parser.add_argument("--drop-at", choices=[point.value for point in DropPoint])
    args = parser.parse_args(argv)
    card = VirtualMemberCard(args.card_no, uid=args.uid, host=args.host, port=args.port,
                             drop_at=args.drop_at, pin=args.pin)
    # SIGTERM (a supervisor, or a test) pulls the card away as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        card.start(connect_timeout_s=30.0)
        print(f"card inserted in the reader on {args.host}:{args.port}; Ctrl-C removes it",
              flush=True)
        while card.inserted:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        card.stop()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
