"""The sync client: its own threads, never blocking a sale (decision 4).

The relay publishes the outbox in seq order, a batch at a time at QoS 1, over a persistent MQTT
5 session; it deletes nothing itself. HQ's watermark (retained on our ack topic) prunes the
outbox; configuration documents are applied atomically and reported in the shadow. After every
reconnect the relay starts again just above the watermark: HQ stores each event once, so a batch
sent twice costs bandwidth, never money.

What is sent again is driven by HQ (issue 11): a resend request publishes the range HQ asked
for; when the watermark has not moved for the ack wait, one probe (the first batch above the
watermark and the newest unacknowledged one) goes, and the wait doubles up to a cap; at most a
window of unacknowledged batches is out at a time (terminal.sync.unacked).
"""

from __future__ import annotations

import logging
import os
import random
import sys
import threading
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from protocol.sockets import send_without_delay
from protocol.wire import (
    PREFIX,
    Ack,
    Shadow,
    WireError,
    build_event_batch,
    build_status,
    encode,
    parse_ack_message,
    parse_resend,
    terminal_topic,
)
from protocol.wire_auth import AuthRequest, AuthResponse, parse_auth_response
from protocol.wire_config import parse_config_document
from protocol.wire_pins import PIN_KEY_TOPIC, PinKey, parse_pin_key
from terminal.store.access import REBUILT_FROM_HQ_AT
from terminal.store.errors import StoreError
from terminal.sync.backoff import ReconnectBackoff
from terminal.sync.card_updates import apply_card_updates
from terminal.sync.ports import SyncStore
from terminal.sync.settings import SyncSettings
from terminal.sync.unacked import AckWait, InFlight, ResendRequests

log = logging.getLogger("terminal.sync")


class SyncClient:
    def __init__(self, store: SyncStore, settings: SyncSettings,
                 clock: Callable[[], datetime] = datetime.now,
                 printer_state: Callable[[], str] = lambda: "unknown",
                 jitter: Callable[[float, float], float] = random.uniform) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.printer_state = printer_state
        self.online = threading.Event()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._sent_up_to = 0  # highest seq the broker has acknowledged to us (PUBACK)
        self._position_lock = threading.Lock()
        # `jitter` draws each back-off wait (random.uniform); a test may pin it to the ceiling.
        self.ack_wait = AckWait(settings.ack_timeout_s, settings.ack_timeout_max_s, jitter)
        self._in_flight = InFlight()
        self._resends = ResendRequests()
        # Requests waiting for HQ's answer, by correlation data: (answered, [answer payload]).
        self._pending: dict[bytes, tuple[threading.Event, list[bytes]]] = {}
        self._pin_key: PinKey | None = None  # HQ's newest, retained on PIN_KEY_TOPIC
        self._pin_key_known = threading.Event()
        self._backoff = ReconnectBackoff(1.0, max(1.0, settings.reconnect_max_delay_s), jitter)
        self._rebuilding = threading.Lock()
        self.client = self._make_client()
        self._relay = threading.Thread(target=self._relay_loop, name="outbox-relay", daemon=True)

    def _make_client(self) -> mqtt.Client:
        settings = self.settings
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=settings.terminal_id,
                             protocol=mqtt.MQTTv5)
        client.username_pw_set(settings.terminal_id, settings.password)
        client.will_set(terminal_topic(settings.terminal_id, "status"),
                        build_status(settings.terminal_id, False, self.clock()), qos=1,
                        retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        client.on_socket_open = send_without_delay
        return client

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.settings.session_expiry_s
        self._draw_next_wait()
        self.client.connect_async(self.settings.host, self.settings.port, keepalive=30,
                                  clean_start=False, properties=properties)
        self.client.loop_start()
        self._relay.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self.online.is_set():
            self._publish_status(False)
        self.client.disconnect()
        self.client.loop_stop()
        self._relay.join(timeout=5)

    def notify(self) -> None:
        """Called after a commit: publish without waiting for the next poll."""
        self._wake.set()

    # --- connection --------------------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused %s: %s", self.settings.terminal_id, reason_code)
            return
        tid = self.settings.terminal_id
        topics = [terminal_topic(tid, kind)
                  for kind in ("ack", "resend", "auth/resp", "lookup/resp", "pin/resp",
                               "snapshot/resp", "cards")]
        topics += [f"{PREFIX}/config/all/+", f"{PREFIX}/config/terminal/{tid}/+", PIN_KEY_TOPIC]
        if self.settings.store_id:
            topics.append(f"{PREFIX}/config/store/{self.settings.store_id}/+")
        if self.settings.region:
            topics.append(f"{PREFIX}/config/region/{self.settings.region}/+")
        client.subscribe([(topic, 1) for topic in topics])
        with self._position_lock:
            self._sent_up_to = self.store.ack_watermark()
        self._in_flight.clear()
        self._resends.clear()
        self._publish_status(True)
        self._backoff.connected()
        self.online.set()
        self._wake.set()
        if self.settings.rebuild_when_new and self.store.text_setting(REBUILT_FROM_HQ_AT) is None:
            self.start_rebuild()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.online.clear()
        self._draw_next_wait()
        log.info("%s offline: %s", self.settings.terminal_id, reason_code)

    def _on_connect_fail(self, client, userdata) -> None:
        self._draw_next_wait()

    def _draw_next_wait(self) -> None:
        # paho waits its min_delay before the next attempt when its delay was reset: setting
        # both to our draw makes that wait ours, with its jitter.
        wait = self._backoff.next_wait()
        # paho annotates the delays int but only doubles, compares, adds, sleeps them: floats work.
        self.client.reconnect_delay_set(min_delay=wait, max_delay=wait)  # type: ignore[arg-type]

    def start_rebuild(self) -> bool:
        """Rebuild the store's cache from HQ on a thread of its own (terminal.sync.rebuild);
        False when one is running already."""
        if not self._rebuilding.acquire(blocking=False):
            return False
        threading.Thread(target=self._rebuild, name="rebuild-from-hq", daemon=True).start()
        return True

    def _rebuild(self) -> None:
        from terminal.sync.rebuild import rebuild_from_hq  # it builds on this client

        try:
            rebuild_from_hq(self, self.store)
        except StoreError:
            log.exception("the rebuild from HQ could not be stored")
        finally:
            self._rebuilding.release()

    def _publish_status(self, online: bool) -> None:
        self.client.publish(terminal_topic(self.settings.terminal_id, "status"),
                            build_status(self.settings.terminal_id, online, self.clock()),
                            qos=1, retain=True)

    # --- the relay ---------------------------------------------------------------------------

    def _relay_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.settings.idle_poll_s)
            self._wake.clear()
            while self.online.is_set() and not self._stopping.is_set():
                if not (self._publish_resent_batch() or self._publish_next_batch()):
                    break
            if self.online.is_set():
                self._probe_if_unacknowledged()

    def _probe_if_unacknowledged(self) -> None:
        """No watermark progress for the ack wait while batches are out: publish the first batch
        above the watermark (it fills the gap if HQ lacks it; if HQ has the rest, its watermark
        jumps) and the newest batch out (HQ then asks for every gap below it), then wait longer.
        Never the whole backlog: while HQ is only slow, copies would queue in front of it. The
        probe is needed because a batch can reach a dead worker's shared-subscription session
        (Mosquitto keeps routing to it); when it is the last one, nothing later shows HQ the gap."""
        watermark = self.store.ack_watermark()
        with self._position_lock:
            position = self._sent_up_to
        if position <= watermark:
            self.ack_wait.idle()
            return
        if not self.ack_wait.due():
            return
        first = self._publish_range(watermark, position)
        newest = self._in_flight.newest()
        if first is not None and newest is not None and newest[0] > first:
            self._publish_range(newest[0] - 1, newest[1])
        self.ack_wait.probed()
        log.info("%s: no acknowledgement above seq %d (sent up to %d): probed, next in %.1f s",
                 self.settings.terminal_id, watermark, position, self.ack_wait.wait_s)

    def _publish_resent_batch(self) -> bool:
        """Publish the next batch of a range HQ asked for; False when none is waiting. Seqs above
        the relay's position are left to it: they have not been sent yet."""
        asked = self._resends.next_range()
        if asked is None:
            return False
        after, last = asked
        after = max(after, self.store.ack_watermark())
        with self._position_lock:
            up_to = min(last, self._sent_up_to)
        published = self._publish_range(after, up_to) if after < up_to else None
        # Not published (offline, or nothing left to send): the probe covers what HQ lacks.
        self._resends.advance(last if published is None else published)
        return True

    def _publish_next_batch(self) -> bool:
        """Publish the next new batch; False when there is none, or when a window of batches is
        out unacknowledged (the events wait in the outbox until HQ catches up)."""
        if self._in_flight.count() >= self.settings.max_unacked_batches:
            return False
        with self._position_lock:
            after = self._sent_up_to
        last = self._publish_range(after, sys.maxsize)
        if last is None:
            return False
        with self._position_lock:
            # A reconnect may have moved the position back to the watermark meanwhile: keep it.
            if self._sent_up_to == after:
                self._sent_up_to = last
                self._in_flight.published(after + 1, last)
        return True

    def _publish_range(self, after: int, up_to: int) -> int | None:
        """Publish the outbox's next batch above seq `after` (none above `up_to`) and wait for
        its PUBACK: the batch's last seq, or None when there is nothing or it did not go."""
        try:
            events = [event for event in self.store.outbox_batch(after, self.settings.batch_size)
                      if event.seq <= up_to]
        except StoreError:
            log.exception("cannot read the outbox")
            return None
        if not events:
            return None
        payload = build_event_batch(self.settings.terminal_id,
                                    [event.to_wire() for event in events], self.clock())
        info = self.client.publish(terminal_topic(self.settings.terminal_id, "events"), payload,
                                   qos=1)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            return None
        info.wait_for_publish(timeout=self.settings.publish_timeout_s)
        return events[-1].seq if info.is_published() else None

    # --- messages from HQ --------------------------------------------------------------------

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        kind = message.topic.rsplit("/", 1)[-1]
        payload = bytes(message.payload)  # paho types it bytes | bytearray; it is bytes
        try:
            if message.topic == PIN_KEY_TOPIC:
                self._on_pin_key(parse_pin_key(payload))
            elif message.topic.startswith(f"{PREFIX}/config/"):
                self._apply_config(payload)
            elif kind == "ack":
                self._on_ack(parse_ack_message(payload))
            elif kind == "resend":
                self._on_resend(*parse_resend(payload))
            elif kind == "resp":
                self._on_response(message)
            elif kind == "cards":
                apply_card_updates(self.store, payload)
        except (WireError, StoreError) as error:
            # A bad message from HQ must not stop the terminal selling; it is logged and dropped.
            log.warning("ignored %s: %s", message.topic, error)

    def _on_ack(self, ack: Ack) -> None:
        watermark = ack.watermark
        progressed = watermark > self.store.ack_watermark()
        # Before the prune: the outbox still names each quarantined event's operation.
        for notice in self.store.note_quarantined(ack.quarantined):
            log.warning("HQ quarantined event seq %d (%s %s): %s", notice.seq,
                        notice.event_type or "?", notice.op_id or "?", notice.reason)
        self.store.prune_outbox(watermark)
        if progressed:
            self.ack_wait.progressed()
            self._in_flight.acknowledged(watermark)
            self._wake.set()  # the window may have room again
        self.publish_shadow()

    def _on_resend(self, first: int, last: int) -> None:
        # Asked again within the ack wait: the first copy may still be queued in front of HQ.
        if self._resends.ask(first, last, within_s=self.ack_wait.wait_s):
            self._wake.set()

    def _apply_config(self, payload: bytes) -> None:
        document = parse_config_document(payload)
        outcome = self.store.apply_config(document.name, document.scope, document.version,
                                          document.body)
        log.info("config %s v%s from %s: %s", document.name, document.version, document.scope,
                 outcome)
        self.publish_shadow()

    def publish_shadow(self) -> None:
        shadow = Shadow(self.settings.terminal_id, self.settings.app_version,
                        self.store.applied_versions(), self.store.outbox_depth(),
                        self.store.ack_watermark(), self.printer_state(), self.clock())
        self.client.publish(terminal_topic(self.settings.terminal_id, "shadow"),
                            encode(shadow.to_json()), qos=1, retain=True)

    # --- requests to HQ (MQTT 5 request/response) ---------------------------------------------

    def request(self, kind: str, payload: bytes, timeout: float) -> bytes | None:
        """Publish `payload` on our `<kind>/req` topic (kind: auth, lookup, pin) with the
        response topic `<kind>/resp` and fresh correlation data, and wait for HQ's answer: its
        payload, or None when offline or not answered within `timeout` s. Call from a worker
        thread, never the UI thread."""
        if not self.online.is_set():
            return None
        correlation = os.urandom(16)
        answered = threading.Event()
        answer: list[bytes] = []
        self._pending[correlation] = (answered, answer)
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = terminal_topic(self.settings.terminal_id, f"{kind}/resp")
        properties.CorrelationData = correlation
        try:
            info = self.client.publish(terminal_topic(self.settings.terminal_id, f"{kind}/req"),
                                       payload, qos=1, properties=properties)
            if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                answered.wait(timeout)
        finally:
            self._pending.pop(correlation, None)
        return answer[0] if answer else None

    def _on_response(self, message: mqtt.MQTTMessage) -> None:
        correlation = getattr(getattr(message, "properties", None), "CorrelationData", None)
        waiting = self._pending.get(correlation) if correlation else None
        if waiting is None:
            return  # an answer that came after its time-out
        answered, answer = waiting
        answer.append(bytes(message.payload))
        answered.set()

    def authorise(self, request: AuthRequest) -> AuthResponse | None:
        """Ask HQ to hold the amount; None when offline or no answer in time (then the offline
        limits apply). Call from a worker thread, never the UI thread."""
        payload = self.request("auth", request.to_bytes(), self.settings.auth_timeout_s)
        if payload is None:
            return None
        try:
            return parse_auth_response(payload)
        except WireError as error:
            log.warning("ignored an authorisation answer: %s", error)
            return None

    # --- HQ's key for sealing member PINs ------------------------------------------------------

    def _on_pin_key(self, key: PinKey) -> None:
        # The broker delivers the retained key on every subscribe, then each new one: the last
        # received is HQ's current key.
        self._pin_key = key
        self._pin_key_known.set()

    def pin_key(self, timeout: float = 0.0) -> PinKey | None:
        """HQ's newest public key for sealing PINs, waiting up to `timeout` s for the retained
        copy after connecting; None when none has come."""
        self._pin_key_known.wait(timeout)
        return self._pin_key
