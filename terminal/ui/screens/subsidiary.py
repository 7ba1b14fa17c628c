"""Subsidiary cards (附属卡) of the member's card: the stored value they share (the parent's),
the subsidiary cards it has with their quota and what each spent this period, and issuing a new
one — its number typed or read by tapping it on the reader, its quota typed (empty: the card
type's default). The rules and refusals are membership.card_service.issue_subsidiary's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huiyuan_devices.cardreader.base import CardEvent, CardPresented, ReaderFault
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from membership.money import parse_amount
from terminal.cashier import subsidiaries
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult
from terminal.cashier.subsidiaries import SubsidiaryCard
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import (
    amount_input,
    fixed_row,
    report_done,
    row_label,
    run_on_member,
    show_member_line,
)
from terminal.ui.widgets import two_columns


class SubsidiaryScreen(TerminalScreen):
    screen_name = "subsidiary"

    def build(self) -> None:
        kit = self.kit
        left, right = two_columns(kit, self)
        self.member = row_label(kit, test_id="subsidiary.member")
        self.shared = row_label(kit, test_id="subsidiary.shared")
        self.policy = row_label(kit, test_id="subsidiary.policy", size="small", rows=0.6)
        for widget in (self.member, self.shared, self.policy):
            left.add_widget(widget)
        self.cards = BoxLayout(orientation="vertical", size_hint_y=None,
                               spacing=kit.theme.spacing)
        self.cards.bind(minimum_height=self.cards.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.cards)
        left.add_widget(scroll)
        right.add_widget(row_label(kit, "subsidiary.new_title", test_id="subsidiary.new_title"))
        self.card_no = kit.input(test_id="subsidiary.card_no", hint_key="subsidiary.card_hint")
        self.quota = amount_input(kit, "subsidiary.quota", "subsidiary.quota_hint")
        right.add_widget(self.card_no)
        right.add_widget(self.quota)
        right.add_widget(BoxLayout())
        right.add_widget(fixed_row(
            kit, kit.button("ui.back", lambda: self.ui.go("home"), test_id="subsidiary.back",
                            kind="plain"),
            kit.button("subsidiary.confirm", self.confirm, test_id="subsidiary.confirm",
                       kind="ok")))
        self.view: MemberView | None = None

    def enter(self, **params: Any) -> None:
        self.card_no.text = ""
        self.quota.text = ""
        self.show_member(self.ui.session.member)

    def show_member(self, view: MemberView | None,
                    then: Callable[[], None] | None = None) -> None:
        """Show the member and their sub-cards; `then` runs once the list is shown."""
        self.view = view
        self.cards.clear_widgets()
        if not show_member_line(self.member, view) or view is None:  # narrows view for mypy
            return
        policy = view.context.card_type.subsidiary
        self.shared.show("subsidiary.shared", principal=view.panel.principal,
                         bonus=view.panel.bonus)
        self.policy.show("subsidiary.policy", max_children=policy.max_children,
                         quota=policy.default_quota, period=policy.period.value)
        services, context = self.ui.services, view.context
        self.ui.run(lambda: subsidiaries.subsidiary_cards(services.ctx, context),
                    lambda cards: self._show_cards(cards, then))

    def _show_cards(self, cards: list[SubsidiaryCard], then: Callable[[], None] | None) -> None:
        self.cards.clear_widgets()
        if not cards:
            self.cards.add_widget(row_label(self.kit, "subsidiary.none", test_id="subsidiary.none"))
        for held in cards:
            card = held.card
            self.cards.add_widget(row_label(
                self.kit, "subsidiary.card", test_id=f"subsidiary.card.{card.card_no}",
                size="small", card=card.card_no, quota=card.quota, used=held.used,
                status=card.status.value))
        if then is not None:
            then()

    def on_card(self, event: CardEvent) -> None:
        """The new card tapped on the reader: its number goes in the field."""
        if isinstance(event, ReaderFault):
            self.ui.show_error(event.error)
        elif isinstance(event, CardPresented) and event.card_no:
            self.card_no.text = event.card_no

    def confirm(self) -> None:
        view = self.view
        if view is None:
            return
        card_no, typed_quota = self.card_no.text.strip(), self.quota.text.strip()
        if not card_no:
            if self.ui.message is not None:
                self.ui.message.refusal("subsidiary.card_needed")
            return
        issue = subsidiaries.issue_subsidiary

        def issued(ctx: Any, staff: Any, member: Any) -> OperationResult:
            quota = parse_amount(typed_quota) if typed_quota else None
            return issue(ctx, staff, member, card_no, quota)

        run_on_member(self.ui, view.card_no, issued,
                      lambda outcome: self._done(outcome, card_no))

    def _done(self, outcome: tuple[OperationResult, MemberView], card_no: str) -> None:
        result, view = outcome
        self.card_no.text = ""
        self.quota.text = ""
        # The outcome after the list's refresh, whose "processing" would cover it.
        self.show_member(view, lambda: report_done(self.ui, result, "subsidiary.done",
                                                   card=card_no))
