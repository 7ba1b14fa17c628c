"""The terminal's configuration: one TOML file, typed and bounded; unknown keys are an error at
start (a misspelt option must never silently fall back to its default). The environment gives
what differs per machine and must not sit in a file in the image: TERMINAL_HQ_PASSWORD.

    [terminal]
    id = "SH001-T1"            # also the terminal's MQTT user name
    store_id = "SH001"
    store_name = "静安旗舰店"
    region = "East"
    language = "zh_CN"         # zh_CN or en
    data_dir = "var/terminal"  # the store file terminal.sqlite3 lives here

    [hq]
    enabled = true             # false: a stand-alone terminal (a demo without HQ)
    host = "127.0.0.1"
    port = 1883
    password = ""              # better: TERMINAL_HQ_PASSWORD
    request_timeout_s = 3.0    # authorisation, lookups and PIN checks wait this long
    rebuild_when_new = true    # a new store takes its store's members and cards from HQ

    [ui]
    width = 1024               # 1024x600 or 800x480 panels
    height = 600
    fullscreen = false
    simulator_panel = true     # on-screen controls for simulated devices

    [devices.card_reader]      # tables passed as they are to huiyuan_devices' create()
    kind = "simulated"
    [devices.pinpad]
    kind = "simulated"
    [devices.printer]
    kind = "simulated"
    paper_mm = 58

    [logging]                  # the terminal's own log: a rotating file in data_dir
    file = "terminal.log"      # a file name in data_dir; "" writes no file
    level = "INFO"             # DEBUG, INFO, WARNING or ERROR
    max_bytes = 1048576        # a file this large is rotated: terminal.log.1, .2, ...
    backups = 5                # rotated files kept

    [demo]
    seed = false               # apply the demo store's documents and staff to an empty store
    virtual_card_port = 0      # make run: the simulator panel's demo cards become virtual member
                               # cards on the vpcd reader listening here (the card reader's
                               # `reader` names it); 0: none
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from terminal.i18n import LANGUAGES

PASSWORD_ENV = "TERMINAL_HQ_PASSWORD"
DEVICE_NAMES = ("card_reader", "pinpad", "printer")
SIMULATED = {"kind": "simulated"}
SIMULATOR_PANEL_WIDTH = 280
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key and why."""


@dataclass(frozen=True)
class TerminalSection:
    id: str = "SH001-T1"
    store_id: str = "SH001"
    store_name: str = ""
    region: str = ""
    language: str = "zh_CN"
    data_dir: str = "var/terminal"

    def __post_init__(self) -> None:
        if not self.id or any(char in self.id for char in "/+# "):
            raise ConfigError("terminal.id must be a plain name (no / + # or spaces)")
        if self.language not in LANGUAGES:
            raise ConfigError(f"terminal.language must be one of {', '.join(LANGUAGES)}")


@dataclass(frozen=True)
class HqSection:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 1883
    password: str = ""
    request_timeout_s: float = 3.0
    # A store never rebuilt (a new terminal, a replaced SD card) takes HQ's members and cards
    # of its store on its first connection (terminal.sync.rebuild).
    rebuild_when_new: bool = True

    def __post_init__(self) -> None:
        _bounded("hq.port", self.port, 1, 65535)
        _bounded("hq.request_timeout_s", self.request_timeout_s, 0.2, 30)


@dataclass(frozen=True)
class UiSection:
    width: int = 1024
    height: int = 600
    fullscreen: bool = False
    simulator_panel: bool = True

    def __post_init__(self) -> None:
        _bounded("ui.width", self.width, 640, 3840)
        _bounded("ui.height", self.height, 400, 2160)


@dataclass(frozen=True)
class LoggingSection:
    file: str = "terminal.log"
    level: str = "INFO"
    max_bytes: int = 1_048_576
    backups: int = 5

    def __post_init__(self) -> None:
        if self.level not in LOG_LEVELS:
            raise ConfigError(f"logging.level must be one of {', '.join(LOG_LEVELS)}")
        if self.file in (".", "..") or any(char in self.file for char in "/\\"):
            raise ConfigError("logging.file must be a file name (it is kept in data_dir)")
        _bounded("logging.max_bytes", self.max_bytes, 10_000, 100_000_000)
        _bounded("logging.backups", self.backups, 0, 50)


@dataclass(frozen=True)
class DemoSection:
    seed: bool = False
    virtual_card_port: int = 0

    def __post_init__(self) -> None:
        _bounded("demo.virtual_card_port", self.virtual_card_port, 0, 65535)


@dataclass(frozen=True)
class TerminalConfig:
    terminal: TerminalSection = field(default_factory=TerminalSection)
    hq: HqSection = field(default_factory=HqSection)
    ui: UiSection = field(default_factory=UiSection)
    devices: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: {name: dict(SIMULATED) for name in DEVICE_NAMES})
    demo: DemoSection = field(default_factory=DemoSection)
    logging: LoggingSection = field(default_factory=LoggingSection)

    @property
    def store_path(self) -> Path:
        return Path(self.terminal.data_dir) / "terminal.sqlite3"

    @property
    def log_path(self) -> Path | None:
        return Path(self.terminal.data_dir) / self.logging.file if self.logging.file else None

    def device(self, name: str) -> Mapping[str, Any]:
        return self.devices.get(name, SIMULATED)

    def simulated(self, name: str) -> bool:
        return self.device(name).get("kind") == "simulated"

    @property
    def shows_simulator_panel(self) -> bool:
        has_hands = self.demo.virtual_card_port or any(self.simulated(name)
                                                       for name in DEVICE_NAMES)
        return self.ui.simulator_panel and bool(has_hands)

    @property
    def window_size(self) -> tuple[int, int]:
        """The panel's size, widened by the simulator panel when it is shown beside it."""
        extra = SIMULATOR_PANEL_WIDTH if self.shows_simulator_panel else 0
        return self.ui.width + extra, self.ui.height


_SECTIONS = {"terminal": TerminalSection, "hq": HqSection, "ui": UiSection, "demo": DemoSection,
             "logging": LoggingSection}


def load_config(path: str | Path | None = None,
                environ: Mapping[str, str] | None = None) -> TerminalConfig:
    document = _read_toml(Path(path)) if path is not None else {}
    return config_from_mapping(document, environ)


def config_from_mapping(document: Mapping[str, Any],
                        environ: Mapping[str, str] | None = None) -> TerminalConfig:
    unknown = set(document) - set(_SECTIONS) - {"devices"}
    if unknown:
        raise ConfigError(f"unknown section(s) {sorted(unknown)}; known: "
                          f"{sorted([*_SECTIONS, 'devices'])}")
    sections = {name: _section(name, kind, document.get(name, {}))
                for name, kind in _SECTIONS.items()}
    password = (os.environ if environ is None else environ).get(PASSWORD_ENV)
    if password:
        sections["hq"] = HqSection(**{**_values(sections["hq"]), "password": password})
    return TerminalConfig(devices=_devices(document.get("devices", {})), **sections)


def _section(name: str, kind: type, table: Any) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = {item.name: item for item in fields(kind)}
    unknown = set(table) - set(known)
    if unknown:
        raise ConfigError(f"[{name}] has unknown key(s) {sorted(unknown)}; known: "
                          f"{sorted(known)}")
    for key, value in table.items():
        expected = type(getattr(kind(), key))
        if not _fits(value, expected):
            raise ConfigError(f"{name}.{key} must be {expected.__name__}, not {value!r}")
    return kind(**{key: float(value) if isinstance(getattr(kind(), key), float) else value
                   for key, value in table.items()})


def _fits(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _devices(table: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict):
        raise ConfigError("[devices] must be a table")
    unknown = set(table) - set(DEVICE_NAMES)
    if unknown:
        raise ConfigError(f"[devices] has unknown device(s) {sorted(unknown)}; known: "
                          f"{list(DEVICE_NAMES)}")
    devices = {name: dict(SIMULATED) for name in DEVICE_NAMES}
    for name, device in table.items():
        if not isinstance(device, dict) or not isinstance(device.get("kind"), str):
            raise ConfigError(f"[devices.{name}] must be a table with a kind")
        devices[name] = dict(device)
    return devices


def _values(section: Any) -> dict[str, Any]:
    return {item.name: getattr(section, item.name) for item in fields(section)}


def _bounded(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
