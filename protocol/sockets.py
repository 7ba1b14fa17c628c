"""Socket tuning both sides of the MQTT link use."""

from __future__ import annotations

import socket

import paho.mqtt.client as mqtt


def send_without_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    """Turn Nagle's algorithm off: paho leaves it on, and a request written while the PUBACK of
    the previous answer is unacknowledged waits ~40 ms for the broker's delayed TCP ACK
    (measured: authorisation p50 48 ms with it, 4 ms without)."""
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
