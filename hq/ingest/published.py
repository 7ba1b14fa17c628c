"""The configuration HQ published, at the versions a sale names, decoded once per process.

HQ keeps every version of every document (`config_documents`, unique on name, scope and
version). A sale names the (scope, version) of each document its terminal priced with
(membership.sale_inputs); the re-decision (hq.ingest.redecide) needs them as the core's
objects. Versions never change once published, so decoded configurations are cached, per
database, by the exact set of versions: after the first batch that names a set, a batch costs
no query and no decoding. What a batch still needs is loaded in one query.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from hq.db import HqDatabase
from membership.config_documents import DOCUMENT_NAMES, StoreConfiguration
from membership.errors import ConfigError

Kept = TypeVar("Kept")

DocumentKey = tuple[str, str, int]  # name, scope, version
ConfigKey = frozenset[DocumentKey]
Bodies = dict[DocumentKey, Mapping[str, Any]]
_MOST_BODIES = 512  # distinct document versions kept parsed
_MOST_CONFIGURATIONS = 128  # distinct sets of versions kept decoded
# What decoding a body HQ itself published can still raise: it gives no configuration.
_DECODE_ERRORS = (ConfigError, ValueError, TypeError, KeyError, AttributeError)


class ConfigUnknown(Exception):
    """A sale names a version HQ never published, or one that does not decode."""

    def __init__(self, reason: str, name: str) -> None:
        super().__init__(f"{reason}:{name}")
        self.reason = reason
        self.name = name


class PublishedConfigurations:
    """Decoded configurations by the versions they were built from; shared by a worker's
    ingest calls (hence the lock)."""

    def __init__(self, most_bodies: int = _MOST_BODIES) -> None:
        self._most_bodies = most_bodies
        self._lock = threading.Lock()
        self._bodies: dict[DocumentKey, Mapping[str, Any]] = {}
        self._configurations: dict[ConfigKey, StoreConfiguration | ConfigUnknown] = {}

    def load(self, db: HqDatabase, keys: Iterable[ConfigKey]) -> Bodies:
        """The bodies of the versions `keys` name that are not decoded yet, those not kept
        read in one query; hand them to `configuration` (kept ones may be dropped meanwhile,
        by this call or another thread's, when the memory is full)."""
        with self._lock:
            needed = {key for config in set(keys) if config not in self._configurations
                      for key in config}
            bodies = {key: self._bodies[key] for key in needed if key in self._bodies}
        missing = needed - bodies.keys()
        if not missing:
            return bodies
        rows = db.config_documents
        found: dict[DocumentKey, Mapping[str, Any]] = {}
        query = rows.select(rows.name, rows.scope, rows.version, rows.body).where(
            rows.name.in_(sorted({name for name, _, _ in missing}))
            & rows.version.in_(sorted({version for _, _, version in missing})))
        for name, scope, version, body in query.tuples():
            if (name, scope, version) in missing:
                found[(name, scope, version)] = _parsed(body)
        with self._lock:
            if len(self._bodies) + len(found) > self._most_bodies:
                self._bodies.clear()
            self._bodies.update(found)
        return {**bodies, **found}

    def configuration(self, config: ConfigKey, bodies: Bodies) -> StoreConfiguration:
        """The configuration built from exactly these versions, from `bodies` (what `load`
        gave) unless decoded already; ConfigUnknown names a document HQ never published at
        that version, or one that does not decode. A version not found is never remembered as
        missing: HQ may publish it next."""
        with self._lock:
            cached = self._configurations.get(config)
        if cached is None:
            named = {key: bodies.get(key) for key in config}
            unknown = sorted(name for (name, _, _), body in named.items()
                             if body is None or name not in DOCUMENT_NAMES)
            if unknown:
                raise ConfigUnknown("config_version_unknown", unknown[0])
            cached = _decoded({key: body for key, body in named.items() if body is not None})
            with self._lock:
                if len(self._configurations) >= _MOST_CONFIGURATIONS:
                    self._configurations.clear()
                self._configurations[config] = cached
        if isinstance(cached, ConfigUnknown):
            raise cached
        return cached


def config_key(config: Mapping[str, tuple[str, int]]) -> ConfigKey:
    return frozenset((name, scope, version) for name, (scope, version) in config.items())


def _decoded(bodies: Mapping[DocumentKey, Mapping[str, Any]]
             ) -> StoreConfiguration | ConfigUnknown:
    by_name = {name: body for (name, _, _), body in bodies.items()}
    versions = {name: (scope, version) for name, scope, version in bodies}
    try:
        return StoreConfiguration.from_documents(by_name, versions)
    except _DECODE_ERRORS as error:
        name = error.params.get("document", "") if isinstance(error, ConfigError) else ""
        return ConfigUnknown("config_invalid", str(name or "documents"))


def _parsed(body: str) -> Mapping[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"unreadable": True}  # decoding refuses the unknown key: config_invalid
    return parsed if isinstance(parsed, dict) else {"unreadable": True}


class PerDatabase(Generic[Kept]):
    """One `Kept` per open database, made on first use: every ingest call of every worker thread
    on it shares it. Not one per process: what was published in one database says nothing of
    another opened by the same process (a test run, a bench, a tool)."""

    def __init__(self, make: Callable[[], Kept]) -> None:
        self._make = make
        self._kept: weakref.WeakKeyDictionary[HqDatabase, Kept] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, db: HqDatabase) -> Kept:
        with self._lock:
            kept = self._kept.get(db)
            if kept is None:
                kept = self._kept[db] = self._make()
            return kept


_PUBLISHED = PerDatabase(PublishedConfigurations)


def published_in(db: HqDatabase) -> PublishedConfigurations:
    """The decoded configurations of `db`'s published versions."""
    return _PUBLISHED.of(db)
