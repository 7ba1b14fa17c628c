"""Configuration documents (decision 7): HQ stores each new version, publishes it retained on its
scope's topic, and compares what each terminal should have (desired) with what its shadow says
it applied (reported)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from peewee import fn

from hq.db import HqDatabase
from hq.errors import HqError
from hq.times import aware_time, stored_time
from protocol.wire import MAX_CONFIG_BYTES, WireError, config_topic
from protocol.wire_config import ConfigDocument, scope_rank

PUBLISH_TIMEOUT_S = 30.0


class ConfigPushError(HqError):
    """A document that cannot be published (bad scope, too large, broker refused)."""


def next_document(db: HqDatabase, name: str, scope: str, body: dict[str, Any],
                  now: datetime) -> ConfigDocument:
    """Store the next version of `name` for `scope` and return it (not yet published)."""
    try:
        config_topic(scope, name)
    except WireError as error:
        raise ConfigPushError(f"scope {scope!r} is not all, region:R, store:S or terminal:T"
                              ) from error
    rows = db.config_documents
    with db.write_transaction():
        latest = (rows.select(fn.MAX(rows.version))
                  .where((rows.name == name) & (rows.scope == scope)).scalar()) or 0
        document = ConfigDocument(name, scope, latest + 1, body, aware_time(now))
        if len(document.to_bytes()) > MAX_CONFIG_BYTES:
            raise ConfigPushError(f"{name}: larger than {MAX_CONFIG_BYTES} bytes")
        rows.insert(name=name, scope=scope, version=document.version,
                    body=json.dumps(body, ensure_ascii=False),
                    published_at=stored_time(now)).execute()
    return document


def publish(client: mqtt.Client, document: ConfigDocument) -> None:
    """Publish retained at QoS 1 and wait for the broker's PUBACK."""
    info = client.publish(document.topic, document.to_bytes(), qos=1, retain=True)
    info.wait_for_publish(timeout=PUBLISH_TIMEOUT_S)
    if not info.is_published():
        raise ConfigPushError(f"the broker did not accept {document.topic}")


@dataclass(frozen=True)
class ConfigState:
    terminal_id: str
    name: str
    desired_scope: str
    desired_version: int
    reported_version: int | None

    @property
    def in_sync(self) -> bool:
        return self.reported_version == self.desired_version


def desired_documents(db: HqDatabase, terminal_id: str, claimed_store: str = ""
                      ) -> dict[str, tuple[str, int]]:
    """For each document name: the (scope, version) this terminal should have applied. The
    store is HQ's registration of the terminal, else `claimed_store` (a new terminal's word)."""
    terminal = db.terminals.get_or_none(db.terminals.id == terminal_id)
    scopes = {"all", f"terminal:{terminal_id}"}
    if terminal is not None:
        scopes |= {f"store:{terminal.store_id}", f"region:{terminal.region}"}
    if claimed_store and (terminal is None or not terminal.store_id):
        scopes.add(f"store:{claimed_store}")
    rows = db.config_documents
    latest = (rows.select(rows.name, rows.scope, fn.MAX(rows.version).alias("version"))
              .where(rows.scope.in_(sorted(scopes))).group_by(rows.name, rows.scope))
    desired: dict[str, tuple[str, int]] = {}
    for row in latest:
        current = desired.get(row.name)
        if current is None or scope_rank(row.scope) > scope_rank(current[0]):
            desired[row.name] = (row.scope, row.version)
    return desired


def latest_documents(db: HqDatabase) -> list[ConfigDocument]:
    """The newest version of every document for every scope, as HQ published it: a worker
    publishes them again (retained) when it subscribes, because a broker that crashed may
    have lost what was retained since its last save (docs/operations.md)."""
    rows = db.config_documents
    newest = (rows.select(rows.name, rows.scope, fn.MAX(rows.version).alias("version"))
              .group_by(rows.name, rows.scope))
    documents = []
    for name, scope, version in newest.tuples():
        row = rows.get((rows.name == name) & (rows.scope == scope) & (rows.version == version))
        documents.append(ConfigDocument(name, scope, version, json.loads(row.body),
                                        aware_time(row.published_at)))
    return documents


def config_status(db: HqDatabase) -> list[ConfigState]:
    """Desired versus reported, for every terminal HQ knows."""
    states = []
    for terminal in db.terminals.select().order_by(db.terminals.id):
        shadow = db.shadows.get_or_none(db.shadows.terminal_id == terminal.id)
        applied = json.loads(shadow.reported).get("applied", {}) if shadow else {}
        for name, (scope, version) in sorted(desired_documents(db, terminal.id).items()):
            reported = applied.get(name, {})
            same_scope = reported.get("scope") == scope
            states.append(ConfigState(terminal.id, name, scope, version,
                                      reported.get("version") if same_scope else None))
    return states
