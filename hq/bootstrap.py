"""One place that wires HQ's parts from its settings; tests call it with their own settings."""

from __future__ import annotations

from pathlib import Path

import paho.mqtt.client as mqtt

from hq.config_push import ConfigPushError
from hq.db import HqDatabase, open_database
from hq.service import persistent_client, session_properties
from hq.settings import HqSettings

CONNECT_TIMEOUT_S = 10.0


def open_hq_database(settings: HqSettings) -> HqDatabase:
    return open_database(settings.database_url or None, Path(settings.data_dir))


def connect_client(settings: HqSettings, client_id: str) -> mqtt.Client:
    """A connected client with its network loop running, for one-off publishing."""
    client = persistent_client(client_id, settings.broker_username, settings.broker_password)
    connected = client.connect(settings.broker_host, settings.broker_port, keepalive=30,
                               clean_start=True, properties=session_properties(60))
    if connected != mqtt.MQTT_ERR_SUCCESS:
        raise ConfigPushError(f"cannot reach the broker at {settings.broker_host}:"
                              f"{settings.broker_port}")
    client.loop_start()
    return client
