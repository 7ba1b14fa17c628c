"""The member panel: who is at the counter and what their card holds, from the MemberPanel
model the core computes (membership/member_panel.py). Reminders in colour: a card that cannot
pay in red, a birthday in green, the rest in amber."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from membership.member_panel import MemberPanel, ReminderKind
from terminal.ui.widgets import Panel, TextLabel, UiKit


class MemberPanelWidget(Panel):
    def __init__(self, kit: UiKit) -> None:
        super().__init__(kit.theme.panel, orientation="vertical", padding=kit.theme.padding,
                         spacing=2, size_hint_y=None)
        self.kit = kit
        self.bind(minimum_height=self.setter("height"))  # scrolls when the member has a lot
        self.name = self._line("member.name", size="large")
        # Reminders right under the name: a birthday or a blocked card is what matters first.
        self.reminders = BoxLayout(orientation="vertical", spacing=2, size_hint_y=None)
        self.reminders.bind(minimum_height=self.reminders.setter("height"))
        self.add_widget(self.reminders)
        self.card = self._line("member.card")
        self.phone = self._line("member.phone")
        self.stored_value = self._line("member.stored_value", size="large")
        self.points = self._line("member.points")
        self.counts = self._line("member.counts")
        self.passes = self._line("member.passes")
        self.coupons = self._line("member.coupons")
        self.clear()

    def _line(self, test_id: str, size: str = "normal") -> TextLabel:
        label = self.kit.label(test_id=test_id, size=size)
        minimum = self.kit.theme.row_height if size == "normal" else int(
            self.kit.theme.row_height * 1.3)
        self.add_widget(self._grows(label, minimum))
        return label

    @staticmethod
    def _grows(label: TextLabel, minimum: int) -> TextLabel:
        """A long line wraps: the row grows with its text instead of overlapping the next."""
        label.size_hint_y = None
        label.bind(texture_size=lambda widget, size: setattr(
            widget, "height", max(minimum, size[1] + 4)))
        label.height = minimum
        return label

    def clear(self) -> None:
        for label in (self.card, self.phone, self.stored_value, self.points, self.counts,
                      self.passes, self.coupons):
            label.show(text="")
        self.name.show("ui.swipe_card")
        self.reminders.clear_widgets()

    def show(self, panel: MemberPanel) -> None:
        self.name.show("panel.name_level", name=panel.name or "-",
                       level=panel.level_name or panel.card_type_name or "-")
        self.card.show("panel.card_line", card=panel.card_no_masked,
                       type=panel.card_type_name or "-", status=panel.status.value)
        self.phone.show("panel.phone_line", phone=panel.phone_masked or "-")
        self.stored_value.show("panel.stored_value", principal=panel.principal,
                               bonus=panel.bonus)
        self.points.show("panel.points_line", points=panel.points.usable,
                         expiring=panel.points.expiring_soon)
        self.counts.show(text=self._counts_text(panel))
        self.passes.show(text=self._passes_text(panel))
        self.coupons.show("panel.coupons_line", count=len(panel.coupons),
                          codes="、".join(panel.coupons) or "-")
        self._show_reminders(panel)

    def _counts_text(self, panel: MemberPanel) -> str:
        parts = [self.kit.texts.tr("panel.count_item", service=count.service, uses=count.uses)
                 for count in panel.counts]
        if panel.time_minutes:
            parts.append(self.kit.texts.tr("panel.time_item", minutes=panel.time_minutes))
        return self.kit.texts.tr("panel.counts_line", items="、".join(parts) or "-")

    def _passes_text(self, panel: MemberPanel) -> str:
        parts = [self.kit.texts.tr("panel.pass_item", service=held.service,
                                   until=held.valid_until.isoformat() if held.valid_until
                                   else "-") for held in panel.passes]
        return self.kit.texts.tr("panel.passes_line", items="、".join(parts) or "-")

    def _show_reminders(self, panel: MemberPanel) -> None:
        self.reminders.clear_widgets()
        theme = self.kit.theme
        for index, reminder in enumerate(panel.reminders):
            colour = {ReminderKind.CARD_STATUS: theme.danger, ReminderKind.BIRTHDAY: theme.ok,
                      ReminderKind.LEVEL_UP: theme.ok}.get(reminder.kind, theme.warn)
            params: dict[str, Any] = dict(reminder.params)
            label = self.kit.label(reminder.key, color=colour, test_id=f"member.reminder.{index}",
                                   **params)
            self.reminders.add_widget(self._grows(label, self.kit.theme.row_height))

