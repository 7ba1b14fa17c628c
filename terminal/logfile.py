"""The terminal's own log: a rotating file in its data folder ([logging] in the TOML file) that
receives every logger's records — the app's, the device drivers', paho's, Kivy's — so a
technician finds what happened at the counter without a console. Member and staff PINs never
reach it: no code logs one (tests/ui/test_pin_secrecy_logs.py reads the file to make sure).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from logging.handlers import RotatingFileHandler

from terminal.config import TerminalConfig

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def start_log_file(config: TerminalConfig) -> Callable[[], None]:
    """Attach the log file to the root logger; the function returned detaches and closes it.

    The root logger's level is lowered to the file's when it is higher (Python's default is
    WARNING), and put back at the detach if nobody changed it since."""
    path = config.log_path
    if path is None:
        return lambda: None
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=config.logging.max_bytes,
                                  backupCount=config.logging.backups, encoding="utf-8")
    level = logging.getLevelName(config.logging.level)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    before = root.level
    if before == logging.NOTSET or before > level:
        root.setLevel(level)
    root.addHandler(handler)

    def stop() -> None:
        root.removeHandler(handler)
        handler.close()
        if root.level == level and before != level:
            root.setLevel(before)

    return stop
