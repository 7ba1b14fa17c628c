"""`hq serve`: one HQ worker on the broker. Several may run against one database; the shared
subscription splits the terminals' messages between them.

Every message is acknowledged (manual PUBACK) only after the database committed it, so a worker
killed mid-batch leaves the broker to redeliver the batch to another worker or to itself on
restart; ingest is idempotent, so nothing doubles.

Event batches are stored by group commit (issue 11): paho's network thread queues them for the
ingest thread (hq.ingest_queue), which stores what is queued, up to `ingest_group_max` batches,
in ONE write transaction, each batch in a savepoint (hq.ingest.group), then publishes each
batch's ack and resend ranges and only then acknowledges each message. A commit (a disk flush)
is paid per group, not per message. Everything else (authorisations, lookups, PINs, snapshots,
shadows, statuses) is handled on the network thread as it arrives, between the groups' commits,
so a request does not wait behind the queued batches. Killed between a group's commit and its
acknowledgements, the worker leaves the broker to deliver the group again: stored already, it
is acknowledged as duplicates (tests/integration/test_group_commit_faults.py).

A batch that changed a card's status refreshes the blacklist at once; one that used a coupon asks
for a `coupons_used` refresh, which runs at most once per `coupons_used_interval_s`
(hq.coalescing): a refresh put off runs on a timer thread at the end of the interval.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

import paho.mqtt.client as mqtt
import peewee
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hq.authority import Authority
from hq.card_documents import BLACKLIST, CARD_DOCUMENTS, refresh_card_documents
from hq.card_updates import push_card_updates
from hq.coalescing import Cancellable, Coalescer, start_timer
from hq.config_push import latest_documents
from hq.db import HqDatabase
from hq.errors import HqError
from hq.fault_injection import exit_after_commits
from hq.hold_limits import HoldLimits
from hq.ingest import Ingestor, IngestResult
from hq.ingest.group import RETRY_PAUSES_S, STORAGE_UNAVAILABLE, EventsMessage, GroupIngest
from hq.ingest_queue import IngestQueue
from hq.jobs import scheduled_jobs
from hq.member_lookup import MemberLookup
from hq.pin_secrets import PinSecrets, load_pin_secrets
from hq.pins import PinAuthority
from hq.retained import refused_as_retained, subscription_options
from hq.settings import HqSettings
from hq.snapshots import StoreSnapshots
from hq.stores import StoreZones
from hq.times import utc_now
from hq.write_turns import WriteTurns
from membership.config_documents import COUPONS_USED
from membership.gift_stock import GIFT_EVENT, GIFT_STOCK
from protocol.sockets import send_without_delay
from protocol.wire import PREFIX, build_ack, build_resend, split_terminal_topic, terminal_topic
from protocol.wire_config import ConfigDocument
from protocol.wire_pins import PIN_KEY_TOPIC

log = logging.getLogger("hq.service")
# The ingest thread is busy with Python work while the network thread answers a request; the
# request gives up the GIL at every database call and waits up to the switch interval to get it
# back (5 ms by default): a request of a few dozen calls waited 100 ms and more behind a group.
GIL_SWITCH_INTERVAL_S = 0.0005
SUBSCRIBED_KINDS = ("events", "shadow", "status", "auth/req", "lookup/req", "pin/req",
                    "snapshot/req")


def persistent_client(client_id: str, username: str, password: str) -> mqtt.Client:
    """An MQTT 5 client whose session outlives restarts (decision 4; docs/protocol.md)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5, manual_ack=True)
    client.username_pw_set(username, password)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    client.on_socket_open = send_without_delay
    return client


def session_properties(expiry_s: int) -> Properties:
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = expiry_s
    return properties


class HqWorker:
    def __init__(self, settings: HqSettings, db: HqDatabase,
                 clock: Callable[[], datetime] = utc_now,
                 pin_secrets: PinSecrets | None = None) -> None:
        """Without `pin_secrets`, the pepper and key pair come from (or are made in) the
        settings' data_dir (hq.pin_secrets)."""
        self.settings = settings
        self.db = db
        self.zones = StoreZones(db, settings.default_time_zone)
        self.ingestor = Ingestor(db, settings.max_clock_skew_s, zones=self.zones)
        self.authority = Authority(db, settings.hold_seconds, clock, HoldLimits(
            settings.hold_max_active, settings.hold_max_total_fen), self.zones)
        self.lookup = MemberLookup(db, clock, self.zones)
        self.snapshots = StoreSnapshots(db, self.lookup, clock)
        self.pins = PinAuthority(db, pin_secrets or load_pin_secrets(settings), clock)
        self.clock = clock
        self.connected = threading.Event()
        self.coupons_used_refresh = Coalescer(self._refresh_coupons_used,
                                              settings.coupons_used_interval_s,
                                              schedule=self._start_refresh_timer)
        self.write_turns = WriteTurns(enabled=db.is_sqlite, lock_path=db.sqlite_path)
        self.group_ingest = GroupIngest(db, self.ingestor, clock, turn=self.write_turns.ingest,
                                        should_yield=self.write_turns.request_waiting)
        # The ingest thread's own connection (Peewee keeps one per thread) closes as it ends.
        self.ingest_queue: IngestQueue[mqtt.MQTTMessage, IngestResult | None] = IngestQueue(
            self._store_group, self._finish_group, settings.ingest_group_max,
            settings.ingest_group_wait_ms / 1000, on_exit=db.close)
        self._after_commit = exit_after_commits()  # a no-op unless a fault test asks
        self.client = persistent_client(settings.worker_id, settings.broker_username,
                                        settings.broker_password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=settings.reconnect_max_delay_s)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_connect_fail = self._on_connect_fail
        # The daily jobs (hq.jobs); their thread's own connection closes as it ends.
        self.jobs = scheduled_jobs(settings, db, self._push_card_updates, clock)

    def start(self) -> None:
        """Connect and run the network loop in a background thread."""
        self.ingest_queue.start()
        self.client.connect_async(self.settings.broker_host, self.settings.broker_port,
                                  keepalive=30, clean_start=False,
                                  properties=session_properties(self.settings.session_expiry_s))
        self.client.loop_start()

    def serve_forever(self) -> None:
        """Run until stopped. A broker that is down (or not up yet) is waited for: paho tries
        again with its back-off (1 s doubling to `reconnect_max_delay_s`) rather than the
        worker exiting, so a worker restarted during a broker outage serves once it is back.
        The network loop runs in paho's own thread (loop_start runs loop_forever with that
        retry): publishing and acknowledging from the ingest and timer threads is then only
        queued for it, never written to the socket by two threads at once."""
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self.start()
        try:
            threading.Event().wait()  # until the process is stopped
        finally:
            self.stop()

    def stop(self) -> None:
        if self.jobs is not None:
            self.jobs.stop()
        self.ingest_queue.stop()  # the group under way commits and is acknowledged
        self.coupons_used_refresh.stop()
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        group = self.settings.share_group
        client.subscribe([(f"$share/{group}/{PREFIX}/t/+/{kind}",
                           subscription_options(qos=0 if kind.endswith("/req") else 1))
                          for kind in SUBSCRIBED_KINDS])
        log.info("worker %s connected", self.settings.worker_id)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # Ready only once the broker confirmed the subscriptions (SUBACK), not at CONNACK.
        if all(not code.is_failure for code in reason_codes):
            self._republish_configuration()  # a crashed broker may have lost its retained copy
            self._refresh_card_documents()  # limits set while no worker ran, for instance
            self.client.publish(PIN_KEY_TOPIC, self.pins.secrets.pin_key(self.clock()).to_bytes(),
                                qos=1, retain=True)
            if self.jobs is not None:
                self.jobs.start()  # once connected: what a job changes goes out at once
            self.connected.set()
        else:
            log.error("broker refused a subscription: %s", reason_codes)

    def _republish_configuration(self) -> None:
        try:
            documents = latest_documents(self.db)
        except (HqError, peewee.DatabaseError) as error:
            log.error("could not read the configuration to publish it again: %s", error)
            return
        for document in documents:
            self.client.publish(document.topic, document.to_bytes(), qos=1, retain=True)

    def _on_connect_fail(self, client, userdata) -> None:
        log.warning("worker %s cannot reach the broker at %s:%d; trying again",
                    self.settings.worker_id, self.settings.broker_host, self.settings.broker_port)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        level = logging.WARNING if reason_code.is_failure else logging.INFO
        log.log(level, "worker %s disconnected: %s", self.settings.worker_id, reason_code)

    def _on_message(self, client: mqtt.Client, userdata, message: mqtt.MQTTMessage) -> None:
        """No message can stop HQ: each is handled, or dead-lettered, then acknowledged. Only
        when not even its dead letter can be written (the database is down) is it left
        unacknowledged, for the broker to deliver again when the session resumes. Event
        batches go to the ingest thread (group commit), which acknowledges them."""
        if self._is_events(message):
            self.ingest_queue.put(message)
            return
        with self.write_turns.request():  # before the ingest's next batch (hq.write_turns)
            handled = self._handled_or_dead_lettered(message)
        if handled:
            client.ack(message.mid, message.qos)

    @staticmethod
    def _is_events(message: mqtt.MQTTMessage) -> bool:
        """A terminal's event batch; a retained one is refused on the network thread."""
        try:
            _, kind = split_terminal_topic(message.topic)
        except ValueError:
            return False
        return kind == "events" and not message.retain

    def _store_group(self, messages: Sequence[mqtt.MQTTMessage]) -> list[IngestResult | None]:
        return self.group_ingest.store([EventsMessage(message.topic, bytes(message.payload))
                                        for message in messages])

    def _finish_group(self, messages: Sequence[mqtt.MQTTMessage],
                      results: Sequence[IngestResult | None]) -> None:
        """After the group's commit: every answer published, then every message acknowledged
        (a batch whose dead letter could not be stored, None, is neither), then the refreshes
        the group asked for."""
        self._after_commit()
        done = [(message, result) for message, result in zip(messages, results, strict=True)
                if result is not None]
        for message, result in done:
            terminal_id, _ = split_terminal_topic(message.topic)
            self._answer_events(terminal_id, result)
        for message, _ in done:
            self.client.ack(message.mid, message.qos)
        if any(result.card_events for _, result in done):
            self._refresh_card_documents((BLACKLIST,))
        # A gift redemption changes the gift stock; its type's text in the batch is enough to
        # ask (a refresh that finds nothing changed publishes nothing).
        if any(result.coupon_uses for _, result in done) or any(
                GIFT_EVENT.encode() in message.payload for message, _ in done):
            self.coupons_used_refresh.request()

    def _handled_or_dead_lettered(self, message: mqtt.MQTTMessage) -> bool:
        for pause_s in (*RETRY_PAUSES_S, None):
            try:
                self._route(message)
                return True
            except STORAGE_UNAVAILABLE as error:
                log.warning("could not store %s (%s)", message.topic, error)
                last_error: Exception = error
                self.db.drop_connection()  # after a database restart: a new one next try
            except peewee.DatabaseError as error:
                # The database refused this message's data (a constraint): trying again would
                # fail forever and block the terminal, so it goes to the dead letters.
                log.error("database refused %s: %s", message.topic, error)
                return self._dead_letter(message, "storage_refused", error)
            except Exception as error:  # the last line: no payload may stop HQ (decision 11)
                log.exception("handling %s failed", message.topic)
                return self._dead_letter(message, "handling_failed", error)
            if pause_s is not None:
                time.sleep(pause_s)
        return self._dead_letter(message, "retries_exhausted", last_error)

    def _dead_letter(self, message: mqtt.MQTTMessage, reason: str, error: Exception) -> bool:
        """True when the dead letter is stored (the message may be acknowledged)."""
        try:
            self.db.record_dead_letter(message.topic, bytes(message.payload), reason,
                                       f"{type(error).__name__}: {error}"[:500], self.clock())
        except (*STORAGE_UNAVAILABLE, peewee.DatabaseError) as failure:
            log.error("could not dead-letter %s (%s); it will be delivered again",
                      message.topic, failure)
            return False
        return True

    def _route(self, message: mqtt.MQTTMessage) -> None:
        now = self.clock()
        try:
            _, kind = split_terminal_topic(message.topic)
        except ValueError:
            return
        if refused_as_retained(message, kind, self.db, self._publish_retained, now):
            return
        # paho types a payload bytes | bytearray; a received one is bytes, which bytes() returns
        # as it is (no copy).
        payload = bytes(message.payload)
        # Event batches never come here (_on_message queues them), but a retained one, refused
        # above.
        if kind == "shadow":
            self.ingestor.handle_shadow(message.topic, payload, now)
        elif kind == "status":
            self.ingestor.handle_status(message.topic, payload, now)
        elif kind == "auth/req":
            answer = self.authority.handle_request(message.topic, payload, now)
            self._respond(message, answer.to_bytes() if answer else None)
        elif kind == "lookup/req":
            found = self.lookup.handle_request(message.topic, payload, now)
            self._respond(message, found.to_bytes() if found else None)
        elif kind == "pin/req":
            checked = self.pins.handle_request(message.topic, payload, now)
            self._respond(message, checked.to_bytes() if checked else None)
        elif kind == "snapshot/req":
            page = self.snapshots.handle_request(message.topic, payload, now)
            self._respond(message, page.to_bytes() if page else None)

    def _answer_events(self, terminal_id: str, result: IngestResult) -> None:
        if result.dead_letter_reason is not None:
            return
        now = self.clock()
        self.client.publish(terminal_topic(terminal_id, "ack"),
                            build_ack(terminal_id, result.watermark, now, result.quarantined),
                            qos=1, retain=True)
        for first, last in result.resend:
            self.client.publish(terminal_topic(terminal_id, "resend"),
                                build_resend(terminal_id, first, last), qos=1)

    def _refresh_coupons_used(self) -> None:
        if not self._refresh_card_documents((COUPONS_USED, GIFT_STOCK)):
            # Nothing else may come to ask again for hours: try again after the interval.
            self.coupons_used_refresh.request()

    def _start_refresh_timer(self, delay_s: float, run: Callable[[], None]) -> Cancellable:
        def run_then_close() -> None:
            try:
                run()
            finally:
                self.db.close()  # this timer thread's own connection: the thread ends here

        return start_timer(delay_s, run_then_close)

    def _refresh_card_documents(self, names: tuple[str, ...] = CARD_DOCUMENTS) -> bool:
        """Publish a changed blacklist, offline limits or coupons used. A failure here must not
        hold up the batch (it is committed already): it is logged, and the next such batch or
        start-up refreshes again from the tables. False when it failed."""
        try:
            refresh_card_documents(self.db, self._publish_document, self.clock(), names)
        except (HqError, peewee.DatabaseError) as error:
            log.error("could not refresh %s: %s", ", ".join(names), error)
            return False
        return True

    def _push_card_updates(self, card_nos: Sequence[str]) -> None:
        """Cards a job changed: their records to the terminals that hold them (queued by
        paho while the broker is away, QoS 1)."""
        def send(topic: str, payload: bytes) -> None:
            self.client.publish(topic, payload, qos=1)

        push_card_updates(self.db, self.lookup, send, card_nos, self.clock())

    def _publish_retained(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1, retain=True)

    def _publish_document(self, document: ConfigDocument) -> None:
        # On the network thread: queue it (retained, QoS 1); waiting for PUBACK here would block
        # the loop that receives the PUBACK.
        self.client.publish(document.topic, document.to_bytes(), qos=1, retain=True)
        log.info("published %s v%d to %s", document.name, document.version, document.scope)

    def _respond(self, message: mqtt.MQTTMessage, answer: bytes | None) -> None:
        """Answer a request on its MQTT 5 response topic with its correlation data; a request
        that got no answer (a dead letter) or names no response topic is left unanswered. The
        response topic must be the requesting terminal's own `<kind>/resp`: HQ may publish
        anywhere, and must not be made to publish on another terminal's topics (decision 8)."""
        request_properties = getattr(message, "properties", None)
        response_topic = getattr(request_properties, "ResponseTopic", None)
        if answer is None or not response_topic:
            return
        if response_topic != message.topic.removesuffix("/req") + "/resp":
            log.warning("no answer to %s: response topic %.80r is not its own", message.topic,
                        response_topic)
            return
        properties = Properties(PacketTypes.PUBLISH)
        correlation = getattr(request_properties, "CorrelationData", None)
        if correlation is not None:
            properties.CorrelationData = correlation
        result = self.client.publish(response_topic, answer, qos=1, properties=properties)
        if result.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            log.warning("answer on %s not sent: %s", response_topic, result.rc)
