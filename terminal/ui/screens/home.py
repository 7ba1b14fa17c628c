"""The home screen: find the member (card tap, swipe, or phone number), see their panel, choose
what to do. The buttons are those the signed-in role may do, alone or with a manager's approval
(terminal.ui.home_actions); one that needs approval asks for it on the spot when the operation is
confirmed (TerminalUi.run). Actions that need a member are refused with a message until one is
found."""

from __future__ import annotations

from typing import Any

from huiyuan_devices.cardreader.base import CardEvent, CardPresented, CardRemoved, ReaderFault
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from terminal.cashier.members import MemberView
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import fixed_row
from terminal.ui.home_actions import HOME_ACTIONS, MEMBER_HOME_ACTIONS
from terminal.ui.member_panel import MemberPanelWidget
from terminal.ui.widgets import button_grid


class HomeScreen(TerminalScreen):
    screen_name = "home"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.58)
        search = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing,
                           size_hint_y=None, height=kit.theme.button_height)
        self.phone = kit.input(test_id="home.phone", hint_key="home.phone_hint", numeric=True)
        search.add_widget(self.phone)
        find = kit.button("home.find", self.find_by_phone, test_id="home.find")
        find.size_hint_x = 0.3
        search.add_widget(find)
        left.add_widget(search)
        self.panel = MemberPanelWidget(kit)
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.panel)
        left.add_widget(scroll)
        self.choices = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        left.add_widget(self.choices)
        self.member_actions = fixed_row(kit)
        left.add_widget(self.member_actions)
        # Signing out sits with clearing the member, under the panel: the actions' grid then
        # fits an 800x480 panel whole (six rows, Checkout on top).
        left.add_widget(fixed_row(
            kit, kit.button("home.clear_member", self.clear_member, test_id="home.clear",
                            kind="plain"),
            kit.button("ui.logout", self.sign_out, test_id="home.logout", kind="plain")))
        right = BoxLayout(orientation="vertical", size_hint_x=0.42)
        self.actions = button_grid(kit, [], 2)
        right.add_widget(self.actions)
        right.add_widget(BoxLayout())
        layout.add_widget(left)
        layout.add_widget(right)
        self.add_widget(layout)

        self.buttons = {action.screen: self.kit.button(
            action.key, lambda action=action: self.open(action.screen, action.needs_member),
            test_id=f"home.action.{action.screen}")
            for action in (*HOME_ACTIONS, *MEMBER_HOME_ACTIONS)}

    def enter(self, **params: Any) -> None:
        self.ui.run(self._permitted_screens, self._show_actions)
        member = self.ui.session.member
        if member is None:
            self.panel.clear()
            return
        # Balances change with every operation: show the member as the store has them now.
        self.ui.run(lambda: self.ui.services.members.view(member.card_no), self.show_member)

    # --- finding the member -----------------------------------------------------------------

    def on_card(self, event: CardEvent) -> None:
        if isinstance(event, CardPresented):
            # How the card was read decides who checks the PIN (the card itself, or HQ).
            self.ui.session.values["card_source"] = event.source
            self.ui.run(lambda: self.ui.services.members.find_by_card(event), self.show_member)
        elif isinstance(event, ReaderFault):
            self.ui.show_error(event.error)
        elif isinstance(event, CardRemoved) and self.ui.message is not None:
            self.ui.message.info("ui.card_removed")

    def find_by_phone(self) -> None:
        phone = self.phone.text
        self.ui.session.values["card_source"] = None
        self.ui.run(lambda: self.ui.services.members.find_by_phone(phone), self._phone_found)

    def _phone_found(self, views: list[MemberView]) -> None:
        self.choices.clear_widgets()
        self.choices.height = 0
        if not views:
            if self.ui.message is not None:
                self.ui.message.refusal("home.no_member_for_phone")
            return
        if len(views) == 1:
            self.show_member(views[0])
            return
        if self.ui.message is not None:
            self.ui.message.info("home.choose_card")
        for view in views:
            self.choices.add_widget(self.kit.button(
                "", lambda view=view: self.show_member(view), kind="plain",
                text=f"{view.panel.card_no_masked}  {view.panel.card_type_name}",
                test_id=f"home.choose.{view.card_no}"))
        self.choices.height = len(views) * (self.kit.theme.button_height + 2)

    def show_member(self, view: MemberView) -> None:
        self.choices.clear_widgets()
        self.choices.height = 0
        self.ui.session.member = view
        self.panel.show(view.panel)
        if self.ui.message is not None:
            if view.from_hq:
                self.ui.message.clear()
            else:
                self.ui.message.info("home.offline_view")

    def clear_member(self) -> None:
        self.ui.session.member = None
        self.phone.text = ""
        self.panel.clear()

    # --- actions ----------------------------------------------------------------------------

    def _permitted_screens(self) -> set[str]:
        """The screens whose actions the signed-in role may do, alone or with approval."""
        staff = self.ui.services.staff
        return {action.screen for action in (*HOME_ACTIONS, *MEMBER_HOME_ACTIONS)
                if not action.actions or any(staff.grant(each) for each in action.actions)}

    def _show_actions(self, permitted: set[str]) -> None:
        for container, actions in ((self.actions, HOME_ACTIONS),
                                   (self.member_actions, MEMBER_HOME_ACTIONS)):
            container.clear_widgets()
            for action in actions:
                if action.screen in permitted:
                    container.add_widget(self.buttons[action.screen])

    def open(self, screen: str, needs_member: bool) -> None:
        if needs_member and self.ui.session.member is None:
            if self.ui.message is not None:
                self.ui.message.refusal("home.member_needed")
            return
        if not self.ui.app.has_screen(screen):
            if self.ui.message is not None:
                self.ui.message.refusal("home.not_available")
            return
        self.ui.go(screen)

    def sign_out(self) -> None:
        self.ui.services.staff.logout()
        self.ui.sign_out()
        self.ui.go("login")
