"""What the hostile-terminal tests share: a running HQ worker on the test's database (SQLite and
PostgreSQL), on HQ's clock at AT, and terminal T1 speaking MQTT 5 straight to the broker."""

from __future__ import annotations

import pytest

from tests.security.hostile_wire import AT, connected_terminal
from tests.support.hq_worker import running_hq_worker


@pytest.fixture
def worker(broker, hq_database_url, tmp_path):
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT) as running:
        yield running


@pytest.fixture
def terminal(broker, mqtt_client_factory):
    return connected_terminal(mqtt_client_factory(broker, "T1"))
