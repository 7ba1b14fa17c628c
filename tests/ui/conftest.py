"""The real terminal app in a real Kivy window (offscreen SDL2), on simulated devices, a real
store, and — for the tests that ask for it — a real broker and HQ worker.

Kivy is prepared here, before anything imports it; one window serves the whole session."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from terminal.ui.environment import prepare_kivy

# The 1024x600 panel plus the simulator panel beside it (terminal.ui.app).
prepare_kivy(Path(tempfile.mkdtemp(prefix="hy-kivy-")), 1024 + 280, 600)

from terminal.bootstrap import Overrides, build_runtime  # noqa: E402
from terminal.cashier.services import build_services  # noqa: E402
from terminal.config import config_from_mapping  # noqa: E402
from terminal.demo.seed import seed_configuration, seed_members  # noqa: E402
from tests.support.artifacts import artifact_dir  # noqa: E402
from tests.support.timers import FAST_STATUS_POLL_S, fast_hq_timers  # noqa: E402
from tests.support.ui_driver import UiDriver  # noqa: E402


@pytest.fixture
def start_app(tmp_path: Path) -> Iterator[Callable[..., UiDriver]]:
    """`start_app(language="zh_CN", hq=None)`: the seeded demo terminal, mounted and started;
    `hq` is a dict for the [hq] table (host/port/password) to run against a real broker;
    `clock` the app's clock (tests/support/clock.py); `tables` more TOML tables ([logging])."""
    drivers: list[UiDriver] = []

    def start(language: str = "zh_CN", hq: dict[str, Any] | None = None,
              seed: bool = True, terminal_id: str = "SH001-T1",
              ui: dict[str, Any] | None = None, clock: Callable[[], datetime] | None = None,
              tables: dict[str, Any] | None = None) -> UiDriver:
        from terminal.ui.app import TerminalApp

        config = config_from_mapping({
            "terminal": {"id": terminal_id, "language": language, "store_name": "静安旗舰店",
                         "data_dir": str(tmp_path / f"terminal-{len(drivers)}")},
            "hq": {**fast_hq_timers(), **hq} if hq is not None else {"enabled": False},
            "ui": ui or {},
            **(tables or {}),
        }, environ={})
        runtime = build_runtime(config, Overrides(clock=clock) if clock else None)
        services = build_services(runtime.cashier, runtime.reader, runtime.sync)
        if hq is not None:  # online before seeding: the UID tag's PIN is set at HQ
            runtime.start()
            assert runtime.sync is not None and runtime.sync.online.wait(15)
        if seed:
            seed_configuration(runtime.store)
            seed_members(services)
            runtime.printing.wait_until_idle(10)
            runtime.printer.documents.clear()
            runtime.printer.printed.clear()  # a test reads only what it printed itself
        driver = UiDriver(TerminalApp(runtime, services, status_poll_s=FAST_STATUS_POLL_S))
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.close()


@pytest.fixture(scope="session")
def screens_dir() -> Path:
    return artifact_dir("screens")


@pytest.fixture
def hq_worker(broker: Any, tmp_path: Path) -> Iterator[Any]:
    """A real HQ worker on SQLite against the test's broker."""
    from harness.demo_config import publish_demo_documents
    from tests.support.hq_worker import running_hq_worker

    with running_hq_worker(broker, f"sqlite:///{tmp_path / 'hq.sqlite3'}",
                           tmp_path / "hq") as (worker, db):
        publish_demo_documents(db)  # what the seeded terminals sell with (seed_configuration)
        yield worker
