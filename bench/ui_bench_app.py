"""The in-app half of bench/ui_bench.py: the real TerminalApp mounted in an offscreen window,
driven the way the UI tests drive it (touches, frames), timed."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from terminal.ui.environment import prepare_kivy

prepare_kivy(Path(tempfile.mkdtemp(prefix="hy-bench-kivy-")), 1304, 600)

from huiyuan_devices.cardreader.simulated import SimulatedCardReader  # noqa: E402
from huiyuan_devices.printer.simulated import SimulatedPrinter  # noqa: E402
from kivy.app import App  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from bench.ui_bench import SALE_TARGET_MS, TAP_TARGET_MS, report, timed_until  # noqa: E402
from terminal.bootstrap import build_runtime  # noqa: E402
from terminal.cashier.context import StaffMember  # noqa: E402
from terminal.cashier.services import build_services  # noqa: E402
from terminal.config import config_from_mapping  # noqa: E402
from terminal.demo.members import DEMO_CARDS  # noqa: E402
from terminal.demo.seed import seed_configuration, seed_members  # noqa: E402
from terminal.demo.staff import CASHIER_ID, CASHIER_NAME  # noqa: E402
from terminal.ui.app import TerminalApp  # noqa: E402


def pump() -> None:
    EventLoop.idle()


def mounted_app(folder: Path) -> TerminalApp:
    config = config_from_mapping({"terminal": {"data_dir": str(folder)},
                                  "hq": {"enabled": False}}, environ={})
    runtime = build_runtime(config)
    services = build_services(runtime.cashier, runtime.reader, runtime.sync)
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
    if not isinstance(reader, SimulatedCardReader):  # the bench's config: simulated devices
        raise TypeError(f"the UI bench taps a simulated card reader, not {reader!r}")
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


def widget(app: TerminalApp, test_id: str):
    for top in list(Window.children):
        for found in top.walk(restrict=True):
            if getattr(found, "test_id", None) == test_id:
                return found
    raise RuntimeError(f"no widget {test_id}")


def press(app: TerminalApp, test_id: str) -> None:
    widget(app, test_id).dispatch("on_release")


def prepare_cash_sale(app: TerminalApp) -> None:
    """Two products in the cart, the quote shown, cash for the amount due."""
    app.ui.session.member = None
    app.show_screen("sale")
    for code in ("LATTE", "CAKE"):
        press(app, f"sale.product.{code}")
        pump()
    pad = app.screens.get_screen("sale").tender_pad
    deadline = time.monotonic() + 10
    seen, stable = -1, 0
    while pad.due <= 0 or stable < 10:  # each product's quote comes back from the worker
        if time.monotonic() > deadline:
            raise RuntimeError("no quote")
        stable = stable + 1 if pad.due == seen else 0
        seen = pad.due
        pump()
    press(app, "sale.tender.cash")
    pump()


def measure_sales(app: TerminalApp, sales: int) -> None:
    if not app.has_screen("sale"):
        print("sale confirmed -> receipt bytes: not measured (no sale screen)")
        return
    printer = app.runtime.printer
    if not isinstance(printer, SimulatedPrinter):  # the bench's config: simulated devices
        raise TypeError(f"the UI bench reads a simulated printer's output, not {printer!r}")
    samples = []
    for _ in range(sales):
        prepare_cash_sale(app)
        jobs = len(printer.printed)
        samples.append(timed_until(lambda: press(app, "sale.confirm"),
                                   lambda jobs=jobs: len(printer.printed) > jobs, pump))
        app.show_screen("home")
    report("sale confirmed -> receipt bytes at the printer", samples[3:], SALE_TARGET_MS)


def run_in_app(taps: int, sales: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = mounted_app(Path(folder))
        try:
            measure_taps(app, taps)
            measure_sales(app, sales)
        finally:
            app.dispatch("on_stop")
