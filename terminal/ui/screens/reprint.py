"""重打小票: the newest receipt again, and the receipts still owed to customers (the printer
failed: out of paper, cover open, unplugged) with a button each to print them now.

Printing never blocks the screen: the print service reports each outcome on its own thread and
the screen shows it through the bridge. A receipt that fails again stays in the list.

Also here, for the other after-sale screens (refund, shift): how a receipt's printing went, and
a scrolling list.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from terminal.cashier.operations import PrintOutcome, PrintResult
from terminal.cashier.store_ports import StoredReceipt
from terminal.ui.app import TerminalScreen
from terminal.ui.widgets import TextLabel, UiKit, button_grid

TIME_FORMAT = "%m-%d %H:%M"


def show_print_outcome(ui: Any, result: PrintResult) -> None:
    """On the UI thread: a failed print says why and that the receipt waits in the reprint list;
    a good one leaves the operation's own message on the line."""
    if result.ok or ui.message is None:
        return
    reason = ui.kit.texts.tr(result.error.message_key) if result.error is not None else ""
    ui.message.refusal("printing.failed", reason=reason)


def follow_printing(ui: Any, printing: PrintOutcome) -> None:
    """Show the outcome of an operation's receipt when the printer reports it."""
    printing.on_printed(lambda result: ui.bridge.post(show_print_outcome, ui, result))


def scrolling_list(kit: UiKit) -> tuple[ScrollView, GridLayout]:
    """A column of rows that scrolls when it is longer than the screen."""
    rows = GridLayout(cols=1, spacing=kit.theme.spacing, size_hint_y=None)
    rows.bind(minimum_height=rows.setter("height"))
    scroll = ScrollView(do_scroll_x=False)
    scroll.add_widget(rows)
    return scroll, rows


def row_label(kit: UiKit, key: str = "", text: str = "", *, test_id: str = "",
              **params: Any) -> TextLabel:
    """A label that grows with its (wrapped) text instead of overlapping the next row."""
    label = kit.label(key, text, test_id=test_id, **params)
    label.size_hint_y = None
    label.height = kit.theme.row_height
    label.bind(texture_size=lambda widget, size: setattr(
        widget, "height", max(kit.theme.row_height, size[1] + 8)))
    return label


class ReprintScreen(TerminalScreen):
    screen_name = "reprint"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="vertical", padding=kit.theme.padding,
                           spacing=kit.theme.spacing)
        layout.add_widget(button_grid(kit, [
            kit.button("admin.reprint.last", self.reprint_last, test_id="reprint.last"),
            kit.button("admin.reprint.refresh", self.refresh, test_id="reprint.refresh",
                       kind="plain"),
            kit.button("ui.back", lambda: self.ui.go("home"), test_id="reprint.back",
                       kind="plain"),
        ], 3))
        self.heading = row_label(kit, "admin.reprint.none_pending", size="large",
                                 test_id="reprint.heading")
        layout.add_widget(self.heading)
        layout.add_widget(row_label(kit, "admin.reprint.hint", test_id="reprint.hint",
                                    color=kit.theme.muted))
        scroll, self.rows = scrolling_list(kit)
        layout.add_widget(scroll)
        self.add_widget(layout)

    def enter(self, **params: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.ui.bridge.run(self.ui.services.upkeep.pending_reprints, self._show_pending,
                           self.ui.show_error)

    def _show_pending(self, pending: tuple[StoredReceipt, ...]) -> None:
        self.rows.clear_widgets()
        if pending:
            self.heading.show("printing.pending", count=len(pending))
        else:
            self.heading.show("admin.reprint.none_pending")
        for stored in pending:
            self.rows.add_widget(self._row(stored))

    def _row(self, stored: StoredReceipt) -> BoxLayout:
        kit, receipt = self.kit, stored.receipt
        params = {"kind": receipt.kind.value, "op_id": receipt.op_id,
                  "time": receipt.at.strftime(TIME_FORMAT)}
        test_id = f"reprint.row.{receipt.op_id}"
        if stored.print_error:
            text = row_label(kit, "admin.reprint.row_failed", test_id=test_id,
                             reason=kit.texts.tr(stored.print_error), **params)
        else:
            text = row_label(kit, "admin.reprint.row_waiting", test_id=test_id, **params)
        button = kit.button("admin.reprint.print_one",
                            lambda op_id=receipt.op_id: self.reprint(op_id),
                            test_id=f"reprint.one.{receipt.op_id}")
        button.size_hint_x = 0.25
        row = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing, size_hint_y=None,
                        height=kit.theme.button_height + kit.theme.spacing)
        text.bind(height=lambda _label, height: setattr(
            row, "height", max(height, kit.theme.button_height) + kit.theme.spacing))
        row.add_widget(text)
        row.add_widget(button)
        return row

    # --- printing ---------------------------------------------------------------------------

    def reprint_last(self) -> None:
        ctx, ops = self.ui.services.ctx, self.ui.services.ops
        self.ui.run(lambda: ops.reprint_last(ctx), self._queued)

    def reprint(self, op_id: str) -> None:
        ctx, ops = self.ui.services.ctx, self.ui.services.ops
        self.ui.run(lambda: ops.reprint_receipt(ctx, op_id), self._queued)

    def _queued(self, outcome: PrintOutcome) -> None:
        if self.ui.message is not None:
            self.ui.message.info("admin.reprint.printing", op_id=outcome.op_id)
        self.refresh()  # the receipt leaves the list while it is queued
        outcome.on_printed(lambda result: self.ui.bridge.post(self._printed, result))

    def _printed(self, result: PrintResult) -> None:
        if result.ok and self.ui.message is not None:
            self.ui.message.success("admin.reprint.printed", op_id=result.op_id)
        else:
            show_print_outcome(self.ui, result)
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()
