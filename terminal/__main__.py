"""The terminal app: `.venv/bin/python -m terminal --config /etc/huiyuan/terminal.toml`.

Reads the TOML configuration (terminal/config.py), wires the parts (terminal/bootstrap.py) and
runs the Kivy app full screen. A bad configuration is a one-line message and exit status 2.
`--seconds N` closes the app after N seconds (smoke tests and benchmarks).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

STARTED = time.monotonic()
log = logging.getLogger("terminal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="terminal", description=__doc__.split("\n")[0])
    parser.add_argument("--config", help="the terminal's TOML file")
    parser.add_argument("--seconds", type=float, default=0, help="close after N seconds")
    arguments = parser.parse_args(argv)
    console = logging.StreamHandler()
    console.setLevel(logging.INFO)  # DEBUG, when [logging] asks for it, goes to the file only
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s",
                        handlers=[console])
    from terminal.config import ConfigError, load_config

    try:
        config = load_config(arguments.config)
    except ConfigError as error:
        print(f"terminal: {error}", file=sys.stderr)
        return 2
    from terminal.ui.environment import prepare_kivy

    prepare_kivy(Path(config.terminal.data_dir) / "kivy", *config.window_size,
                 fullscreen=config.ui.fullscreen)
    return _run(config, arguments.seconds)


def _run(config, seconds: float) -> int:
    from kivy.clock import Clock

    from terminal.bootstrap import build_runtime
    from terminal.cashier.services import build_services
    from terminal.demo.seed import seed_configuration, seed_members
    from terminal.ui.app import TerminalApp

    runtime = build_runtime(config)
    services = build_services(runtime.cashier, runtime.reader, runtime.sync)
    if config.demo.seed:
        seed_configuration(runtime.store)
        seed_members(services)
    app = TerminalApp(runtime, services)

    def login_shown() -> None:
        log.info("login screen shown %.3f s after start", time.monotonic() - STARTED)
        if seconds:  # counted from here: the start-up itself may take longer than N seconds
            Clock.schedule_once(lambda _dt: app.stop(), seconds)

    app.on_login_shown = login_shown
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
