"""The four ways bytes reach an ESC/POS printer (serial, USB, network, a device file), each over
the python-escpos printer object of that kind, and each translating its vendor exceptions
(pyserial, socket, pyusb, OSError, escpos) into `huiyuan_devices.errors`:

- the printer is not there (no such device, connection refused, unplugged) -> DeviceNotFound
  `printer_offline` (`printer_no_access` without permission, `printer_busy` when another program
  holds it);
- a write did not finish in time -> DeviceTimeout `printer_offline`.

`query` sends a real-time status request and returns what came back within a short time
(b"" when nothing did); judging the answer is the printer's business, not the transport's.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import termios
from dataclasses import dataclass
from typing import Any, Protocol

import serial
from escpos.capabilities import Profile
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError as EscposDeviceNotFound
from escpos.printer import File, Network, Serial, Usb

from huiyuan_devices.errors import DeviceNotFound, DeviceTimeout

log = logging.getLogger(__name__)

OFFLINE = "printer_offline"
NO_ACCESS = "printer_no_access"
BUSY = "printer_busy"
MAX_CAUSES = 5
FLOW_CONTROLS = ("dsrdtr", "xonxoff", "none")
SERIAL_BITS_PER_BYTE = 10  # start + 8 data + stop
MAX_ANSWER_BYTES = 16
# pyserial lets termios.error (not an OSError) through from a port that hung up: a USB serial
# adapter pulled while open, whose tcflush and tcdrain then fail with EIO.
SERIAL_ERRORS = (serial.SerialException, OSError, termios.error)


class Transport(Protocol):
    """How the printer driver reaches the printer. Every method raises only DeviceError."""

    description: str
    can_read_back: bool  # the printer can answer DLE EOT over this transport
    checks_status_by_default: bool
    connection_per_job: bool  # open for one job and close after (a 9100 port serves one client)

    @property
    def is_open(self) -> bool: ...

    def open(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def query(self, request: bytes, timeout: float) -> bytes: ...

    def is_present(self) -> bool:
        """Whether the device is there, without talking to it (for transports that cannot
        read back)."""
        ...

    def close(self) -> None: ...


def not_found_reason(error: BaseException) -> str:
    """`printer_no_access` (no permission: udev rule or group missing), `printer_busy` (another
    program holds the device) or `printer_offline`, from the OSError behind `error` (escpos
    wraps pyserial's, pyusb's and open()'s)."""
    seen: BaseException | None = error
    for _ in range(MAX_CAUSES):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in (errno.EACCES, errno.EPERM):
            return NO_ACCESS
        if isinstance(seen, OSError) and seen.errno == errno.EBUSY:
            return BUSY
        seen = seen.__cause__ or seen.__context__
    return OFFLINE


class _EscposTransport:
    """What the four transports share: one escpos printer object, opened lazily."""

    # Plain attributes (not ClassVar): Transport declares them as attributes of an instance.
    can_read_back: bool = True
    checks_status_by_default: bool = True
    connection_per_job: bool = False

    def __init__(self, profile: Profile, device_name: str) -> None:
        self.profile = profile
        self.device_name = device_name
        self.description = ""
        self._printer: Escpos | None = None

    @property
    def is_open(self) -> bool:
        return self._printer is not None

    def is_present(self) -> bool:
        return True

    def open(self) -> None:
        raise NotImplementedError  # each transport opens its own way

    def _not_found(self, error: BaseException) -> DeviceNotFound:
        return DeviceNotFound(self.device_name, not_found_reason(error),
                              f"{self.description}: {error}")

    def _timed_out(self, error: BaseException) -> DeviceTimeout:
        return DeviceTimeout(self.device_name, OFFLINE, f"{self.description}: {error}")

    def _opened(self) -> Any:
        """The escpos printer object, opening it first if needed."""
        if self._printer is None:
            self.open()
        assert self._printer is not None
        return self._printer

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is None:
            return
        try:
            printer.close()
        except SERIAL_ERRORS as error:
            log.info("%s: error while closing, ignored: %s", self.description, error)


@dataclass(frozen=True)
class SerialSettings:
    device: str
    baudrate: int = 9600
    timeout: float = 5.0  # writing a job may take longer: see SerialTransport.write
    flow_control: str = "dsrdtr"


class SerialTransport(_EscposTransport):
    def __init__(self, settings: SerialSettings, profile: Profile, device_name: str) -> None:
        super().__init__(profile, device_name)
        self.settings = settings
        self.description = f"serial {settings.device}"

    def open(self) -> None:
        settings = self.settings
        printer = Serial(
            devfile=settings.device,
            baudrate=settings.baudrate,
            timeout=settings.timeout,
            xonxoff=settings.flow_control == "xonxoff",
            dsrdtr=settings.flow_control == "dsrdtr",
            profile=self.profile,
        )
        try:
            printer.open()
        except EscposDeviceNotFound as error:
            raise self._not_found(error) from error
        self._printer = printer

    def write(self, data: bytes) -> None:
        printer = self._opened()
        # pyserial's write timeout covers the whole write: give the bytes their time on the line.
        transfer_seconds = len(data) * SERIAL_BITS_PER_BYTE / self.settings.baudrate
        printer.device.write_timeout = self.settings.timeout + transfer_seconds
        try:
            printer._raw(data)
        except serial.SerialTimeoutException as error:
            self._discard_output()
            raise self._timed_out(error) from error
        except SERIAL_ERRORS as error:
            self._discard_output()
            raise self._not_found(error) from error

    def query(self, request: bytes, timeout: float) -> bytes:
        port = self._opened().device
        try:
            port.reset_input_buffer()  # a late answer to an earlier query is not this answer
            port.write_timeout = self.settings.timeout
            port.write(request)
            port.timeout = timeout
            answer = port.read(1)
            if answer and port.in_waiting:
                answer += port.read(min(port.in_waiting, MAX_ANSWER_BYTES))
        except serial.SerialTimeoutException as error:
            self._discard_output()
            raise self._timed_out(error) from error
        except SERIAL_ERRORS as error:
            self._discard_output()
            raise self._not_found(error) from error
        finally:
            with contextlib.suppress(*SERIAL_ERRORS, ValueError):
                port.timeout = self.settings.timeout
        return bytes(answer)

    def _discard_output(self) -> None:
        """After a failed write: drop what is queued and close, so closing does not wait for a
        printer that stopped taking bytes, and the next job reopens the port."""
        printer, self._printer = self._printer, None
        if printer is None:
            return
        with contextlib.suppress(*SERIAL_ERRORS, ValueError):
            printer.device.reset_output_buffer()
            printer.device.close()
        printer._device = False  # escpos would flush (and wait) in its own close()


@dataclass(frozen=True)
class NetworkSettings:
    host: str
    port: int = 9100
    timeout: float = 5.0


class NetworkTransport(_EscposTransport):
    connection_per_job = True

    def __init__(self, settings: NetworkSettings, profile: Profile, device_name: str) -> None:
        super().__init__(profile, device_name)
        self.settings = settings
        self.description = f"network {settings.host}:{settings.port}"

    def open(self) -> None:
        settings = self.settings
        printer = Network(host=settings.host, port=settings.port, timeout=settings.timeout,
                          profile=self.profile)
        # Connected here, not in escpos's open(), which drops the socket of a failed connect
        # without closing it.
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        connection.settimeout(settings.timeout)
        try:
            connection.connect((settings.host, settings.port))
        except OSError as error:
            connection.close()
            raise self._not_found(error) from error
        printer.device = connection
        self._printer = printer

    def write(self, data: bytes) -> None:
        printer = self._opened()
        try:
            printer._raw(data)
        except TimeoutError as error:
            self.close()
            raise self._timed_out(error) from error
        except OSError as error:
            self.close()
            raise self._not_found(error) from error

    def query(self, request: bytes, timeout: float) -> bytes:
        connection: socket.socket = self._opened().device
        try:
            self._drain(connection)
            connection.sendall(request)
            connection.settimeout(timeout)
            answer = connection.recv(MAX_ANSWER_BYTES)
        except TimeoutError:
            return b""
        except OSError as error:
            self.close()
            raise self._not_found(error) from error
        finally:
            with contextlib.suppress(OSError):
                connection.settimeout(self.settings.timeout)
        if not answer:
            self.close()
            raise self._not_found(ConnectionResetError("the printer closed the connection"))
        return answer

    @staticmethod
    def _drain(connection: socket.socket) -> None:
        """Drop bytes that arrived unasked (a late answer to an earlier query)."""
        timeout = connection.gettimeout()
        connection.setblocking(False)
        try:
            while connection.recv(MAX_ANSWER_BYTES):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            connection.settimeout(timeout)


@dataclass(frozen=True)
class UsbSettings:
    vendor_id: int
    product_id: int
    in_ep: int | None = None  # escpos's defaults (0x82 / 0x01) when not given
    out_ep: int | None = None
    timeout: float = 5.0


class UsbTransport(_EscposTransport):
    # Endpoint layouts vary between USB printers and reading the wrong one fails: a status
    # check is asked for (status_check = true) once the endpoints are known to answer.
    checks_status_by_default = False

    def __init__(self, settings: UsbSettings, profile: Profile, device_name: str) -> None:
        super().__init__(profile, device_name)
        self.settings = settings
        self.description = f"usb {settings.vendor_id:04x}:{settings.product_id:04x}"

    def open(self) -> None:
        if not Usb.is_usable():
            raise self._not_found(ModuleNotFoundError("pyusb is not installed"))
        settings = self.settings
        endpoints = {"in_ep": settings.in_ep, "out_ep": settings.out_ep}
        printer = Usb(
            idVendor=settings.vendor_id,
            idProduct=settings.product_id,
            timeout=int(settings.timeout * 1000),  # pyusb counts milliseconds
            profile=self.profile,
            **{name: value for name, value in endpoints.items() if value is not None},
        )
        try:
            printer.open()
        except EscposDeviceNotFound as error:
            raise self._not_found(error) from error
        self._printer = printer

    def write(self, data: bytes) -> None:
        printer = self._opened()
        try:
            printer._raw(data)
        except Exception as error:
            raise self._usb_error(error) from error

    def query(self, request: bytes, timeout: float) -> bytes:
        printer = self._opened()
        try:
            printer._raw(request)
            return bytes(printer.device.read(printer.in_ep, MAX_ANSWER_BYTES, int(timeout * 1000)))
        except Exception as error:
            translated = self._usb_error(error)
            if isinstance(translated, DeviceTimeout):
                return b""
            raise translated from error

    def _usb_error(self, error: Exception) -> DeviceNotFound | DeviceTimeout:
        """pyusb's errors (imported only when pyusb is there): a timeout, or a device gone."""
        import usb.core

        timeout_error = getattr(usb.core, "USBTimeoutError", None)
        if timeout_error is not None and isinstance(error, timeout_error):
            return self._timed_out(error)
        if isinstance(error, usb.core.USBError | OSError):
            self.close()
            return self._not_found(error)
        raise error


@dataclass(frozen=True)
class FileSettings:
    path: str  # a printer device file (/dev/usb/lp0) or, for tests and spooling, a plain file


class FileTransport(_EscposTransport):
    can_read_back = False
    checks_status_by_default = False

    def __init__(self, settings: FileSettings, profile: Profile, device_name: str) -> None:
        super().__init__(profile, device_name)
        self.settings = settings
        self.description = f"file {settings.path}"

    def open(self) -> None:
        # Opening for writing would create a missing path: a printer that is not plugged in
        # would silently "print" into a new file under /dev. Only an existing node is a printer.
        if not self.is_present():
            raise self._not_found(FileNotFoundError(errno.ENOENT, "No such device",
                                                    self.settings.path))
        printer = File(devfile=self.settings.path, profile=self.profile)
        try:
            printer.open()
        except EscposDeviceNotFound as error:
            raise self._not_found(error) from error
        self._printer = printer

    def write(self, data: bytes) -> None:
        printer = self._opened()
        try:
            printer._raw(data)  # escpos's File flushes after each write
        except OSError as error:
            self.close()
            raise self._not_found(error) from error

    def query(self, request: bytes, timeout: float) -> bytes:
        return b""

    def is_present(self) -> bool:
        return os.path.exists(self.settings.path)
