"""On-screen hands for the simulated devices, so a newcomer can try every flow on a laptop:
tap a demo card (or take it away), type on the member's PIN keypad, see the receipts the
simulated printer printed, and make the printer run out of paper. Shown only when a device is
simulated or the demo's cards are virtual cards on a PC/SC reader (`[ui] simulator_panel`,
`[demo] virtual_card_port`); the app itself cannot tell these hands from real ones.
"""

from __future__ import annotations

from typing import Any

from huiyuan_devices.cardreader.card_pin import CardPin
from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from terminal.demo.members import DEMO_CARDS, DemoCard
from terminal.receipts.preview import document_text
from terminal.ui.widgets import Panel, TextLabel

KEYPAD_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "esc", "0", "enter")
RECEIPT_POLL_S = 0.5


class SimulatorPanel(Panel):
    def __init__(self, ui: Any, width: int) -> None:
        super().__init__(ui.kit.theme.panel, orientation="vertical", size_hint_x=None,
                         width=width, padding=ui.kit.theme.spacing, spacing=ui.kit.theme.spacing)
        self.ui, self.kit = ui, ui.kit
        self.runtime = ui.runtime
        self._shown_receipts = -1
        self.add_widget(self.kit.label("sim.title", size="large", test_id="sim.title"))
        if ui.runtime.card_tapper is not None:
            self.add_widget(self._cards())
        if ui.runtime.config.simulated("pinpad"):
            self.add_widget(self._keypad())
        if ui.runtime.config.simulated("printer"):
            self.add_widget(self._printer())
            Clock.schedule_interval(self._refresh_receipt, RECEIPT_POLL_S)

    def _cards(self) -> GridLayout:
        grid = GridLayout(cols=1, spacing=self.kit.theme.spacing, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for card in DEMO_CARDS:
            grid.add_widget(self._small_button(card.label_key, lambda card=card: self.tap(card),
                                               f"sim.tap.{card.uid}"))
        grid.add_widget(self._small_button("sim.remove_card", self.take_away, "sim.remove",
                                           kind="plain"))
        return grid

    def _keypad(self) -> GridLayout:
        grid = GridLayout(cols=3, spacing=2, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for key in KEYPAD_KEYS:
            label = {"esc": "sim.key_esc", "enter": "sim.key_enter"}.get(key, "")
            grid.add_widget(self._small_button(label, lambda key=key: self.press(key),
                                               f"sim.key.{key}", kind="plain", text=key))
        return grid

    def _printer(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", spacing=2)
        box.add_widget(self._small_button("sim.paper_out", self.toggle_paper, "sim.paper",
                                          kind="danger"))
        scroll = ScrollView(do_scroll_x=False)
        self.receipt = TextLabel(self.kit, text="", size="small", test_id="sim.receipt")
        self.receipt.size_hint_y = None
        self.receipt.bind(texture_size=lambda label, size: setattr(label, "height", size[1]))
        scroll.add_widget(self.receipt)
        box.add_widget(scroll)
        return box

    def _small_button(self, key: str, action: Any, test_id: str, kind: str = "primary",
                      **params: Any) -> Any:
        button = self.kit.button(key, action, test_id=test_id, kind=kind, **params)
        button.height = int(self.kit.theme.button_height * 0.7)
        button.font_size = self.kit.theme.small_font_size
        return button

    # --- the hands --------------------------------------------------------------------------

    @property
    def chips(self) -> dict[str, CardPin]:
        """Each demo chip's PIN state (tries left), by UID."""
        return self.runtime.card_tapper.chips if self.runtime.card_tapper is not None else {}

    def tap(self, card: DemoCard) -> None:
        # The simulated reader, or a virtual card through pcscd (terminal/demo/card_tapper.py).
        self.runtime.card_tapper.tap(card)

    def take_away(self) -> None:
        self.runtime.card_tapper.take_away()

    def press(self, key: str) -> None:
        self.runtime.pinpad.press(key)

    def toggle_paper(self) -> None:
        printer = self.runtime.printer
        printer.paper_out = not printer.paper_out

    def _refresh_receipt(self, _dt: float) -> None:
        documents = self.runtime.printer.documents
        if len(documents) != self._shown_receipts:
            self._shown_receipts = len(documents)
            text = document_text(documents[-1], self.ui.kit.texts.language) if documents else ""
            self.receipt.show(text=text)
