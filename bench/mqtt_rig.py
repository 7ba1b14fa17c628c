"""What bench/sync_bench.py runs against: a real Mosquitto broker on loopback, one HQ worker on
SQLite, and plain paho MQTT 5 clients. Everything started is registered on an ExitStack, so it
is stopped (clients, worker, database, broker) and its folder removed even when a step fails."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from harness.broker import HQ_USERNAME, BrokerAccounts, MosquittoBroker
from hq.db import HqDatabase, open_database
from hq.service import HqWorker
from hq.settings import HqSettings

CONNECT_TIMEOUT_S = 60.0


class BenchFailed(RuntimeError):
    """A step did not finish in its time (the message says which)."""


def wait_until(condition: Callable[[], bool], timeout: float, what: str,
               period: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise BenchFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(period)


@dataclass
class Rig:
    stack: ExitStack
    folder: Path
    broker: MosquittoBroker
    db: HqDatabase | None = None  # None: the bench runs its own HQ workers
    worker: HqWorker | None = None

    @property
    def accounts(self) -> BrokerAccounts:
        return self.broker.accounts

    @property
    def hq_database(self) -> HqDatabase:
        """The database of the rig's own HQ worker (start_rig with with_worker)."""
        if self.db is None:
            raise BenchFailed("this rig runs no HQ worker of its own")
        return self.db

    @property
    def hq_worker(self) -> HqWorker:
        if self.worker is None:
            raise BenchFailed("this rig runs no HQ worker of its own")
        return self.worker

    def clients(self, usernames: Iterable[str], suffix: str = "") -> dict[str, mqtt.Client]:
        """Connected MQTT 5 clients, one per account (client id: username + suffix; a terminal
        account may connect only with its own id, so no suffix for terminals), each with
        its own network thread; disconnected when the rig closes."""
        clients = {name: self.client(name, f"{name}{suffix}", connect=False)
                   for name in usernames}
        connected = {name: threading.Event() for name in clients}
        for name, client in clients.items():
            client.on_connect = _flag_on_success(connected[name])
            client.connect_async(self.broker.host, self.broker.port, keepalive=60)
            client.loop_start()
        wait_until(lambda: all(event.is_set() for event in connected.values()),
                   CONNECT_TIMEOUT_S, f"{len(clients)} MQTT clients to connect")
        return clients

    def client(self, username: str, client_id: str, connect: bool = True) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv5)
        client.username_pw_set(username, self.accounts.password_for(username))
        self.stack.callback(_disconnect, client)
        if connect:
            client.connect(self.broker.host, self.broker.port, keepalive=60)
            client.loop_start()
        return client

    def hq_client(self, client_id: str) -> mqtt.Client:
        return self.client(HQ_USERNAME, client_id)


def _flag_on_success(event: threading.Event) -> Callable[..., None]:
    def on_connect(client, userdata, flags, reason_code, properties) -> None:
        if not reason_code.is_failure:
            event.set()
    return on_connect


def _disconnect(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()


def subscribe(client: mqtt.Client, topic: str, timeout: float = 10.0) -> None:
    """Subscribe at QoS 1 and wait for the SUBACK (refused: BenchFailed)."""
    answered = threading.Event()
    granted: list[bool] = []

    def on_subscribe(client, userdata, mid, reason_codes, properties) -> None:
        granted.append(all(not code.is_failure for code in reason_codes))
        answered.set()

    client.on_subscribe = on_subscribe
    client.subscribe(topic, qos=1)
    if not answered.wait(timeout) or not granted[0]:
        raise BenchFailed(f"subscription to {topic} not granted")


BENCH_QUEUE_MESSAGES = 1_000_000
BENCH_QUEUE_BYTES = 2 * 1024**3


def start_rig(stack: ExitStack, accounts: BrokerAccounts, with_worker: bool = True) -> Rig:
    """Broker and HQ worker (unless `with_worker` is False) in a fresh folder under the system
    temp folder (0o755: the broker drops to the `mosquitto` user, which must be able to enter
    it)."""
    folder = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    folder.chmod(0o755)
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    # The production broker's settings (saved every 60 s: docs/operations.md), but for HQ's
    # queue bound: the bench's publishers send their whole share at once, with no window of
    # unacknowledged batches as terminals keep (terminal.sync.unacked), so the bound sized for
    # a fleet of windowed terminals would drop what the bench counts on.
    broker = MosquittoBroker(folder / "broker", accounts, max_queued_messages=BENCH_QUEUE_MESSAGES,
                             max_queued_bytes=BENCH_QUEUE_BYTES)
    stack.callback(broker.kill)  # after stop() below, a no-op; alone (stop failed), a kill
    broker.start()
    stack.callback(broker.stop)
    if not with_worker:
        return Rig(stack, folder, broker)
    url = f"sqlite:///{folder / 'hq.sqlite3'}"
    db = open_database(url)
    stack.callback(db.close)
    settings = HqSettings(broker_port=broker.port, broker_password=accounts.hq_password,
                          database_url=url, worker_id="hq-bench-1", data_dir=str(folder / "hq"))
    worker = HqWorker(settings, db)
    stack.callback(worker.stop)
    worker.start()
    if not worker.connected.wait(CONNECT_TIMEOUT_S):
        raise BenchFailed("the HQ worker did not connect")
    return Rig(stack, folder, broker, db, worker)
