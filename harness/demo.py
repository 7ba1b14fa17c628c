"""`make run`: the whole system on one machine — a local Mosquitto, an HQ worker on SQLite, and
the terminal app seeded with the demo store: its card reader on the real PC/SC stack (a private
pcscd with a virtual reader, the demo cards virtual member cards; harness/demo_card_reader.py), its
keypad and printer simulated.

    .venv/bin/python -m harness.demo [--folder var/demo] [--fresh] [--language en]
                                      [--seconds N] [--card-reader virtual|simulated]
                                      [--device printer=network:192.168.1.50]

The demo keeps its data in `--folder` between runs (`--fresh` starts over); the broker's files
too, unless the `mosquitto` user a root-run broker drops to cannot reach that folder (a clone
under /root): then they live in the system temp folder (harness.broker.reachable_data_dir).
Every part is the real one: HQ publishes the demo store's configuration documents, the terminal
applies them, enrols the demo members through the real operations (their events reach HQ) and
sets the PIN of the UID-only card at HQ. `--seconds` closes the app after N seconds (a smoke test);
`--card-reader simulated` uses the simulated reader instead of pcscd;
`--device NAME=KIND[:VALUE]` switches one device to a real one (see docs/hardware.md).
Ctrl-C (or SIGTERM) closes the app and stops everything the demo started.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import shutil
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness.broker import BrokerAccounts, BrokerError, MosquittoBroker, reachable_data_dir
from harness.demo_card_reader import CHOICES, VIRTUAL, CardReaderChoice, choose_card_reader
from hq.config_push import next_document, publish
from hq.db import open_database
from hq.service import HqWorker, persistent_client, session_properties
from hq.settings import HqSettings
from hq.times import utc_now
from terminal.demo.documents import demo_documents
from terminal.demo.staff import demo_staff_document

log = logging.getLogger("harness.demo")
TERMINAL_ID = "SH001-T1"
APPLY_TIMEOUT_S = 15.0


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # SIGTERM unwinds like Ctrl-C: the terminal, HQ, the broker and pcscd are all stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # SIGUSR1 prints every thread's stack: how a demo that does not stop is diagnosed.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        with ExitStack() as stack:
            app = start_demo(arguments, stack)
            return _run_app(app, arguments.seconds)
    except KeyboardInterrupt:
        print("demo: interrupted; everything it started is stopped", flush=True)
        return 130
    except BrokerError as error:  # no broker, or one that cannot start here: say why, no trace
        print(f"demo: the broker did not start: {error}", file=sys.stderr, flush=True)
        return 1


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    return _parser().parse_args(argv)


def start_demo(arguments: argparse.Namespace, stack: ExitStack) -> Any:
    """Everything but the window's event loop: the card reader's pcscd, the broker, HQ, and the
    terminal app (a TerminalApp, not run yet) with the demo store seeded. Closing `stack` stops
    what this started; the app closes its own runtime when it stops."""
    folder = Path(arguments.folder).resolve()
    if arguments.fresh:  # the broker's files too, when they live elsewhere (reachable_data_dir)
        for old in (reachable_data_dir(folder / "broker"), folder):
            if old.exists():
                shutil.rmtree(old)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # the broker runs as the `mosquitto` user and keeps its files here
    card_reader = _card_reader(stack, arguments)
    broker, accounts = _start_broker(stack, folder)
    _start_hq(stack, folder, broker, accounts)
    config = _terminal_config(folder, broker.port, accounts, arguments, card_reader)
    return _terminal_app(config)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--folder", default="var/demo")
    parser.add_argument("--fresh", action="store_true", help="start the demo over")
    parser.add_argument("--language", default="zh_CN", choices=("zh_CN", "en"))
    parser.add_argument("--seconds", type=float, default=0, help="close after N seconds")
    parser.add_argument("--card-reader", choices=CHOICES, default=VIRTUAL,
                        help="virtual: demo cards through a private pcscd (the default; "
                             "simulated where pcscd cannot run); simulated: no pcscd")
    parser.add_argument("--device", action="append", default=[], metavar="NAME=KIND[:VALUE]",
                        help="a real device, e.g. printer=network:192.168.1.50")
    return parser


def _card_reader(stack: ExitStack, arguments: argparse.Namespace) -> CardReaderChoice | None:
    """None when `--device card_reader=...` names the reader (a physical one, the machine's
    own pcscd): the demo then starts no pcscd of its own."""
    if any(choice.partition("=")[0] == "card_reader" for choice in arguments.device):
        return None
    return choose_card_reader(arguments.card_reader, stack)


def _start_broker(stack: ExitStack, folder: Path) -> tuple[MosquittoBroker, BrokerAccounts]:
    accounts = _accounts(folder / "accounts.json")
    broker = MosquittoBroker(reachable_data_dir(folder / "broker"), accounts)
    stack.enter_context(broker)
    log.info("broker on 127.0.0.1:%d, its files in %s", broker.port, broker.data_dir)
    return broker, accounts


def _accounts(path: Path) -> BrokerAccounts:
    """The same passwords on every run (the broker's and HQ's data outlive a restart)."""
    if path.exists():
        saved = json.loads(path.read_text())
        return BrokerAccounts(saved["hq"], saved["terminals"])
    accounts = BrokerAccounts.generate([TERMINAL_ID])
    path.write_text(json.dumps({"hq": accounts.hq_password,
                                "terminals": dict(accounts.terminal_passwords)}))
    path.chmod(0o600)
    return accounts


def _start_hq(stack: ExitStack, folder: Path, broker: MosquittoBroker,
              accounts: BrokerAccounts) -> None:
    data_dir = folder / "hq"
    data_dir.mkdir(exist_ok=True)
    url = f"sqlite:///{data_dir / 'hq.sqlite3'}"
    settings = HqSettings(broker_port=broker.port, broker_password=accounts.hq_password,
                          database_url=url, data_dir=str(data_dir))
    worker = HqWorker(settings, open_database(url))
    worker.start()
    stack.callback(worker.stop)
    if not worker.connected.wait(15):
        raise SystemExit("demo: HQ could not connect to the broker")
    _publish_demo_documents(worker, broker, accounts)


def _publish_demo_documents(worker: HqWorker, broker: MosquittoBroker,
                            accounts: BrokerAccounts) -> None:
    """HQ publishes the demo store's documents once (a restart finds them published)."""
    rows = worker.db.config_documents
    client = persistent_client("demo-publisher", "hq", accounts.hq_password)
    client.connect(broker.host, broker.port, clean_start=True, properties=session_properties(60))
    client.loop_start()
    try:
        for name, body in {**demo_documents(), "staff": demo_staff_document()}.items():
            if rows.select().where(rows.name == name).exists():
                continue
            publish(client, next_document(worker.db, name, "all", body, utc_now()))
    finally:
        client.disconnect()
        client.loop_stop()


def _terminal_config(folder: Path, port: int, accounts: BrokerAccounts,
                     arguments: argparse.Namespace, card_reader: CardReaderChoice | None) -> Any:
    from terminal.config import config_from_mapping

    devices: dict[str, dict[str, Any]] = {}
    if card_reader is not None:
        devices["card_reader"] = card_reader.table
    for choice in arguments.device:
        name, _, spec = choice.partition("=")
        kind, _, value = spec.partition(":")
        devices[name] = _device_table(name, kind, value)
    return config_from_mapping({
        "terminal": {"id": TERMINAL_ID, "store_id": "SH001", "store_name": "静安旗舰店",
                     "language": arguments.language, "data_dir": str(folder / "terminal")},
        "hq": {"host": "127.0.0.1", "port": port,
               "password": accounts.password_for(TERMINAL_ID)},
        "devices": devices,
        "demo": {"seed": True,
                 "virtual_card_port": card_reader.virtual_card_port if card_reader else 0},
    }, environ={})


def _device_table(name: str, kind: str, value: str) -> dict[str, Any]:
    keys = {("printer", "network"): "host", ("printer", "serial"): "device",
            ("printer", "file"): "path", ("pinpad", "evdev"): "device",
            ("card_reader", "pcsc"): "reader", ("card_reader", "wedge"): "device"}
    table: dict[str, Any] = {"kind": kind}
    key = keys.get((name, kind))
    if key and value:
        table[key] = value
    return table


def _terminal_app(config: Any) -> Any:
    from terminal.ui.environment import prepare_kivy

    prepare_kivy(Path(config.terminal.data_dir) / "kivy", *config.window_size)
    from terminal.bootstrap import build_runtime
    from terminal.cashier.services import build_services
    from terminal.demo.seed import seed_configuration, seed_members
    from terminal.ui.app import TerminalApp

    runtime = build_runtime(config)
    services = build_services(runtime.cashier, runtime.reader, runtime.sync)
    runtime.start()
    if not _wait_for_documents(runtime.store):
        log.warning("HQ's documents did not arrive in time: applying the demo's locally")
        seed_configuration(runtime.store)
    log.info("demo members enrolled: %d", seed_members(services))
    return TerminalApp(runtime, services)


def _run_app(app: Any, seconds: float) -> int:
    from kivy.clock import Clock

    if seconds:
        Clock.schedule_once(lambda _dt: app.stop(), seconds)
    try:
        app.run()
    except KeyboardInterrupt:
        # A second Ctrl-C must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        app.stop()  # on_stop closes the runtime: reader, virtual cards, store, sync with HQ
        raise
    return 0


def _wait_for_documents(store: Any) -> bool:
    deadline = time.monotonic() + APPLY_TIMEOUT_S
    while time.monotonic() < deadline:
        held = store.applied_versions()
        if "catalogue" in held and "staff" in held:
            return True
        time.sleep(0.2)
    return False


if __name__ == "__main__":
    sys.exit(main())
