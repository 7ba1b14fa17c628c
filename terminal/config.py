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
    ack_timeout_s = 10.0       # no acknowledgement for this long: probe HQ with one batch
    ack_timeout_max_s = 300.0  # each probe without progress doubles the wait, up to this
    publish_timeout_s = 10.0   # a publish not handed to the broker in this long is retried
    reconnect_max_delay_s = 30 # the longest wait between two attempts to reach the broker
    idle_poll_s = 0.5          # how often an idle relay looks at the outbox again
    session_expiry_s = 604800  # the broker keeps our session this long offline (a week)

    [ui]
    width = 1024               # 1024x600 or 800x480 panels
    height = 600
    fullscreen = false
    simulator_panel = true     # on-screen controls for simulated devices

    [devices.card_reader]      # read by terminal/device_tables.py, then huiyuan_devices' create()
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from membership.config_reader import SettingError, Table, check_dataclass, read_dataclass, setting
from terminal.device_tables import DEVICE_NAMES, SIMULATED, read_devices
from terminal.i18n import LANGUAGES

PASSWORD_ENV = "TERMINAL_HQ_PASSWORD"
SIMULATOR_PANEL_WIDTH = 280
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(SettingError):
    """The configuration cannot be used; the message names the key and why."""


@dataclass(frozen=True)
class TerminalSection:
    id: str = "SH001-T1"
    store_id: str = "SH001"
    store_name: str = ""
    region: str = ""
    language: str = setting("zh_CN", choices=LANGUAGES)
    data_dir: str = "var/terminal"

    def __post_init__(self) -> None:
        check_dataclass(self, "terminal", ConfigError)
        if not self.id or any(char in self.id for char in "/+# "):
            raise ConfigError("terminal.id must be a plain name (no / + # or spaces)")


# The sync's timers (terminal.sync.settings.SyncSettings) and the [hq] key that sets each.
SYNC_TIMERS = {
    "auth_timeout_s": "request_timeout_s",
    "directory_timeout_s": "request_timeout_s",
    "ack_timeout_s": "ack_timeout_s",
    "ack_timeout_max_s": "ack_timeout_max_s",
    "publish_timeout_s": "publish_timeout_s",
    "reconnect_max_delay_s": "reconnect_max_delay_s",
    "idle_poll_s": "idle_poll_s",
    "session_expiry_s": "session_expiry_s",
}


@dataclass(frozen=True)
class HqSection:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = setting(1883, minimum=1, maximum=65535)
    password: str = ""
    request_timeout_s: float = setting(3.0, minimum=0.2, maximum=30)
    # A store never rebuilt (a new terminal, a replaced SD card) takes HQ's members and cards
    # of its store on its first connection (terminal.sync.rebuild).
    rebuild_when_new: bool = True
    # The sync's timers: production values by default; tests shorten them (the lower bounds
    # are small enough for a fault test to run in a second, not ten).
    ack_timeout_s: float = setting(10.0, minimum=0.2, maximum=600)
    ack_timeout_max_s: float = setting(300.0, minimum=0.2, maximum=3600)
    publish_timeout_s: float = setting(10.0, minimum=0.2, maximum=600)
    reconnect_max_delay_s: int = setting(30, minimum=1, maximum=300)
    idle_poll_s: float = setting(0.5, minimum=0.01, maximum=10)
    session_expiry_s: int = setting(7 * 86400, minimum=60, maximum=30 * 86400)

    def __post_init__(self) -> None:
        check_dataclass(self, "hq", ConfigError)
        if self.ack_timeout_max_s < self.ack_timeout_s:
            raise ConfigError("hq.ack_timeout_max_s must be at least hq.ack_timeout_s "
                              f"({self.ack_timeout_s}), not {self.ack_timeout_max_s}")

    def sync_timers(self) -> dict[str, Any]:
        """SyncSettings' timers as this table sets them."""
        return {timer: getattr(self, key) for timer, key in SYNC_TIMERS.items()}


@dataclass(frozen=True)
class UiSection:
    width: int = setting(1024, minimum=640, maximum=3840)
    height: int = setting(600, minimum=400, maximum=2160)
    fullscreen: bool = False
    simulator_panel: bool = True

    def __post_init__(self) -> None:
        check_dataclass(self, "ui", ConfigError)


@dataclass(frozen=True)
class LoggingSection:
    file: str = "terminal.log"
    level: str = setting("INFO", choices=LOG_LEVELS)
    max_bytes: int = setting(1_048_576, minimum=10_000, maximum=100_000_000)
    backups: int = setting(5, minimum=0, maximum=50)

    def __post_init__(self) -> None:
        check_dataclass(self, "logging", ConfigError)
        if self.file in (".", "..") or any(char in self.file for char in "/\\"):
            raise ConfigError("logging.file must be a file name (it is kept in data_dir)")


@dataclass(frozen=True)
class DemoSection:
    seed: bool = False
    virtual_card_port: int = setting(0, minimum=0, maximum=65535)

    def __post_init__(self) -> None:
        check_dataclass(self, "demo", ConfigError)


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
    """Every table read and bounded by the one reader (membership.config_reader); a table or
    key nobody reads is refused by name."""
    root = Table(document, "", error=ConfigError)
    # One section object per table, of differing types: TerminalConfig's keywords.
    sections: dict[str, Any] = {
        name: read_dataclass(root.table(name), kind) for name, kind in _SECTIONS.items()
    }
    devices = read_devices(root.table("devices"))
    root.finish()
    password = (os.environ if environ is None else environ).get(PASSWORD_ENV)
    if password:
        sections["hq"] = replace(sections["hq"], password=password)
    return TerminalConfig(devices=devices, **sections)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
