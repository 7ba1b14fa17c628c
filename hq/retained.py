"""Retained messages on a terminal's event and request topics are refused, and cleared.

The broker keeps a retained message and hands it to every later subscriber of its topic: on an
event or request topic it is a replay lying in wait. Measured on Mosquitto 2.0.11, that includes
a new shared subscription (MQTT 5 says it should not): every HQ worker, each time it starts,
was handed a terminal's retained event batch and stored it. Mosquitto 2.0's dynamic-security
roles cannot refuse the retain flag, so HQ does: it subscribes with retain-as-published, which
shows it the flag on every message, dead-letters a retained action instead of handling it, and
clears the broker's copy with an empty retained message on the same topic. That empty message
comes back to HQ's own subscription and is dropped here. A terminal retains only its status and
shadow, which are state (the newest wins), not actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from paho.mqtt.client import MQTTMessage
from paho.mqtt.subscribeoptions import SubscribeOptions

log = logging.getLogger("hq.retained")

RETAIN_ALLOWED_KINDS = frozenset({"status", "shadow"})
RETAINED_REASON = "retained"


class DeadLetters(Protocol):
    def record_dead_letter(self, topic: str, payload: bytes, reason: str, detail: str,
                           received_at: datetime) -> None: ...


# publish(topic, payload): retained, QoS 1, without waiting for the broker's PUBACK.
RetainedPublish = Callable[[str, bytes], object]


def subscription_options(qos: int = 1) -> SubscribeOptions:
    """QoS 1 (or `qos`), and the retain flag kept as the terminal set it."""
    return SubscribeOptions(qos=qos, retainAsPublished=True)


def refused_as_retained(message: MQTTMessage, kind: str, dead_letters: DeadLetters,
                        publish_retained: RetainedPublish, now: datetime) -> bool:
    """True when `message` (of a terminal's `kind`) is a retained action, now dead-lettered and
    its retained copy cleared, or the empty message that cleared one: not to be handled."""
    if not message.retain or kind in RETAIN_ALLOWED_KINDS:
        return False
    if not message.payload:
        return True  # our own clearing, come back through the shared subscription
    dead_letters.record_dead_letter(
        message.topic, bytes(message.payload), RETAINED_REASON,
        f"a terminal may not retain {kind} messages; the retained copy was cleared", now)
    publish_retained(message.topic, b"")
    log.warning("refused and cleared a retained message on %s", message.topic)
    return True
