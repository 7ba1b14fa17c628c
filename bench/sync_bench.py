"""Sync over a real Mosquitto broker on loopback, all in one run against a broker started here:

1. the broker's own QoS 1 rate (one paho publisher, one subscriber, ~10 KB messages), then HQ
   ingest through it: 200 terminals (own accounts, own topics) publish event batches of that
   size while one HqWorker (SQLite, WAL, synchronous=FULL) takes them from the shared
   subscription; timed from the first publish until every terminal's retained ack carries its
   last seq. Printed as events/s and as the ratio of ingest messages/s to the broker's rate;
2. the authorisation round trip: a terminal's SyncClient asks HQ to hold small stored-value
   debits on a card HQ knows, one request after the other (p50, p99; target p99 < 50 ms). A
   second line repeats it with TCP_NODELAY set on both clients' sockets by the bench: paho
   leaves Nagle's algorithm on, and a request sent right after the terminal's PUBACK of the
   previous answer then waits for the broker's delayed ACK (about 40 ms on Linux);
3. a 10,000-product price book (`catalogue`, scope all) pushed to 200 SyncClients, each with its
   real terminal store, in a few worker processes (bench/sync_fleet.py says why): seconds from
   the publish until every store's applied_versions() has it (target < 30 s). Connecting the
   200 clients is timed on its own line.

HQ, the broker and the 200 terminals share the build machine's 2 cores; on a real fleet each
terminal has a device to itself, so the price book's figure here is mostly this machine's CPU
applying 200 documents one core's worth at a time.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from contextlib import ExitStack
from datetime import datetime
from socket import IPPROTO_TCP, TCP_NODELAY, socket

import paho.mqtt.client as mqtt

from bench.mqtt_rig import BenchFailed, Rig, start_rig, subscribe, wait_until
from bench.sync_fleet import start_fleet
from harness.broker import BrokerAccounts
from hq.config_push import next_document, publish
from hq.service import persistent_client, session_properties
from protocol.wire import parse_ack, parse_resend, split_terminal_topic, terminal_topic
from protocol.wire_auth import AuthRequest
from terminal.store.store import open_store
from terminal.sync.client import SyncClient
from terminal.sync.settings import SyncSettings
from tests.integration.hq_feed import TerminalFeed

BASELINE_MESSAGES = 10_000
BASELINE_WINDOW = 1_000  # published but not yet acknowledged, at most (bounds paho's queue)
BASELINE_TOPIC = "hy/v1/bench/qos1"  # HQ's account may use it; no HQ worker subscribes to it
INGEST_TERMINALS = 200
BATCHES_PER_TERMINAL = 5
EVENTS_PER_BATCH = 14  # about 10 KB a batch
CARDS_PER_TERMINAL = 5
AUTH_TERMINAL, FEED_TERMINAL = "AUTH-T1", "AUTH-FEED"
AUTH_CARD = "8800000000009999"
AUTH_WARM_UP, AUTH_REQUESTS = 20, 300
AUTH_TARGET_P99_MS = 50.0
PRICE_BOOK_PRODUCTS = 10_000
PRICE_BOOK_TERMINALS = 200
PRICE_BOOK_TARGET_S = 30.0
FLEET_PROCESSES = 4  # why not one: harness/worker_processes.py
STEP_TIMEOUT_S = 60.0
START = datetime(2026, 11, 23, 9, 0)


def ingest_ids() -> list[str]:
    return [f"S{number // 4:03d}-T{number % 4}" for number in range(INGEST_TERMINALS)]


def price_book_ids() -> list[str]:
    return [f"P{number // 4:03d}-T{number % 4}" for number in range(PRICE_BOOK_TERMINALS)]


# --- 1. broker baseline and ingest through the broker ------------------------------------------


def terminal_batches(terminal_id: str, events_per_batch: int = EVENTS_PER_BATCH,
                     batches: int = BATCHES_PER_TERMINAL) -> list[bytes]:
    """The terminal's batches in seq order: each card issued and topped up, then stored-value
    sales with a top-up in every five events."""
    feed = TerminalFeed(terminal_id, START)
    cards = [f"{terminal_id}-C{number}" for number in range(CARDS_PER_TERMINAL)]
    events = []
    for card in cards:
        events += [feed.issue(card, f"M-{card}"), feed.top_up(100_000, 10_000, card_no=card)]
    while len(events) < batches * events_per_batch:
        card = cards[len(events) % CARDS_PER_TERMINAL]
        events.append(feed.top_up(5_000, card_no=card) if len(events) % 5 == 0
                      else feed.sale(1_000, 100, card_no=card))
    return [feed.batch(events[first:first + events_per_batch], datetime.now())
            for first in range(0, len(events), events_per_batch)]


def broker_rate(rig: Rig, payload: bytes, name: str = "bench") -> float:
    """Messages/s from one QoS 1 publisher to one subscriber, first publish to last delivery.
    `name` makes the clients' ids: one per measurement (a reused id takes the other over)."""
    subscriber, publisher = rig.hq_client(f"{name}-sub"), rig.hq_client(f"{name}-pub")
    received, done = [0], threading.Event()

    def on_message(client, userdata, message) -> None:
        received[0] += 1
        if received[0] == BASELINE_MESSAGES:
            done.set()

    subscriber.on_message = on_message
    subscribe(subscriber, BASELINE_TOPIC)
    window = threading.BoundedSemaphore(BASELINE_WINDOW)
    publisher.on_publish = lambda client, userdata, mid, reason_code, properties: window.release()
    started = time.perf_counter()
    for _ in range(BASELINE_MESSAGES):
        if not window.acquire(timeout=STEP_TIMEOUT_S):
            raise BenchFailed("the broker stopped acknowledging the baseline publisher")
        publisher.publish(BASELINE_TOPIC, payload, qos=1)
    if not done.wait(STEP_TIMEOUT_S):
        raise BenchFailed(f"baseline: {received[0]} of {BASELINE_MESSAGES} messages delivered")
    return BASELINE_MESSAGES / (time.perf_counter() - started)


class AckWatcher:
    """Follows the retained ack topics as HQ publishes them; `done` once every terminal's
    watermark has reached the seq expected for it."""

    def __init__(self, rig: Rig, expected: dict[str, int], client_id: str) -> None:
        self.expected = expected
        self.pending = set(expected)
        self.done = threading.Event()
        self.client = rig.hq_client(client_id)
        self.client.on_message = self._on_message
        subscribe(self.client, terminal_topic("+", "ack"))

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        terminal_id, _ = split_terminal_topic(message.topic)
        if terminal_id not in self.pending:
            return
        if parse_ack(bytes(message.payload)) >= self.expected[terminal_id]:  # paho: | bytearray
            self.pending.discard(terminal_id)
            if not self.pending:
                self.done.set()


class ResendAnswerer:
    """Publishes a terminal's batches again from the one holding the first seq HQ asks for, as
    the terminal's relay does. HQ asks when a gap opens, and stores no event from a refund it
    cannot judge yet upward (hq.ingest.refund_hold): with two hq serve processes sharing the
    subscription, one terminal's batches are often taken out of order."""

    def __init__(self, batches: dict[str, list[bytes]]) -> None:
        self.batches = batches
        self.last_seqs = {tid: [json.loads(payload)["events"][-1]["seq"] for payload in payloads]
                          for tid, payloads in batches.items()}
        self.answered = 0

    def attach(self, terminal_id: str, client: mqtt.Client) -> None:
        def on_message(client, userdata, message: mqtt.MQTTMessage) -> None:
            first, _ = parse_resend(bytes(message.payload))
            self.answered += 1
            for payload, last in zip(self.batches[terminal_id], self.last_seqs[terminal_id],
                                     strict=True):
                if last >= first:
                    client.publish(terminal_topic(terminal_id, "events"), payload, qos=1)

        client.on_message = on_message
        subscribe(client, terminal_topic(terminal_id, "resend"))


def publish_until_acknowledged(rig: Rig, batches: dict[str, list[bytes]], name: str) -> float:
    """Each terminal publishes its batches on its own connection and topic, round-robin across
    terminals, and answers HQ's resend requests; seconds from the first publish until HQ
    acknowledged every last seq."""
    last_seqs = {tid: json.loads(payloads[-1])["events"][-1]["seq"]
                 for tid, payloads in batches.items()}
    watcher = AckWatcher(rig, last_seqs, f"acks-{name}")
    # Each on its terminal id, the only client id its broker account may use.
    publishers = rig.clients(batches)
    answerer = ResendAnswerer(batches)
    for terminal_id, publisher in publishers.items():
        answerer.attach(terminal_id, publisher)
    rounds = max(len(payloads) for payloads in batches.values())
    started = time.perf_counter()
    for round_no in range(rounds):
        for terminal_id, payloads in batches.items():
            if round_no < len(payloads):
                publishers[terminal_id].publish(terminal_topic(terminal_id, "events"),
                                                payloads[round_no], qos=1)
    if not watcher.done.wait(STEP_TIMEOUT_S):
        raise BenchFailed(f"{name}: {len(watcher.pending)} terminals not acknowledged in time")
    return time.perf_counter() - started


def measure_ingest(rig: Rig) -> None:
    batches = {terminal_id: terminal_batches(terminal_id) for terminal_id in ingest_ids()}
    sample = batches[ingest_ids()[0]][-1]
    size_kb = statistics.median(len(p) for ps in batches.values() for p in ps) / 1024
    broker = broker_rate(rig, sample)
    print(f"broker qos1: {broker:,.0f} msg/s ({size_kb:.1f} KB, one publisher, one subscriber)")
    elapsed = publish_until_acknowledged(rig, batches, "ingest")
    messages = INGEST_TERMINALS * BATCHES_PER_TERMINAL
    db = rig.hq_database
    stored, dead = db.events.select().count(), db.dead_letters.select().count()
    if stored != messages * EVENTS_PER_BATCH or dead:
        raise BenchFailed(f"ingest: {stored} events stored, {dead} dead letters")
    print(f"hq ingest via broker: {messages * EVENTS_PER_BATCH / elapsed:,.0f} events/s, "
          f"{messages / elapsed:,.0f} msg/s, ratio to broker {messages / elapsed / broker:.3f} "
          f"({INGEST_TERMINALS} terminals x {BATCHES_PER_TERMINAL} batches of "
          f"{EVENTS_PER_BATCH} events, 1 worker, SQLite WAL FULL)")


# --- 2. authorisation round trip ----------------------------------------------------------------


def feed_auth_card(rig: Rig) -> None:
    """card.issued and a large card.topped_up, from another terminal, acknowledged by HQ."""
    feed = TerminalFeed(FEED_TERMINAL, START)
    events = [feed.issue(AUTH_CARD, "M-AUTH"), feed.top_up(10_000_000, card_no=AUTH_CARD)]
    publish_until_acknowledged(rig, {FEED_TERMINAL: [feed.batch(events, datetime.now())]},
                               "auth-feed")


def sync_client(rig: Rig, terminal_id: str, store_id: str) -> SyncClient:
    """A terminal's real store and sync client (not started), closed with the rig."""
    store = open_store(rig.folder / "terminals" / f"{terminal_id}.sqlite3")
    rig.stack.callback(store.close)
    settings = SyncSettings(terminal_id, rig.accounts.password_for(terminal_id),
                            store_id=store_id, port=rig.broker.port)
    return SyncClient(store, settings)


def ask_repeatedly(client: SyncClient, first: int, count: int) -> tuple[list[float], int]:
    """Round trips in ms of `count` requests one after the other; and how many were not
    approved (declined or unanswered)."""
    times_ms, refused = [], 0
    for number in range(first, first + count):
        request = AuthRequest(AUTH_TERMINAL, f"{AUTH_TERMINAL}-{number}", AUTH_CARD,
                              "stored_value", 100)
        started = time.perf_counter()
        answer = client.authorise(request)
        times_ms.append((time.perf_counter() - started) * 1000)
        refused += answer is None or not answer.approved
    return times_ms, refused


def print_round_trips(label: str, times_ms: list[float], refused: int) -> None:
    cuts = statistics.quantiles(times_ms, n=100)
    print(f"{label}: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms (target p99 < "
          f"{AUTH_TARGET_P99_MS:.0f} ms; {len(times_ms)} sequential requests, {refused} not "
          "approved)")


def set_no_delay(clients: list[mqtt.Client], on: bool) -> None:
    for client in clients:
        socket_ = client.socket()
        if isinstance(socket_, socket):  # a TCP connection (paho types it as a SocketLike)
            socket_.setsockopt(IPPROTO_TCP, TCP_NODELAY, int(on))


def measure_auth(rig: Rig) -> None:
    feed_auth_card(rig)
    client = sync_client(rig, AUTH_TERMINAL, "SH001")
    client.start()
    rig.stack.callback(client.stop)
    if not client.online.wait(STEP_TIMEOUT_S):
        raise BenchFailed("the authorising terminal did not come online")
    ask_repeatedly(client, 1, AUTH_WARM_UP)
    print_round_trips("auth round trip", *ask_repeatedly(client, 1000, AUTH_REQUESTS))
    # Diagnosis: the same with Nagle's algorithm off on both ends' sockets (paho leaves it on).
    sockets = [client.client, rig.hq_worker.client]
    set_no_delay(sockets, True)
    try:
        times_ms, refused = ask_repeatedly(client, 2000, AUTH_REQUESTS)
    finally:
        set_no_delay(sockets, False)
    print_round_trips("auth round trip, TCP_NODELAY set by the bench on the terminal's and HQ's "
                      "sockets (diagnosis)", times_ms, refused)


# --- 3. a 10,000-product price book to 200 terminals ------------------------------------------


def price_book() -> dict[str, object]:
    categories = ["饮品", "面包", "甜点", "零食", "日用品", "服务项目"]
    return {"products": [
        {"code": f"P{number:05d}", "name": f"商品{number:05d}号 {categories[number % 6]}",
         "category": categories[number % 6], "unit_price": 100 + (number * 37) % 20_000}
        for number in range(PRICE_BOOK_PRODUCTS)
    ]}


def measure_price_book(rig: Rig) -> None:
    ids = price_book_ids()
    folder = rig.folder / "fleet"
    folder.mkdir()
    fleet = start_fleet(rig.stack, folder, rig.broker.port,
                        {tid: rig.accounts.password_for(tid) for tid in ids}, FLEET_PROCESSES)
    fleet.answers()  # every store open
    where = f"{len(ids)} terminals ({FLEET_PROCESSES} processes x {len(ids) // FLEET_PROCESSES})"
    started = time.monotonic()
    online = max(fleet.ask("connect"))
    print(f"connect {where}, SyncClient on its real store: {online - started:.1f} s")
    document = next_document(rig.hq_database, "catalogue", "all", price_book(), datetime.now())
    pusher = persistent_client("bench-pusher", "hq", rig.accounts.hq_password)
    pusher.connect(rig.broker.host, rig.broker.port, clean_start=True,
                   properties=session_properties(60))
    pusher.loop_start()
    rig.stack.callback(pusher.loop_stop)
    rig.stack.callback(pusher.disconnect)
    fleet.tell("watch", document.version)  # the workers start polling their stores
    started = time.monotonic()
    publish(pusher, document)
    applied = max(fleet.answers())
    size_mb = len(document.to_bytes()) / 1e6
    print(f"price book {PRICE_BOOK_PRODUCTS} products ({size_mb:.1f} MB) to {where}: "
          f"{applied - started:.1f} s until every store applied it (target < "
          f"{PRICE_BOOK_TARGET_S:.0f} s)")
    wait_until(lambda: reported_at_hq(rig, ids, document.version) == len(ids), STEP_TIMEOUT_S,
               "every terminal's shadow at HQ to report the price book")
    print(f"price book: {time.monotonic() - started:.1f} s until HQ had every terminal's "
          "report of it (desired = reported)")


def reported_at_hq(rig: Rig, ids: list[str], version: int) -> int:
    """How many of the terminals' shadows at HQ report the catalogue's `version` applied."""
    shadows = rig.hq_database.shadows
    rows = shadows.select(shadows.reported).where(shadows.terminal_id.in_(ids))
    return sum(1 for row in rows
               if json.loads(row.reported).get("applied", {}).get("catalogue", {})
               .get("version") == version)


def main() -> None:
    terminals = [*ingest_ids(), AUTH_TERMINAL, FEED_TERMINAL, *price_book_ids()]
    with ExitStack() as stack:
        rig = start_rig(stack, BrokerAccounts.generate(terminals))
        (rig.folder / "terminals").mkdir()
        measure_ingest(rig)
        measure_auth(rig)
        measure_price_book(rig)


if __name__ == "__main__":
    main()
