"""授权记录: the journal of privileged actions (terminal.store.privileged), newest first — who
was refused what, which manager approved what on the spot, what a manager did that a cashier
may not do alone. Reached from the settings screen, so only by whoever may open those."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from terminal.cashier.store_ports import PrivilegedAction
from terminal.ui.app import TerminalScreen
from terminal.ui.screens.reprint import TIME_FORMAT, row_label, scrolling_list

SHOWN = 50


class PrivilegedLogScreen(TerminalScreen):
    screen_name = "privileged_log"

    def build(self) -> None:
        kit = self.kit
        box = BoxLayout(orientation="vertical", padding=kit.theme.padding,
                        spacing=kit.theme.spacing)
        self.title = row_label(kit, "admin.privileged.title", count=SHOWN, size="large",
                               test_id="privileged.title")
        box.add_widget(self.title)
        scroll, self.rows = scrolling_list(kit)
        box.add_widget(scroll)
        back = kit.button("ui.back", lambda: self.ui.go("settings"), test_id="privileged.back",
                          kind="plain")
        back.size_hint_y, back.height = None, kit.theme.button_height
        box.add_widget(back)
        self.add_widget(box)

    def enter(self, **params: Any) -> None:
        staff = self.ui.services.staff
        self.ui.run(lambda: staff.privileged_actions(SHOWN), self._show)

    def _show(self, entries: list[PrivilegedAction]) -> None:
        self.rows.clear_widgets()
        if not entries:
            self.rows.add_widget(row_label(self.kit, "admin.privileged.none",
                                           test_id="privileged.none"))
        for index, entry in enumerate(entries):
            self.rows.add_widget(row_label(
                self.kit, "admin.privileged.row", test_id=f"privileged.row.{index}",
                time=entry.at.strftime(TIME_FORMAT), action=entry.action,
                staff_id=entry.staff_id, outcome=entry.outcome, approved_by=entry.approved_by))
