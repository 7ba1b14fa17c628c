"""HQ configuration: a TOML file plus environment variables, typed and bounded.

Unknown keys are an error at start, so a misspelt option never silently falls back to its
default. The environment wins over the file for what differs per machine (secrets, URLs).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

MIN_PEPPER_CHARS = 16


class SettingsError(ValueError):
    """The configuration cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class HqSettings:
    broker_host: str = "127.0.0.1"
    broker_port: int = 1883
    broker_username: str = "hq"
    broker_password: str = ""
    database_url: str = ""  # empty: SQLite in data_dir
    data_dir: str = "var/hq"
    worker_id: str = "hq-1"
    share_group: str = "hq"
    max_clock_skew_s: int = 300
    hold_seconds: int = 300
    session_expiry_s: int = 3600
    reconnect_max_delay_s: int = 30
    # A worker republishes `coupons_used` at most once per this many seconds (a float).
    coupons_used_interval_s: float = 5.0
    # Mixed into every member PIN verifier HQ keeps (decision 9). Empty: HQ makes one on first
    # start in data_dir/pin_pepper and keeps using it. Kept out of repr (settings get logged).
    pin_pepper: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        _bounded("broker_port", self.broker_port, 1, 65535)
        _bounded("max_clock_skew_s", self.max_clock_skew_s, 1, 86400)
        _bounded("hold_seconds", self.hold_seconds, 5, 86400)
        _bounded("session_expiry_s", self.session_expiry_s, 60, 30 * 86400)
        _bounded("reconnect_max_delay_s", self.reconnect_max_delay_s, 1, 300)
        _bounded("coupons_used_interval_s", self.coupons_used_interval_s, 0.1, 3600)
        if not self.worker_id or not self.share_group or "/" in self.share_group:
            raise SettingsError("worker_id and share_group must be non-empty; no '/' in a group")
        if self.pin_pepper and len(self.pin_pepper) < MIN_PEPPER_CHARS:
            raise SettingsError(f"pin_pepper must have at least {MIN_PEPPER_CHARS} characters")


_TYPES: dict[str, type] = {"int": int, "float": float}

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
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_read_toml(Path(path)))
    for variable, key in ENVIRONMENT.items():
        value = (os.environ if environ is None else environ).get(variable)
        if value:
            values[key] = value
    return _typed(values)


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


def _typed(values: Mapping[str, Any]) -> HqSettings:
    known = {field.name: field for field in fields(HqSettings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    typed: dict[str, Any] = {}
    for name, value in values.items():
        wanted = _TYPES.get(str(known[name].type), str)
        try:
            typed[name] = wanted(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be {wanted.__name__}, not {value!r}") from None
        if typed[name] is None:
            raise SettingsError(f"{name} must be {wanted.__name__}, not {value!r}")
    return HqSettings(**typed)


def _bounded(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {value}")
