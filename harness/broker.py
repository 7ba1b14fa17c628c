"""A Mosquitto broker run as our own child process, on loopback, with per-terminal accounts.

Tests and `make run` both start their broker through this module, so nothing depends on a
system broker being installed as a service or already running. Measured behaviour (start-up
time, what survives SIGKILL) is in docs/operations.md.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from harness.broker_folders import MOSQUITTO_SYSTEM_USER, check_reachable, reachable_data_dir
from hq.broker_accounts import (
    HQ_USERNAME,
    TOPIC_PREFIX,
    BrokerAccounts,
    BrokerError,
    BrokerNotInstalled,
    BrokerStartError,
    InvalidBrokerAccount,
    terminal_topic,
)
from protocol.wire import MAX_CONFIG_BYTES

__all__ = [
    "HQ_USERNAME",
    "MOSQUITTO_SYSTEM_USER",
    "TOPIC_PREFIX",
    "BrokerAccounts",
    "BrokerError",
    "BrokerNotInstalled",
    "BrokerStartError",
    "InvalidBrokerAccount",
    "MosquittoBroker",
    "find_free_port",
    "reachable_data_dir",
    "terminal_topic",
]

LOOPBACK = "127.0.0.1"
# Mosquitto drops to this user when started as root; it must own the files it opens.
# Logged once everything (listeners, password file, ACL, persistence) is loaded.
_READY_MARKER = " running"
# Debian installs the broker in /usr/sbin, which is not on an ordinary user's PATH.
_EXTRA_BIN_DIRS = ("/usr/sbin", "/usr/local/sbin")
# A whole packet may exceed its payload by this much (fixed header, topic, properties): our topics
# are short, so a bigger packet is refused from its header alone (`max_packet_size`).
PACKET_OVERHEAD_BYTES = 64 * 1024
# Production settings (docs/operations.md, "Queues and persistence"). Only HQ's sessions can be
# filled by terminals (a terminal receives from HQ alone), so the queue bounds are sized for one
# HQ worker: what it drains within the terminals' ack timeout (10 s) at the fleet's peak of
# 10,000 events/s shared by two workers. A message queued deeper than that would be sent again
# by its terminal before the worker reached it, so it could only become a duplicate: a bigger
# queue feeds a retry storm. A batch dropped at the bound stays in its terminal's outbox and is
# sent again, so it is late, never lost.
DEFAULT_MAX_QUEUED_MESSAGES = 50_000
DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_INFLIGHT_BYTES = 16 * 1024 * 1024
# Saved on a timer, not after every change: a save rewrites the whole database, so saving per
# change slows every publish as a queue grows (bench/broker_queue_bench.py). A crash loses at
# most this long of queued messages, which the terminals' outboxes send again.
DEFAULT_AUTOSAVE_INTERVAL_S = 60


def find_free_port(host: str = LOOPBACK) -> int:
    """A TCP port on `host` that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def find_mosquitto() -> str:
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *_EXTRA_BIN_DIRS])
    executable = shutil.which("mosquitto", path=search_path)
    if executable is None:
        raise BrokerNotInstalled(
            "mosquitto is not installed (Debian package 'mosquitto'; scripts/setup.sh installs it)"
        )
    return executable


def find_dynamic_security_plugin() -> Path:
    """The plugin ships in the mosquitto package under the multiarch library folder."""
    candidates = sorted(Path("/usr/lib").glob("*/mosquitto_dynamic_security.so"))
    candidates += [Path("/usr/lib/mosquitto_dynamic_security.so"),
                   Path("/usr/local/lib/mosquitto_dynamic_security.so")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise BrokerNotInstalled(
        "mosquitto_dynamic_security.so not found (it ships in Debian's 'mosquitto' package)"
    )


def _port_accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class MosquittoBroker:
    """One Mosquitto process with its own config, accounts, ACL, persistence and log in
    `data_dir`. The port is chosen once, so `restart()` comes back where clients expect it.

    Persistence is written every `autosave_interval_s` seconds (the production setting), or,
    when `autosave_every_changes` is given, after that many changes (queued messages,
    subscription changes, retained messages): 1 loses the least on SIGKILL, at the cost of
    rewriting the whole database on every change, which tests of SIGKILL ask for explicitly.
    A graceful `stop()` saves either way.

    `message_size_limit`: the biggest payload the broker passes on (HQ's biggest configuration
    document by default). Mosquitto 2.0 has one limit for every client and listener, so a
    terminal may send up to it too; HQ refuses a terminal's message far smaller when it parses
    it (docs/operations.md gives the trade-off).
    """

    def __init__(
        self,
        data_dir: Path | str,
        accounts: BrokerAccounts,
        port: int | None = None,
        *,
        autosave_every_changes: int | None = None,
        autosave_interval_s: int = DEFAULT_AUTOSAVE_INTERVAL_S,
        max_queued_messages: int = DEFAULT_MAX_QUEUED_MESSAGES,
        max_inflight_messages: int = 100,
        max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES,
        max_inflight_bytes: int = DEFAULT_MAX_INFLIGHT_BYTES,
        message_size_limit: int = MAX_CONFIG_BYTES,
        start_timeout: float = 10.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.accounts = accounts
        self.host = LOOPBACK
        self.port = find_free_port(self.host) if port is None else port
        self.autosave_every_changes = autosave_every_changes
        self.autosave_interval_s = autosave_interval_s
        self.max_queued_messages = max_queued_messages
        self.max_inflight_messages = max_inflight_messages
        self.max_queued_bytes = max_queued_bytes
        self.max_inflight_bytes = max_inflight_bytes
        self.message_size_limit = message_size_limit
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.data_dir / "mosquitto.conf"

    @property
    def security_path(self) -> Path:
        """The dynamic-security plugin's accounts and roles (JSON)."""
        return self.data_dir / "dynamic-security.json"

    @property
    def persistence_dir(self) -> Path:
        return self.data_dir / "persistence"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "mosquitto.log"

    @property
    def console_path(self) -> Path:
        """Standard output and error: where errors from before the log file opens go."""
        return self.data_dir / "mosquitto.console"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.is_running and self._process else None

    def log_tail(self, lines: int = 20) -> str:
        return _tail(self.log_path, lines)

    def config_text(self) -> str:
        lines = [
            "# Generated by harness.broker: a loopback broker with per-terminal accounts.",
            f"listener {self.port} {self.host}",
            "allow_anonymous false",
            f"plugin {find_dynamic_security_plugin()}",
            f"plugin_opt_config_file {self.security_path}",
            "persistence true",
            f"persistence_location {self.persistence_dir}",
            # Per session, above those in flight: bounds HQ's queue (see the defaults above).
            f"max_queued_messages {self.max_queued_messages}",
            f"max_inflight_messages {self.max_inflight_messages}",
            # Bytes, per session: a flood of big messages cannot fill the broker's memory.
            f"max_queued_bytes {self.max_queued_bytes}",
            f"max_inflight_bytes {self.max_inflight_bytes}",
            # A bigger payload is dropped (a QoS 1 sender gets an error PUBACK, nobody receives
            # it); a packet bigger still disconnects its sender before the broker reads it in.
            f"message_size_limit {self.message_size_limit}",
            f"max_packet_size {self.message_size_limit + PACKET_OVERHEAD_BYTES}",
            # Authorisation requests wait on single small packets: do not let Nagle delay them.
            "set_tcp_nodelay true",
            f"log_dest file {self.log_path}",
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
            "connection_messages true",
        ]
        lines += self._autosave_lines()
        if os.geteuid() == 0:
            lines.append(f"user {MOSQUITTO_SYSTEM_USER}")
        return "\n".join(lines) + "\n"

    def _autosave_lines(self) -> list[str]:
        if self.autosave_every_changes is not None:
            return ["autosave_on_changes true",
                    f"autosave_interval {self.autosave_every_changes}"]
        return ["autosave_on_changes false", f"autosave_interval {self.autosave_interval_s}"]

    def write_files(self) -> None:
        """(Re)write config and accounts; keep persistence and the log."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.persistence_dir.mkdir(exist_ok=True)
        self.config_path.write_text(self.config_text(), encoding="utf-8")
        security = json.dumps(self.accounts.dynamic_security_config(), indent=1)
        self.security_path.write_text(security, encoding="utf-8")
        self.security_path.chmod(0o600)
        self.log_path.touch()
        if os.geteuid() == 0:
            self._hand_files_to_system_user()

    def _hand_files_to_system_user(self) -> None:
        try:
            account = pwd.getpwnam(MOSQUITTO_SYSTEM_USER)
        except KeyError:
            raise BrokerStartError(
                f"running as root, but there is no {MOSQUITTO_SYSTEM_USER!r} system user for "
                "Mosquitto to drop to (the Debian package creates it)"
            ) from None
        check_reachable(self.data_dir, account)
        owned = [self.data_dir, self.config_path, self.security_path]
        owned += [self.log_path, self.persistence_dir, *self.persistence_dir.iterdir()]
        for path in owned:
            os.chown(path, account.pw_uid, account.pw_gid)

    def start(self) -> None:
        if self.is_running:
            raise BrokerError(f"broker on port {self.port} is already running")
        executable = find_mosquitto()
        self.write_files()
        log_offset = self.log_path.stat().st_size
        with self.console_path.open("ab") as console:
            self._process = subprocess.Popen(
                [executable, "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C aimed at the test run must not race our stop().
                start_new_session=True,
            )
        self._wait_until_ready(log_offset)

    def _wait_until_ready(self, log_offset: int) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                self._process = None
                raise BrokerStartError(self._failure_message(f"exited with code {code}"))
            if self._logged_ready_since(log_offset) and _port_accepts_connections(
                self.host, self.port
            ):
                return
            time.sleep(0.02)
        self.kill()
        raise BrokerStartError(
            self._failure_message(f"was not ready within {self.start_timeout:.0f} s")
        )

    def _logged_ready_since(self, log_offset: int) -> bool:
        with self.log_path.open("rb") as log:
            log.seek(log_offset)
            return any(_READY_MARKER in line.decode("utf-8", "replace") for line in log)

    def _failure_message(self, what_happened: str) -> str:
        return (
            f"mosquitto on {self.host}:{self.port} {what_happened}.\n"
            f"--- {self.log_path} (tail) ---\n{self.log_tail()}\n"
            f"--- {self.console_path} (tail) ---\n{_tail(self.console_path, 20)}"
        )

    def stop(self) -> None:
        """Stop gracefully (SIGTERM): Mosquitto writes its persistence file on the way out."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=self.stop_timeout)
            raise BrokerError(
                f"mosquitto on port {self.port} ignored SIGTERM for {self.stop_timeout:.0f} s "
                "and was killed"
            ) from None

    def kill(self) -> None:
        """SIGKILL, as a crash or power cut would: nothing is saved on the way out."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=self.stop_timeout)

    def restart(self) -> None:
        """Stop (if running) and start again on the same port with the same data."""
        self.stop()
        self.start()

    def __enter__(self) -> MosquittoBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"MosquittoBroker({self.host}:{self.port}, {state}, data_dir={self.data_dir})"
