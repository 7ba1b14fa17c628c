"""One bootstrap for the terminal (DESIGN.md): configuration in, every part wired out — the store,
the sync with HQ, the debit guard, the devices (real or simulated, by configuration), the print
service and the cashier's context. Tests pass overrides (a device object, a clock) instead of
patching anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from huiyuan_devices.cardreader.base import CardPinReader, CardReader
from huiyuan_devices.cardreader.factory import create as create_reader
from huiyuan_devices.keypad.base import PinPad
from huiyuan_devices.keypad.factory import create as create_pinpad
from huiyuan_devices.printer.base import ReceiptPrinter
from huiyuan_devices.printer.factory import create as create_printer

from membership.config_documents import DOCUMENT_NAMES, StoreConfiguration
from terminal.cashier.card_pins import ReaderCardPins
from terminal.cashier.context import CashierContext
from terminal.config import TerminalConfig
from terminal.demo.card_tapper import CardTapper, card_hands_for
from terminal.i18n import LANGUAGES
from terminal.logfile import start_log_file
from terminal.receipts.printing import ReceiptPrintService
from terminal.store.access import UI_LANGUAGE
from terminal.store.cache import StoredConfig
from terminal.store.store import TerminalStore, open_store
from terminal.sync.client import SyncClient
from terminal.sync.debit_guard import DebitGuard
from terminal.sync.directory import HqDirectory
from terminal.sync.settings import SyncSettings

log = logging.getLogger("terminal.bootstrap")


@dataclass
class Overrides:
    """What a test (or the demo) supplies instead of building it from the configuration."""

    reader: CardReader | None = None
    pinpad: PinPad | None = None
    printer: ReceiptPrinter | None = None
    clock: Callable[[], datetime] = datetime.now


@dataclass
class TerminalRuntime:
    config: TerminalConfig
    store: TerminalStore
    sync: SyncClient | None
    guard: DebitGuard
    reader: CardReader
    pinpad: PinPad
    printer: ReceiptPrinter
    printing: ReceiptPrintService
    cashier: CashierContext
    closers: list[Callable[[], None]] = field(default_factory=list)
    started: bool = False
    card_tapper: CardTapper | None = None  # the simulator panel's hands on the card reader

    def start(self) -> None:
        """Connect to HQ (in the background: the terminal sells offline meanwhile). Once."""
        if self.sync is not None and not self.started:
            self.sync.start()
        self.started = True

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # closing one part must not keep the others open
                log.exception("closing %s failed", close)


class AppliedConfiguration(Protocol):
    """What the configuration cache reads of the store (TerminalStore has it)."""

    @property
    def config_generation(self) -> int:
        """Grows each time the store applies a document."""

    def effective_config(self, name: str) -> StoredConfig | None: ...


class ConfigurationCache:
    """The store's applied documents decoded into the core's objects, read and decoded again
    only when this store applied a new version (decoding a price book on every sale would cost
    the cashier, and screens call this on the UI thread, which must not wait on the disk)."""

    def __init__(self, store: AppliedConfiguration) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._configuration = StoreConfiguration.from_documents({})

    def __call__(self) -> StoreConfiguration:
        with self._lock:
            generation = self._store.config_generation
            if generation != self._generation:
                self._configuration = StoreConfiguration.from_documents(*self._bodies())
                self._generation = generation
            return self._configuration

    def _bodies(self) -> tuple[Mapping[str, Mapping[str, Any]], dict[str, tuple[str, int]]]:
        """The bodies in force by name, and their (scope, version), which sales name."""
        bodies = {}
        versions = {}
        for name in DOCUMENT_NAMES:
            document = self._store.effective_config(name)
            if document is not None:
                bodies[name] = document.body
                versions[name] = (document.scope, document.version)
        return bodies, versions


def build_runtime(config: TerminalConfig, overrides: Overrides | None = None) -> TerminalRuntime:
    overrides = overrides or Overrides()
    closers: list[Callable[[], None]] = [start_log_file(config)]  # closed last
    log.info("terminal %s starting, data in %s", config.terminal.id, config.terminal.data_dir)
    config.store_path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(config.store_path, overrides.clock)
    closers.append(store.close)
    sync = _sync(config, store, overrides.clock)
    if sync is not None:
        closers.append(sync.stop)
    devices = _devices(config, overrides, closers)
    card_tapper = card_hands_for(config, devices["reader"])
    if card_tapper is not None:
        closers.append(card_tapper.close)
    language = chosen_language(store, config.terminal.language)
    printing = ReceiptPrintService(devices["printer"], store, lang=language)
    closers.append(printing.close)
    if sync is not None:
        sync.printer_state = printing.printer_state
    guard = DebitGuard(config.terminal.id, store, sync)
    directory = HqDirectory(sync, config.hq.request_timeout_s) if sync is not None else None
    cashier = CashierContext(
        terminal_id=config.terminal.id, store_id=config.terminal.store_id,
        store_name=config.terminal.store_name, store=store,
        configuration=ConfigurationCache(store), guard=guard, printing=printing,
        directory=directory, pins=directory, clock=overrides.clock,
        language=language,
        notify_sync=sync.notify if sync is not None else (lambda: None),
        card_pins=ReaderCardPins(devices["reader"])
        if isinstance(devices["reader"], CardPinReader) else None)
    return TerminalRuntime(config, store, sync, guard, devices["reader"], devices["pinpad"],
                           devices["printer"], printing, cashier, closers,
                           card_tapper=card_tapper)


def chosen_language(store: TerminalStore, configured: str) -> str:
    """The language a manager last chose on the settings screen, else the config file's: a
    restart (a power cut, an update) must not switch the counter back."""
    chosen = store.text_setting(UI_LANGUAGE)
    return chosen if chosen in LANGUAGES else configured


def _sync(config: TerminalConfig, store: TerminalStore,
          clock: Callable[[], datetime]) -> SyncClient | None:
    if not config.hq.enabled:
        return None
    settings = SyncSettings(config.terminal.id, config.hq.password,
                            store_id=config.terminal.store_id, region=config.terminal.region,
                            host=config.hq.host, port=config.hq.port,
                            rebuild_when_new=config.hq.rebuild_when_new,
                            **config.hq.sync_timers())
    return SyncClient(store, settings, clock)


def _devices(config: TerminalConfig, overrides: Overrides,
             closers: list[Callable[[], None]]) -> dict[str, Any]:
    reader = overrides.reader or create_reader(config.device("card_reader"))
    pinpad = overrides.pinpad or create_pinpad(config.device("pinpad"))
    printer = overrides.printer or create_printer(config.device("printer"))
    closers += [reader.stop, pinpad.close, printer.close]
    return {"reader": reader, "pinpad": pinpad, "printer": printer}
