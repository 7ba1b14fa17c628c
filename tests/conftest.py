"""Fixtures shared by every test folder: real components started by the tests themselves."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.broker import BrokerAccounts, MosquittoBroker
from hq.db import HqDatabase, open_database
from tests.support.mqtt import MqttTestClient
from tests.support.postgres import TempPostgres

TEST_TERMINALS = ("T1", "T2", "T3")


# --- MQTT broker ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def broker_accounts() -> BrokerAccounts:
    """Accounts for `hq` and terminals T1..T3, with passwords the tests know."""
    return BrokerAccounts(
        hq_password="hq-test-password",
        terminal_passwords={terminal: f"{terminal}-test-password" for terminal in TEST_TERMINALS},
    )


@pytest.fixture
def broker_factory(broker_accounts: BrokerAccounts) -> Iterator[Callable[..., MosquittoBroker]]:
    """Start brokers on fresh folders: `broker_factory(accounts=None, **MosquittoBroker options)`.
    Every broker is killed and its folder removed after the test."""
    started: list[MosquittoBroker] = []

    def start_broker(accounts: BrokerAccounts | None = None, **options: Any) -> MosquittoBroker:
        # Under the system temp folder: pytest's own is root's 700 and the broker drops to the
        # `mosquitto` user, which could not enter it.
        data_dir = Path(tempfile.mkdtemp(prefix="hy-broker-"))
        broker = MosquittoBroker(data_dir, accounts or broker_accounts, **options)
        started.append(broker)
        broker.start()
        return broker

    yield start_broker
    for broker in started:
        broker.kill()
        shutil.rmtree(broker.data_dir, ignore_errors=True)


@pytest.fixture
def broker(broker_factory: Callable[..., MosquittoBroker]) -> MosquittoBroker:
    """A running broker of its own for this test (start-up takes a few tens of milliseconds)."""
    return broker_factory()


@pytest.fixture
def mqtt_client_factory() -> Iterator[Callable[..., MqttTestClient]]:
    """`mqtt_client_factory(broker, username, password=None, **MqttTestClient options)`: a
    not-yet-connected blocking test client; the account's password unless one is given."""
    clients: list[MqttTestClient] = []

    def make_client(
        broker: MosquittoBroker, username: str, password: str | None = None, **options: Any
    ) -> MqttTestClient:
        if password is None:
            password = broker.accounts.password_for(username)
        client = MqttTestClient(broker.host, broker.port, username, password, **options)
        clients.append(client)
        return client

    yield make_client
    for client in clients:
        client.disconnect()


# --- Databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[TempPostgres]:
    """One throw-away PostgreSQL cluster for the whole run (about 1 s to start)."""
    with TempPostgres() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def migrated_postgres_template(postgres: TempPostgres) -> str:
    """The name of a database in the session's cluster with every HQ migration applied, to be
    copied (CREATE DATABASE ... TEMPLATE): a copy takes a fraction of the time of migrating."""
    name = "hq_migrated_template"
    open_database(postgres.create_database(name)).close()  # nobody may stay connected to it
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def hq_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """HQ's database URL, once per backend, fully migrated: a fresh SQLite file, or a fresh
    copy of the migrated template in the session's PostgreSQL cluster (started only when a
    PostgreSQL case runs). Migration tests take it back to the older schema they start from."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
        open_database(url).close()
        yield url
        return
    cluster: TempPostgres = request.getfixturevalue("postgres")
    template: str = request.getfixturevalue("migrated_postgres_template")
    name = f"hq_{uuid.uuid4().hex[:12]}"
    yield cluster.create_database(name, template=template)
    cluster.drop_database(name)


@pytest.fixture
def hq(hq_database_url: str) -> Iterator[HqDatabase]:
    """HQ's database, migrated, on each backend (tests with a worker name theirs otherwise)."""
    database = open_database(hq_database_url)
    yield database
    database.close()
