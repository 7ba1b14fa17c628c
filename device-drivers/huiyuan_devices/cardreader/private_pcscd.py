"""A pcscd of our own with vsmartcard's two virtual readers, for `make run` and the tests: the
virtual member card (virtual_card.py) then runs through the real PC/SC stack, pyscard → pcscd →
vpcd → card, without touching the machine's own pcscd.

pcscd always serves /run/pcscd/pcscd.comm, so it runs in a mount namespace of its own
(`unshare --mount`, which needs root) with a private /run whose pcscd folder is a folder of ours.
Clients find it through PCSCLITE_CSOCK_NAME, which libpcsclite reads once per process:
`route_clients()` must run before the first PC/SC call of the process. Its vpcd readers listen on
two free ports, not vpcd's usual 35963/35964, so a system pcscd with vpcd does not collide.
pcscd runs without `--apdu`, which would log the PIN blocks.

    pcscd = PrivatePcscd(Path(tempfile.mkdtemp(prefix="hy-pcscd-")))
    pcscd.route_clients()
    pcscd.start()                  # raises PcscdUnavailable (why) if it cannot run here
    ... VirtualMemberCard(card_no, uid=uid, port=pcscd.ports[VPCD_READER_00]).start() ...
    pcscd.stop()
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_READER_00 = "Virtual PCD 00 00"
VPCD_READER_01 = "Virtual PCD 00 01"
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
READY_TIMEOUT_S = 10.0  # pcscd lists the vpcd readers (and vpcd listens) a moment after start
STOP_TIMEOUT_S = 10.0
_POLL_S = 0.1
# Debian installs pcscd in /usr/sbin, which is not on an ordinary user's PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")


class PcscdUnavailable(Exception):
    """A private pcscd cannot run on this machine; the message says why, for one log line."""


def why_it_cannot_run() -> str:
    """'' when a private pcscd can run here, otherwise the reason (a package, unshare, root)."""
    if find_pcscd() is None:
        return "pcscd is not installed (Debian package pcscd)"
    if not VPCD_DRIVER.exists():
        return "vsmartcard's virtual reader is not installed (Debian package vsmartcard-vpcd)"
    if shutil.which("unshare") is None:
        return "unshare is missing (Debian package util-linux)"
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "unshare --mount is not allowed here (it needs root)"
    return ""


def find_pcscd() -> str | None:
    return shutil.which("pcscd", path=os.pathsep.join([os.environ.get("PATH", ""), *_SBIN_DIRS]))


def two_free_ports() -> int:
    """A port P such that P and P + 1 are free now (vpcd listens on all interfaces)."""
    for _ in range(50):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("0.0.0.0", 0))
            port = first.getsockname()[1]
            try:
                second.bind(("0.0.0.0", port + 1))
            except OSError:
                continue
            return port
    raise PcscdUnavailable("no two consecutive free TCP ports for the virtual readers")


class PrivatePcscd:
    """pcscd in a mount namespace of its own, its socket and log in `folder`, its two vpcd
    readers on `ports` (chosen once: a restarted pcscd listens on the same ones)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket_path = folder / "run" / "pcscd.comm"
        self.log_path = folder / "pcscd.log"
        first_port = two_free_ports()
        self.ports = {VPCD_READER_00: first_port, VPCD_READER_01: first_port + 1}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def route_clients(self) -> None:
        """Point this process's PC/SC clients (and its children's) at this pcscd."""
        os.environ[SOCKET_ENV] = str(self.socket_path)

    def start(self) -> None:
        """Start pcscd and wait until it lists both virtual readers. Raises PcscdUnavailable."""
        if os.environ.get(SOCKET_ENV) != str(self.socket_path):
            raise RuntimeError("route_clients() first: this process would look for another pcscd")
        reason = why_it_cannot_run()
        if reason:
            raise PcscdUnavailable(reason)
        self._launch()
        try:
            self._wait_for_readers()
        except PcscdUnavailable:
            self.stop()
            raise

    def _launch(self) -> None:
        run_folder, conf_folder = self.folder / "run", self.folder / "conf"
        run_folder.mkdir(parents=True, exist_ok=True)
        conf_folder.mkdir(exist_ok=True)
        for stale in ("pcscd.comm", "pcscd.pid"):  # left behind by a killed pcscd
            (run_folder / stale).unlink(missing_ok=True)
        first_port = self.ports[VPCD_READER_00]
        (conf_folder / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{first_port:04X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{first_port:04X}\n"
        )
        # A private /run in a private mount namespace, with /run/pcscd bound to our folder;
        # exec all the way down, so the process we hold is pcscd itself and we signal it by pid.
        script = ('mount -t tmpfs tmpfs /run && mkdir /run/pcscd && mount --bind "$0" /run/pcscd'
                  ' && exec "$2" --foreground --info --config "$1"')
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                ["unshare", "--mount", "sh", "-c", script, str(run_folder), str(conf_folder),
                 find_pcscd() or "pcscd"],
                stdout=log, stderr=subprocess.STDOUT,
                # Its own session, as the broker's: a Ctrl-C at the terminal reaches the app,
                # which stops pcscd after its reader; killed first, it left the demo hanging.
                start_new_session=True)

    def _wait_for_readers(self) -> None:
        # Imported here: pyscard loads libpcsclite, which reads SOCKET_ENV on its first call.
        from huiyuan_devices.cardreader.pcsc_io import list_readers

        deadline = time.monotonic() + READY_TIMEOUT_S
        while not set(self.ports) <= set(list_readers()):
            if not self.running:
                raise PcscdUnavailable(f"pcscd exited at start (its log: {self.log_path})")
            if time.monotonic() > deadline:
                raise PcscdUnavailable(f"pcscd did not list the virtual readers within "
                                       f"{READY_TIMEOUT_S:.0f} s (its log: {self.log_path})")
            time.sleep(_POLL_S)

    def stop(self, kill_signal: int = signal.SIGTERM) -> None:
        """End pcscd (SIGKILL: as if it crashed). Safe when it has exited already or twice."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(kill_signal)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)

    def remove_folder(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
