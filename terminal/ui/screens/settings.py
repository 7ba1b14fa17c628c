"""设置, for the store manager (another role only as the `staff` document allows, with a
manager's approval on the spot where it says so): the screen's language, a printer test page, what
devices the terminal sees, and how the upload to HQ is going, with a "send now" that wakes the
relay instead of waiting for its next poll.

Everything that touches a device or the store runs on the cashier worker; the sync status is
read again every few seconds while the screen is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huiyuan_devices import detect
from huiyuan_devices.printer.base import PrinterStatus
from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout

from membership.permissions import Action
from terminal.cashier.upkeep import SyncState
from terminal.i18n import LANGUAGE_NAMES, LANGUAGES
from terminal.ui.app import TerminalScreen
from terminal.ui.screens.reprint import row_label, scrolling_list
from terminal.ui.widgets import TextLabel, button_grid

SYNC_POLL_S = 2.0
AFTER_SEND_S = 1.0


@dataclass(frozen=True)
class Diagnostics:
    detected: list[str]
    printer: PrinterStatus | None  # None: the printer did not answer
    simulated: dict[str, bool]  # card_reader / pinpad / printer


class SettingsScreen(TerminalScreen):
    screen_name = "settings"

    def build(self) -> None:
        kit = self.kit
        self.layout = BoxLayout(orientation="vertical", padding=kit.theme.padding,
                                spacing=kit.theme.spacing)
        self.locked = self._locked_view()
        self.content = self._content()
        self.add_widget(self.layout)
        self._timers: list[Any] = []  # Clock events reading the sync state
        # The worker is gone once the app stops: no read may be queued after that.
        self.ui.app.bind(on_stop=lambda *_args: self._stop_reading())

    def _locked_view(self) -> BoxLayout:
        kit = self.kit
        box = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        box.add_widget(row_label(kit, "home.manager_only", size="large",
                                 test_id="settings.locked"))
        box.add_widget(button_grid(kit, [
            kit.button("admin.settings.unlock", self.ask_approval, test_id="settings.unlock"),
            kit.button("ui.back", self.leave, test_id="settings.back", kind="plain"),
        ], 2))
        box.add_widget(BoxLayout())
        return box

    def _content(self) -> BoxLayout:
        kit = self.kit
        box = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        languages = [kit.button("", lambda code=code: self.switch_language(code),
                                text=LANGUAGE_NAMES[code], test_id=f"settings.lang.{code}",
                                kind="plain") for code in LANGUAGES]
        box.add_widget(button_grid(kit, [
            *languages,
            kit.button("admin.settings.printer_test", self.print_test_page,
                       test_id="settings.printer_test"),
            kit.button("admin.privileged.open", lambda: self.ui.go("privileged_log"),
                       test_id="settings.privileged", kind="plain"),
            kit.button("ui.back", self.leave, test_id="settings.back", kind="plain"),
        ], len(languages) + 3))
        columns = BoxLayout(orientation="horizontal", spacing=kit.theme.padding)
        columns.add_widget(self._sync_column())
        columns.add_widget(self._devices_column())
        box.add_widget(columns)
        return box

    def _sync_column(self) -> BoxLayout:
        kit = self.kit
        column = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.45)
        column.add_widget(row_label(kit, "admin.settings.sync", size="large",
                                    test_id="settings.sync.title"))
        scroll, rows = scrolling_list(kit)
        self.connection = row_label(kit, "admin.settings.no_hq", test_id="settings.sync.online")
        self.outbox = row_label(kit, "ui.unsynced", count=0, test_id="settings.sync.outbox")
        self.ack = row_label(kit, "admin.settings.ack", seq=0, test_id="settings.sync.ack")
        self.versions = row_label(kit, "admin.settings.versions",
                                  test_id="settings.sync.versions")
        for label in (self.connection, self.outbox, self.ack, self.versions):
            rows.add_widget(label)
        self.version_rows = rows
        self.version_labels: dict[str, TextLabel] = {}
        column.add_widget(scroll)
        column.add_widget(kit.button("admin.settings.send_now", self.send_now,
                                     test_id="settings.sync_now"))
        return column

    def _devices_column(self) -> BoxLayout:
        kit = self.kit
        column = BoxLayout(orientation="vertical", spacing=kit.theme.spacing)
        column.add_widget(row_label(kit, "admin.settings.devices", size="large",
                                    test_id="settings.devices.title"))
        scroll, self.device_rows = scrolling_list(kit)
        column.add_widget(scroll)
        column.add_widget(kit.button("admin.settings.diagnose", self.diagnose,
                                     test_id="settings.diagnose", kind="plain"))
        return column

    # --- who may be here ----------------------------------------------------------------------

    def enter(self, **params: Any) -> None:
        self._show(self.locked)
        self.ask_approval()

    def ask_approval(self) -> None:
        """The permission table decides (a manager, or a role the `staff` document lets in);
        a role that needs approval gets the manager's prompt from TerminalUi.run, and the
        approval or refusal is journaled like any privileged action."""
        staff = self.ui.services.staff
        self.ui.run(lambda: staff.authorise(Action.SETTINGS), lambda _approval: self._unlock())

    def _unlock(self) -> None:
        self._show(self.content)
        self.refresh_sync()
        self.diagnose()
        if not self._timers:
            self._timers.append(Clock.schedule_interval(lambda _dt: self.refresh_sync(),
                                                        SYNC_POLL_S))

    def _show(self, view: BoxLayout) -> None:
        self.layout.clear_widgets()
        self.layout.add_widget(view)

    def leave(self) -> None:
        self.ui.go("home")

    def on_leave(self, *_args: Any) -> None:
        self._stop_reading()
        self._show(self.locked)  # the next visit asks again

    def _stop_reading(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    # --- language and printer -----------------------------------------------------------------

    def switch_language(self, language: str) -> None:
        self.ui.app.switch_language(language)
        if self.ui.message is not None:
            self.ui.message.success("admin.settings.language_switched")

    def print_test_page(self) -> None:
        self.ui.run(self.ui.services.upkeep.print_test_page,
                    lambda _none: self._test_page_printed())

    def _test_page_printed(self) -> None:
        if self.ui.message is not None:
            self.ui.message.success("admin.settings.printer_test_done")
        self.diagnose()

    # --- devices ------------------------------------------------------------------------------

    def diagnose(self) -> None:
        config, upkeep = self.ui.runtime.config, self.ui.services.upkeep

        def look() -> Diagnostics:
            simulated = {name: config.simulated(name)
                         for name in ("card_reader", "pinpad", "printer")}
            return Diagnostics(detect.describe_detected(), upkeep.printer_status(), simulated)

        self.ui.bridge.run(look, self._show_diagnostics, self.ui.show_error)

    def _show_diagnostics(self, found: Diagnostics) -> None:
        rows, kit = self.device_rows, self.kit
        rows.clear_widgets()
        status = found.printer
        if status is None:
            rows.add_widget(row_label(kit, "admin.settings.printer_silent",
                                      test_id="settings.printer_status"))
        else:
            cover = "unknown" if status.cover_open is None else (
                "open" if status.cover_open else "closed")
            rows.add_widget(row_label(
                kit, "admin.settings.printer_status", test_id="settings.printer_status",
                online="yes" if status.online else "no", paper=status.paper.value, cover=cover))
        for name, simulated in found.simulated.items():
            key = "admin.settings.simulated" if simulated else "admin.settings.real"
            rows.add_widget(row_label(kit, key, device=name, test_id=f"settings.device.{name}"))
        for index, line in enumerate(found.detected):
            # The driver's own words (device names and paths), as a technician reads them.
            rows.add_widget(row_label(kit, text=line, size="small",
                                      test_id=f"settings.detected.{index}"))

    # --- sync ---------------------------------------------------------------------------------

    def refresh_sync(self) -> None:
        self.ui.bridge.run(self.ui.services.upkeep.sync_state, self._show_sync,
                           self.ui.show_error)

    def _show_sync(self, state: SyncState) -> None:
        if not state.configured:
            self.connection.show("admin.settings.no_hq")
        else:
            self.connection.show("ui.online" if state.online else "ui.offline")
        self.outbox.show("ui.unsynced", count=state.outbox_depth)
        self.ack.show("admin.settings.ack", seq=state.ack_watermark)
        for name, held in sorted(state.versions.items()):
            label = self.version_labels.get(name)
            if label is None:
                label = row_label(self.kit, size="small", test_id=f"settings.sync.version.{name}")
                self.version_labels[name] = label
                self.version_rows.add_widget(label)
            label.show("admin.settings.version", name=name, version=held["version"],
                       scope=held["scope"])

    def send_now(self) -> None:
        if not self.ui.services.upkeep.send_now():
            if self.ui.message is not None:
                self.ui.message.refusal("admin.settings.no_hq")
            return
        if self.ui.message is not None:
            self.ui.message.success("admin.settings.send_requested")
        self._timers.append(Clock.schedule_once(lambda _dt: self.refresh_sync(), AFTER_SEND_S))
