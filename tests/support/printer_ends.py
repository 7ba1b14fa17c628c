"""The far end of a printer cable, played by the test: a socat pseudo-terminal pair (serial) or a
local TCP listener (network, port 9100 style). Each records every byte the driver sends and
answers real-time status queries (DLE EOT n) with the bytes in `answers[n]` (b"": stay silent,
like the many printers that never answer)."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path
from types import TracebackType

import serial

from tests.support.waiting import wait_for

READY = b"\x12"  # a status byte with only the fixed bits: online, cover closed, paper present
STATUS_QUERY = b"\x10\x04"
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


def without_status_queries(data: bytes) -> bytes:
    """The job itself: the bytes after the DLE EOT queries that precede it."""
    while data[:2] == STATUS_QUERY and len(data) >= 3:
        data = data[3:]
    return data


class _StatusResponder:
    """Finds DLE EOT n in the bytes received so far and answers each once."""

    def __init__(self) -> None:
        self.answers: dict[int, bytes] = {1: READY, 2: READY, 4: READY}
        self.queries: list[int] = []
        self._scanned = 0

    def answers_for(self, received: bytes) -> bytes:
        reply = b""
        while True:
            found = received.find(STATUS_QUERY, self._scanned)
            if found < 0:
                self._scanned = max(self._scanned, len(received) - 1)
                return reply
            if found + 2 >= len(received):
                self._scanned = found  # the kind byte has not arrived yet
                return reply
            kind = received[found + 2]
            self.queries.append(kind)
            reply += self.answers.get(kind, b"")
            self._scanned = found + 3


class SerialPrinterEnd:
    """`socat` links `printer_path` (the driver opens it) to a far end this object reads."""

    def __init__(self, folder: Path) -> None:
        self.printer_path = str(folder / "printer-tty")
        self._far_path = folder / "far-end-tty"
        self._responder = _StatusResponder()
        self.answers = self._responder.answers
        self._received = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._socat = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.printer_path}",
             f"pty,raw,echo=0,link={self._far_path}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: Path(self.printer_path).exists() and self._far_path.exists(),
                 timeout=WAIT_SECONDS, what="socat's pseudo-terminals")
        self._far = serial.Serial(str(self._far_path), 9600, timeout=POLL_SECONDS)
        self._reader = threading.Thread(target=self._read_forever, daemon=True)
        self._reader.start()

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def send_unasked(self, data: bytes) -> None:
        self._far.write(data)

    def wait_for_job(self, length: int) -> bytes:
        """The job (status queries stripped) once `length` bytes of it have arrived."""
        wait_for(lambda: len(without_status_queries(self.received)) >= length,
                 timeout=WAIT_SECONDS, what=f"{length} bytes on the serial line")
        return without_status_queries(self.received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._responder = _StatusResponder()
            self._responder.answers = self.answers

    def _read_forever(self) -> None:
        while not self._stop.is_set():
            chunk = self._far.read(4096)
            if not chunk:
                continue
            with self._lock:
                self._received += chunk
                reply = self._responder.answers_for(bytes(self._received))
            if reply:
                self._far.write(reply)

    def close(self) -> None:
        self._stop.set()
        self._reader.join(timeout=WAIT_SECONDS)
        self._far.close()
        self._socat.terminate()
        self._socat.wait(timeout=WAIT_SECONDS)

    def __enter__(self) -> SerialPrinterEnd:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


class NetworkPrinterEnd:
    """A listener on 127.0.0.1 taking one connection at a time, as a 9100 port does; every
    connection's bytes end up in `jobs` when the driver closes it."""

    def __init__(self, port: int = 0) -> None:
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self.answers: dict[int, bytes] = {1: READY, 2: READY, 4: READY}
        self.jobs: list[bytes] = []  # one entry per finished connection, queries included
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def wait_for_connections(self, count: int) -> list[bytes]:
        wait_for(lambda: len(self.jobs) >= count, timeout=WAIT_SECONDS,
                 what=f"{count} finished connection(s)")
        return list(self.jobs)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                self.jobs.append(self._serve_connection(connection))

    def _serve_connection(self, connection: socket.socket) -> bytes:
        responder = _StatusResponder()
        responder.answers = self.answers
        connection.settimeout(POLL_SECONDS)
        received = bytearray()
        while not self._stop.is_set():
            try:
                chunk = connection.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            reply = responder.answers_for(bytes(received))
            if reply:
                connection.sendall(reply)
        return bytes(received)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAIT_SECONDS)
        self._listener.close()

    def __enter__(self) -> NetworkPrinterEnd:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def free_port() -> int:
    """A port nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
