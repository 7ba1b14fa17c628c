"""The Kivy app: a status bar, a message line and one screen at a time; on a laptop with simulated
devices, the simulator panel beside it (tap a demo card, type on a virtual PIN keypad, see the
printed receipts).

Screens are registered in `SCREENS` (terminal/ui/screens/__init__.py) and get one `UiContext`:
the widget kit, the bridge, the runtime and its services, the navigator and the session (who is
on duty, which member is at the counter). Card events from the reader thread arrive through the
bridge and go to the screen on display.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huiyuan_devices.cardreader.base import CardEvent
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from membership.permissions import Action
from terminal.bootstrap import TerminalRuntime
from terminal.cashier.context import ManagerApproval, StaffMember
from terminal.cashier.members import MemberView
from terminal.cashier.permissions import APPROVAL_NEEDED, PermissionRefused
from terminal.cashier.services import CashierServices
from terminal.config import SIMULATOR_PANEL_WIDTH
from terminal.ui.bridge import UiBridge
from terminal.ui.prompts import ManagerApprovalPrompt
from terminal.ui.status import POLL_S, StatusBar, StatusMonitor, TerminalStatus
from terminal.ui.texts import Texts
from terminal.ui.theme import register_fonts, theme_for
from terminal.ui.widgets import MessageLine, Panel, UiKit

log = logging.getLogger("terminal.ui")
PROCESSING_AFTER_S = 0.3


@dataclass
class Session:
    """Who is at the counter now. Cleared at sign-out."""

    staff: StaffMember | None = None
    member: MemberView | None = None  # the member being served, if any
    values: dict[str, Any] = field(default_factory=dict)  # what one screen hands the next


class UiContext:
    def __init__(self, app: TerminalApp, kit: UiKit, bridge: UiBridge,
                 runtime: TerminalRuntime, services: CashierServices) -> None:
        self.app, self.kit, self.bridge, self.runtime = app, kit, bridge, runtime
        self.services = services
        self.session = Session()
        self.message: MessageLine | None = None
        self.status_bar: StatusBar | None = None

    def go(self, name: str, **params: Any) -> None:
        self.app.show_screen(name, **params)

    def run(self, task: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None] | None = None) -> None:
        """Run a cashier task off the UI thread; errors go to the message line by default.
        "Processing" appears only if the task takes a noticeable time: redrawing it for a
        lookup that answers in milliseconds would only delay the answer's frame."""
        pending = Clock.schedule_once(self._show_processing, PROCESSING_AFTER_S)

        def done(result: Any) -> None:
            pending.cancel()
            if self.message is not None and self.message.label.key == "ui.processing":
                self.message.clear()
            on_done(result)

        def failed(error: Exception) -> None:
            pending.cancel()
            (on_error or self.show_error)(error)
            if isinstance(error, PermissionRefused) and error.key == APPROVAL_NEEDED:
                action = Action(error.params["action"])
                self.ask_approval(action, lambda: self.run(task, on_done, on_error))

        self.bridge.run(task, done, failed)

    def ask_approval(self, action: Action, then: Callable[[], None]) -> None:
        """A manager approves on the spot, with their PIN on this screen; `then` runs once the
        approval is held for the next operation (terminal.cashier.permissions). Cancelled,
        the refusal stays on the message line."""
        def approved(approval: ManagerApproval) -> None:
            self.services.staff.hold_approval(action, approval)
            then()

        ManagerApprovalPrompt(self, approved).start()

    def _show_processing(self, _dt: float) -> None:
        if self.message is not None:
            self.message.info("ui.processing")

    def show_error(self, error: Exception) -> None:
        if self.message is not None:
            self.message.error(error)

    def sign_in(self, staff: StaffMember) -> None:
        self.session.staff = staff
        if self.status_bar is not None:
            self.status_bar.show_cashier(staff.name)

    def sign_out(self) -> None:
        self.session = Session()
        if self.status_bar is not None:
            self.status_bar.show_cashier("")


class TerminalScreen(Screen):
    """Base of every screen. `build()` makes the widgets once; `enter(**params)` runs each time
    the screen is shown; `on_card(event)` receives card reader events while it is shown."""

    screen_name = ""

    def __init__(self, ui: UiContext) -> None:
        super().__init__(name=self.screen_name)
        self.ui = ui
        self.kit = ui.kit
        self.build()

    def build(self) -> None:
        raise NotImplementedError

    def enter(self, **params: Any) -> None:
        """Shown (again): refresh from the session and `params`."""

    def on_card(self, event: CardEvent) -> None:
        """A card event while this screen is shown; most screens ignore cards."""


class TerminalApp(App):
    def __init__(self, runtime: TerminalRuntime, services: CashierServices,
                 status_poll_s: float = POLL_S, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.services = services
        self.bridge = UiBridge()
        self.texts = Texts(services.ctx.language)
        self.kit = UiKit(theme_for(runtime.config.ui.width, runtime.config.ui.height),
                         self.texts)
        self.ui = UiContext(self, self.kit, self.bridge, runtime, services)
        self.screens = ScreenManager(transition=NoTransition())
        self.monitor = StatusMonitor(services, self.bridge, self._show_status, status_poll_s)
        self.title = self.texts.tr("ui.app_title")
        self.simulator_panel: Any = None
        self.screen_makers: dict[str, type[TerminalScreen]] = {}
        # Hook: the sign-in screen is on the glass (the launcher logs the start-up time).
        self.on_login_shown: Callable[[], None] = lambda: None

    def build(self) -> BoxLayout:
        from terminal.ui.screens import SCREENS

        register_fonts()
        Window.clearcolor = self.kit.theme.background
        main = Panel(self.kit.theme.background, orientation="vertical")
        self.ui.status_bar = StatusBar(self.kit)
        self.ui.message = MessageLine(self.kit)
        for widget in (self.ui.status_bar, self.ui.message, self.screens):
            main.add_widget(widget)
        # Each screen is built the first time it is shown (`screen()`): a start builds only
        # the sign-in screen, which on a Pi is most of the time to the first frame.
        self.screen_makers = {make_screen.screen_name: make_screen for make_screen in SCREENS}
        if not self.runtime.config.shows_simulator_panel:
            return main
        from terminal.ui.simulator_panel import SimulatorPanel

        Window.size = self.runtime.config.window_size
        root = BoxLayout(orientation="horizontal")
        root.add_widget(main)
        self.simulator_panel = SimulatorPanel(self.ui, width=SIMULATOR_PANEL_WIDTH)
        root.add_widget(self.simulator_panel)
        return root

    def on_start(self) -> None:
        self._freeze_what_lives_on()
        self.runtime.start()
        self.runtime.reader.start(lambda event: self.bridge.post(self.dispatch_card, event))
        self.monitor.start()
        self.show_screen("login")
        # After the first frame with the login screen on it has been drawn.
        Clock.schedule_once(lambda _dt: self.on_login_shown(), 0)

    def on_stop(self) -> None:
        self.monitor.stop()
        self.bridge.close()
        self.runtime.close()

    @staticmethod
    def _freeze_what_lives_on() -> None:
        """After a build: what was built lives as long as the app (the screens are kept), so
        keep the cyclic garbage collector from walking it again and again (its pauses showed
        as dropped frames, and as slower sales when screens came to be built on first show)."""
        gc.collect()
        gc.freeze()

    def has_screen(self, name: str) -> bool:
        return name in self.screen_makers

    def screen(self, name: str) -> TerminalScreen:
        """The screen called `name`, built now if it has not been shown before."""
        if not self.screens.has_screen(name):
            self.screens.add_widget(self.screen_makers[name](self.ui))
            self._freeze_what_lives_on()
        return self.screens.get_screen(name)

    def show_screen(self, name: str, **params: Any) -> None:
        if self.ui.message is not None:
            self.ui.message.clear()
        screen = self.screen(name)
        self.screens.current = name
        screen.enter(**params)

    def current_screen(self) -> TerminalScreen:
        return self.screens.current_screen

    def dispatch_card(self, event: CardEvent) -> None:
        self.current_screen().on_card(event)

    def switch_language(self, language: str) -> None:
        """At once, for the screens and the receipts; kept in the store for the next start."""
        self.texts.set_language(language)
        upkeep, chosen = self.services.upkeep, self.texts.language
        upkeep.use_language(chosen)
        self.title = self.texts.tr("ui.app_title")
        # A write to the store: on the cashier worker, never on the UI thread.
        self.bridge.run(lambda: upkeep.keep_language(chosen), lambda _: None,
                        lambda error: log.warning("language %s not kept for the next start: %s",
                                                  chosen, error))

    def _show_status(self, status: TerminalStatus) -> None:
        if self.ui.status_bar is not None:
            self.ui.status_bar.show_status(status)

