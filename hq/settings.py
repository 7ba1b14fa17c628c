"""HQ configuration: a TOML file plus environment variables, typed and bounded.

Unknown keys are an error at start, so a misspelt option never silently falls back to its
default. The environment wins over the file for what differs per machine (secrets, URLs).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hq.broker_accounts import HQ_CLIENT_ID_PREFIX
from hq.hold_limits import DEFAULT_MAX_ACTIVE_HOLDS, DEFAULT_MAX_HELD_FEN
from hq.stores import DEFAULT_TIME_ZONE
from membership.config_reader import SettingError, Table, check_dataclass, read_dataclass, setting
from membership.money import MAX_FEN

MIN_PEPPER_CHARS = 16
TABLE = "hq"


class SettingsError(SettingError):
    """The configuration cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class HqSettings:
    broker_host: str = "127.0.0.1"
    broker_port: int = setting(1883, minimum=1, maximum=65535)
    broker_username: str = "hq"
    broker_password: str = ""
    database_url: str = ""  # empty: SQLite in data_dir
    data_dir: str = "var/hq"
    worker_id: str = "hq-1"
    share_group: str = "hq"
    max_clock_skew_s: int = setting(300, minimum=1, maximum=86400)
    hold_seconds: int = setting(300, minimum=5, maximum=86400)
    # What one terminal may hold at once (hq.hold_limits): active holds, and their stored value.
    hold_max_active: int = setting(DEFAULT_MAX_ACTIVE_HOLDS, minimum=1, maximum=1000)
    hold_max_total_fen: int = setting(DEFAULT_MAX_HELD_FEN, minimum=1, maximum=MAX_FEN)
    session_expiry_s: int = setting(3600, minimum=60, maximum=30 * 86400)
    reconnect_max_delay_s: int = setting(30, minimum=1, maximum=300)
    # A worker republishes `coupons_used` at most once per this many seconds (a float).
    coupons_used_interval_s: float = setting(5.0, minimum=0.1, maximum=3600)
    # Group commit (hq.ingest.group): at most this many event batches in one transaction, and
    # how long the ingest thread waits for more once it has the first (0: only what is queued
    # already). 8, not more: with 64 an authorisation's p99 on SQLite went from about 22 to
    # 85-135 ms while HQ caught up, for no throughput measured (docs/performance.md, issue 11).
    ingest_group_max: int = setting(8, minimum=1, maximum=1000)
    ingest_group_wait_ms: int = setting(0, minimum=0, maximum=100)
    # Mixed into every member PIN verifier HQ keeps (decision 9). Empty: HQ makes one on first
    # start in data_dir/pin_pepper and keeps using it. Kept out of repr (settings get logged).
    pin_pepper: str = setting("", repr=False)
    # The business day of a store HQ has no row for in `stores` (hq.stores): an IANA zone.
    default_time_zone: str = DEFAULT_TIME_ZONE
    # The daily jobs (hq.jobs: points expiry, level review): run by `hq serve` once the hour
    # has struck in default_time_zone, checked every jobs_poll_s seconds; after downtime the
    # missed days run too, at most jobs_catch_up_days back.
    jobs_enabled: bool = True
    jobs_hour: int = setting(3, minimum=0, maximum=23)
    jobs_poll_s: float = setting(60.0, minimum=0.05, maximum=3600)
    jobs_catch_up_days: int = setting(31, minimum=1, maximum=366)

    def __post_init__(self) -> None:
        check_dataclass(self, TABLE, SettingsError)
        if not self.worker_id or not self.share_group or "/" in self.share_group:
            raise SettingsError("hq.worker_id and hq.share_group must be non-empty; no '/' in "
                                "a group")
        if not self.worker_id.startswith(HQ_CLIENT_ID_PREFIX):
            # The worker id is its client id at the broker: no terminal may have one like it.
            raise SettingsError(f"hq.worker_id must start with {HQ_CLIENT_ID_PREFIX!r} (no "
                                f"terminal id may), not {self.worker_id!r}")
        _check_time_zone(self.default_time_zone)
        if self.pin_pepper and len(self.pin_pepper) < MIN_PEPPER_CHARS:
            raise SettingsError(f"hq.pin_pepper must have at least {MIN_PEPPER_CHARS} "
                                "characters")


def _check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"hq.default_time_zone: {name!r} is not an IANA time zone"
                            ) from None


ENVIRONMENT = {
    "HQ_DATABASE_URL": "database_url",
    "HQ_BROKER_HOST": "broker_host",
    "HQ_BROKER_PORT": "broker_port",
    "HQ_BROKER_PASSWORD": "broker_password",
    "HQ_DATA_DIR": "data_dir",
    "HQ_WORKER_ID": "worker_id",
    "HQ_PIN_PEPPER": "pin_pepper",
}


def load_settings(path: str | Path | None = None,
                  environ: Mapping[str, str] | None = None) -> HqSettings:
    """The file's [hq] table (or its top level), then the environment over it: the values
    from the environment are text, parsed to the setting's type before they are checked."""
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_read_toml(Path(path)))
    from_environment: set[str] = set()
    for variable, key in ENVIRONMENT.items():
        value = (os.environ if environ is None else environ).get(variable)
        if value:
            values[key] = value
            from_environment.add(key)
    table = Table(values, TABLE, error=SettingsError, from_text=from_environment)
    return read_dataclass(table, HqSettings)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: {error}") from None
    section = document.get("hq", document)
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [hq] must be a table")
    return section
