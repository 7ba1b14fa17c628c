"""What piles up in the broker while HQ is away, and what it costs (issue 11, point 4).

HQ's worker holds a persistent session with its shared subscription and is disconnected (as
when it is down, or so slow that its in-flight window is full). Terminals, each on its own
connection and thread, publish event-sized messages (~15 KB, a batch of about 50 events) at
QoS 1, each waiting for its PUBACK as the terminal's relay does. Per broker profile (how it
saves, how big HQ's queue may grow) it prints: the publish rate over the first and the last
slice of messages, what the publishers were told (PUBACK reasons), the broker's peak resident
memory (VmRSS), the save file's size after a graceful stop, and how many messages the
returning HQ session receives. Each phase stops at its message count or its time budget.

    .venv/bin/python -m bench broker_queue_bench
    .venv/bin/python -m bench.broker_queue_bench --messages 2000 --budget-s 30
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.mqtt_rig import BenchFailed, wait_until
from harness.broker import HQ_USERNAME, BrokerAccounts, MosquittoBroker, terminal_topic

HQ_EVENTS = "$share/hq/hy/v1/t/+/events"
HQ_CLIENT_ID = "hq-queue-bench"
PAYLOAD = b'{"schema":2,"events":[' + b"x" * 15_000 + b"]}"
TERMINALS = 20
MESSAGES = 6_000
BUDGET_S = 60.0
SLICE = 300  # messages in the first and last slice whose rates are compared
PUBACK_TIMEOUT_S = 30.0
QUIET_S = 2.0  # the returning HQ session has received its whole queue when this passes quietly
OLD_BOUNDS = {"max_queued_messages": 100_000, "max_queued_bytes": 256 * 1024 * 1024}


@dataclass(frozen=True)
class Profile:
    name: str
    options: dict[str, int]


PROFILES = (
    Profile("save every change, queue 100,000 / 256 MiB (before)",
            {"autosave_every_changes": 1, **OLD_BOUNDS}),
    Profile("save every 60 s,   queue 100,000 / 256 MiB",
            {"autosave_interval_s": 60, **OLD_BOUNDS}),
    Profile("save every 60 s,   queue  50,000 /  64 MiB (chosen)", {"autosave_interval_s": 60}),
)


@dataclass
class Publishing:
    """What the terminals saw: PUBACK times (monotonic) and reasons, shared by their threads."""
    budget_ends: float
    remaining: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked_at: list[float] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def take_one(self) -> bool:
        with self.lock:
            if self.remaining <= 0 or time.monotonic() > self.budget_ends:
                return False
            self.remaining -= 1
            return True

    def record(self, reason: str) -> None:
        with self.lock:
            self.acked_at.append(time.monotonic())
            self.reasons[reason] += 1


def connect(broker: MosquittoBroker, username: str, client_id: str,
            session_expiry: int = 0) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(username, broker.accounts.password_for(username))
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = session_expiry
    client.connect(broker.host, broker.port, keepalive=60, clean_start=False,
                   properties=properties)
    client.loop_start()
    return client


def leave_hq_session(broker: MosquittoBroker) -> None:
    """HQ's persistent session with its shared subscription, disconnected."""
    hq = connect(broker, HQ_USERNAME, HQ_CLIENT_ID, session_expiry=3600)
    granted = threading.Event()
    hq.on_subscribe = lambda *args: granted.set()
    wait_until(hq.is_connected, 10, "HQ to connect")
    hq.subscribe(HQ_EVENTS, qos=1)
    if not granted.wait(10):
        raise BenchFailed("HQ's subscription was not answered")
    hq.disconnect()
    hq.loop_stop()


def publish_as(broker: MosquittoBroker, terminal_id: str, publishing: Publishing) -> None:
    client = connect(broker, terminal_id, terminal_id)
    answered: dict[int, str] = {}
    client.on_publish = lambda _c, _u, mid, reason, _p: answered.__setitem__(mid, str(reason))
    try:
        wait_until(client.is_connected, 10, f"{terminal_id} to connect")
        while publishing.take_one():
            info = client.publish(terminal_topic(terminal_id, "events"), PAYLOAD, qos=1)
            info.wait_for_publish(PUBACK_TIMEOUT_S)
            publishing.record(answered.pop(info.mid, "no PUBACK"))
    finally:
        client.disconnect()
        client.loop_stop()


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_terminals(broker: MosquittoBroker, messages: int, budget_s: float) -> tuple[
        Publishing, int]:
    """Publish; returns what the terminals saw and the broker's peak VmRSS in KiB."""
    publishing = Publishing(time.monotonic() + budget_s, messages)
    threads = [threading.Thread(target=publish_as, args=(broker, f"T{n:02d}", publishing))
               for n in range(TERMINALS)]
    for thread in threads:
        thread.start()
    peak = 0
    pid = broker.pid or 0
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, resident_kib(pid))
        time.sleep(0.2)
    return publishing, max(peak, resident_kib(pid))


def drain_hq_session(broker: MosquittoBroker) -> int:
    """How many messages the returning HQ session receives."""
    count = [0]
    last_at = [time.monotonic()]

    def on_message(*_args: object) -> None:
        count[0] += 1
        last_at[0] = time.monotonic()

    hq = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=HQ_CLIENT_ID, protocol=mqtt.MQTTv5)
    hq.username_pw_set(HQ_USERNAME, broker.accounts.hq_password)
    hq.on_message = on_message
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    hq.connect(broker.host, broker.port, clean_start=False, properties=properties)
    hq.loop_start()
    try:
        wait_until(lambda: time.monotonic() - last_at[0] > QUIET_S, 600, "HQ's queue to drain")
    finally:
        hq.disconnect()
        hq.loop_stop()
    return count[0]


def rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def run_profile(profile: Profile, messages: int, budget_s: float) -> None:
    ids = [f"T{n:02d}" for n in range(TERMINALS)]
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="queue-bench-"))
        folder.chmod(0o755)  # the broker drops to the `mosquitto` user, which must enter it
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        broker = MosquittoBroker(folder / "broker", BrokerAccounts.generate(ids),
                                 **profile.options)
        stack.callback(broker.kill)
        broker.start()
        leave_hq_session(broker)
        started = time.monotonic()
        publishing, peak_kib = run_terminals(broker, messages, budget_s)
        elapsed = time.monotonic() - started
        broker.restart()  # graceful: the save file then holds everything queued
        saved = (broker.persistence_dir / "mosquitto.db").stat().st_size
        queued = drain_hq_session(broker)
        dropped = "Outgoing messages are being dropped" in broker.log_path.read_text()
    times = publishing.acked_at
    print(f"{profile.name}: {len(times):,} messages in {elapsed:.1f} s, "
          f"{rate(times[:SLICE]):,.0f} msg/s over the first {SLICE}, "
          f"{rate(times[-SLICE:]):,.0f} over the last {SLICE}; "
          f"PUBACK {dict(publishing.reasons)}; broker peak RSS {peak_kib / 1024:,.0f} MiB; "
          f"save file {saved / 2**20:,.0f} MiB; HQ's session then received {queued:,}"
          f"{' (broker logged dropping)' if dropped else ''}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--budget-s", type=float, default=BUDGET_S)
    arguments = parser.parse_args([] if argv is None else argv)
    print(f"{TERMINALS} terminals, {len(PAYLOAD) / 1024:.1f} KB messages, HQ's session offline")
    for profile in PROFILES:
        run_profile(profile, arguments.messages, arguments.budget_s)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
