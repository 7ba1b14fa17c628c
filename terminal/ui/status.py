"""The status bar, always visible: HQ online or offline, events waiting to upload (and, in a
warning colour, how many HQ quarantined), time since the last upload, the cashier on duty, the
clock.

A monitor thread reads the sync's state and the store's outbox depth once a second and hands a
`TerminalStatus` to the UI through the bridge: the UI thread never reads the disk for it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kivy.uix.boxlayout import BoxLayout

from terminal.cashier.services import CashierServices
from terminal.cashier.store_ports import StoreError
from terminal.ui.bridge import UiBridge
from terminal.ui.widgets import Panel, UiKit

POLL_S = 1.0  # the default; tests poll faster (TerminalApp's status_poll_s)


@dataclass(frozen=True)
class TerminalStatus:
    online: bool
    outbox_depth: int
    last_sync_at: datetime | None  # the last moment the outbox was seen empty or shrinking
    now: datetime
    quarantined: int = 0  # events HQ stored but applied to nothing (its ack said so)


class StatusMonitor:
    def __init__(self, services: CashierServices, bridge: UiBridge,
                 on_status: Callable[[TerminalStatus], None], poll_s: float = POLL_S) -> None:
        self.services, self.bridge, self.on_status = services, bridge, on_status
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._last_depth: int | None = None
        self._last_quarantined = 0
        self._last_sync_at: datetime | None = None
        self._thread = threading.Thread(target=self._run, name="status-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def poll_now(self) -> TerminalStatus:
        upkeep = self.services.upkeep
        now = self.services.ctx.clock()
        try:
            depth = upkeep.outbox_depth()
        except StoreError:
            depth = self._last_depth or 0
        with contextlib.suppress(StoreError):  # shown as last read
            self._last_quarantined = upkeep.quarantined_count()
        online = upkeep.online()
        if online and (depth == 0 or (self._last_depth is not None and depth < self._last_depth)):
            self._last_sync_at = now
        self._last_depth = depth
        return TerminalStatus(online, depth, self._last_sync_at, now, self._last_quarantined)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.bridge.post(self.on_status, self.poll_now())
            self._stop.wait(self.poll_s)


class StatusBar(Panel):
    def __init__(self, kit: UiKit) -> None:
        super().__init__(kit.theme.status_bar, orientation="horizontal", size_hint_y=None,
                         height=kit.theme.status_height, padding=(kit.theme.padding, 0),
                         spacing=kit.theme.spacing * 2)
        self.kit = kit
        inverse = kit.theme.inverse
        self.connection = kit.label("ui.offline", color=inverse, test_id="status.connection")
        self.outbox = kit.label("ui.unsynced", count=0, color=inverse, test_id="status.outbox")
        self.last_sync = kit.label("ui.never_synced", color=inverse, size="small",
                                   test_id="status.last_sync")
        self.cashier = kit.label("ui.nobody_on_duty", color=inverse, test_id="status.cashier")
        self.clock = kit.label(text="", color=inverse, test_id="status.clock")
        row = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing * 2)
        for widget in (self.connection, self.outbox, self.last_sync, self.cashier, self.clock):
            row.add_widget(widget)
        self.add_widget(row)

    def show_status(self, status: TerminalStatus) -> None:
        theme = self.kit.theme
        self.connection.show("ui.online" if status.online else "ui.offline")
        self.connection.color = (0.5, 0.9, 0.5, 1) if status.online else (1, 0.7, 0.3, 1)
        if status.quarantined:  # a store manager must see it and ask HQ
            self.outbox.show("ui.unsynced_quarantined", count=status.outbox_depth,
                             quarantined=status.quarantined)
            self.outbox.color = (1, 0.45, 0.45, 1)
        else:
            self.outbox.show("ui.unsynced", count=status.outbox_depth)
            self.outbox.color = theme.inverse if status.outbox_depth == 0 else (1, 0.85, 0.4, 1)
        if status.last_sync_at is None:
            self.last_sync.show("ui.never_synced")
        else:
            seconds = max(int((status.now - status.last_sync_at).total_seconds()), 0)
            self.last_sync.show("ui.synced_ago", minutes=seconds // 60, seconds=seconds % 60)
        self.clock.show(text=status.now.strftime("%H:%M"))

    def show_cashier(self, name: str) -> None:
        if name:
            self.cashier.show("ui.on_duty", name=name)
        else:
            self.cashier.show("ui.nobody_on_duty")
