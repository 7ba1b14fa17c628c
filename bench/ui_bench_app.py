"""The in-app half of bench/ui_bench.py: the real TerminalApp mounted in an offscreen window,
driven the way the UI tests drive it (touches, frames), timed."""

from __future__ import annotations

import tempfile
from pathlib import Path

from terminal.ui.environment import prepare_kivy

prepare_kivy(Path(tempfile.mkdtemp(prefix="hy-bench-kivy-")), 1304, 600)

from kivy.app import App  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from bench.ui_bench import SALE_TARGET_MS, TAP_TARGET_MS, report, timed_until  # noqa: E402
from terminal.bootstrap import build_runtime  # noqa: E402
from terminal.cashier.context import StaffMember  # noqa: E402
from terminal.cashier.services import build_services  # noqa: E402
from terminal.config import config_from_mapping  # noqa: E402
from terminal.demo_members import DEMO_CARDS  # noqa: E402
from terminal.demo_seed import seed_configuration, seed_members  # noqa: E402
from terminal.demo_staff import CASHIER_ID, CASHIER_NAME  # noqa: E402
from terminal.ui.app import TerminalApp  # noqa: E402


def pump() -> None:
    EventLoop.idle()


def mounted_app(folder: Path) -> TerminalApp:
    config = config_from_mapping({"terminal": {"data_dir": str(folder)},
                                  "hq": {"enabled": False}}, environ={})
    runtime = build_runtime(config)
    services = build_services(runtime.cashier)
    seed_configuration(runtime.store)
    seed_members(services)
    runtime.printing.wait_until_idle(10)
    app = TerminalApp(runtime, services)
    EventLoop.ensure_window()
    app.root = app.build()
    Window.add_widget(app.root)
    App._running_app = app
    app.dispatch("on_start")
    for _ in range(5):
        pump()
    return app


def measure_taps(app: TerminalApp, taps: int) -> None:
    app.ui.sign_in(StaffMember(CASHIER_ID, CASHIER_NAME, "cashier"))
    app.show_screen("home")
    home = app.screens.get_screen("home")
    reader = app.runtime.reader
    samples = []
    for index in range(taps):
        card = DEMO_CARDS[index % 3]
        home.clear_member()
        reader.remove()
        for _ in range(3):
            pump()
        samples.append(timed_until(
            lambda card=card: reader.present(uid=card.uid, card_no=card.chip_card_no),
            lambda card=card: card.name in home.panel.name.text, pump))
    report("card tap -> member panel drawn", samples[3:], TAP_TARGET_MS)


def measure_sales(app: TerminalApp, sales: int) -> None:
    screen = app.screens.get_screen("sale") if "sale" in app.screens.screen_names else None
    if screen is None or not hasattr(screen, "bench_confirm_cash_sale"):
        print("sale confirmed -> receipt bytes: not measured (no sale screen hook)")
        return
    printer = app.runtime.printer
    samples = []
    for _ in range(sales):
        app.ui.session.member = None
        app.show_screen("sale")
        screen.bench_prepare_cart(pump)
        jobs = len(printer.printed)
        samples.append(timed_until(screen.bench_confirm_cash_sale,
                                   lambda jobs=jobs: len(printer.printed) > jobs, pump))
    report("sale confirmed -> receipt bytes at the printer", samples[3:], SALE_TARGET_MS)


def run_in_app(taps: int, sales: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = mounted_app(Path(folder))
        try:
            measure_taps(app, taps)
            measure_sales(app, sales)
        finally:
            app.dispatch("on_stop")
