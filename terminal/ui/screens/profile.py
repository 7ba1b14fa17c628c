"""The member's profile (会员资料): name, phone, address, gender, notes and whether the member
agrees to receive messages (reminders go only to those who do), with the card's last visit on
this terminal or, as HQ last answered, at any store. Saving sends the whole profile to HQ
(terminal.cashier.profiles.edit_profile); the bounds and refusals are membership.profiles'."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from membership.profiles import GENDERS, ProfileExtras
from terminal.cashier import profiles
from terminal.cashier.members import MemberView
from terminal.cashier.operations import OperationResult
from terminal.cashier.profiles import ProfileView
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import fixed_row, report_done, row_label, run_on_member
from terminal.ui.widgets import TextButton, two_columns


def gender_key(gender: str) -> str:
    return f"profile.gender.{gender or 'none'}"


class ProfileScreen(TerminalScreen):
    screen_name = "profile"

    def build(self) -> None:
        kit = self.kit
        left, right = two_columns(kit, self)
        self.title_line = row_label(kit, test_id="profile.title")
        self.last_visit = row_label(kit, test_id="profile.last_visit", size="small", rows=0.6)
        self.name_field = kit.input(test_id="profile.name", hint_key="profile.name_hint")
        self.phone_field = kit.input(test_id="profile.phone", hint_key="profile.phone_hint")
        self.address_field = kit.input(test_id="profile.address", hint_key="profile.address_hint")
        self.notes_field = kit.input(test_id="profile.notes", hint_key="profile.notes_hint")
        left.add_widget(self.title_line)
        left.add_widget(self.last_visit)
        # Each field keeps its name beside it: a filled field no longer shows its hint.
        for key, field in (("profile.name_label", self.name_field),
                           ("profile.phone_label", self.phone_field),
                           ("profile.address_label", self.address_field),
                           ("profile.notes_label", self.notes_field)):
            label = kit.label(key, size="small")
            label.size_hint_x = 0.24
            left.add_widget(fixed_row(kit, label, field))
        left.add_widget(BoxLayout())
        self.genders: dict[str, TextButton] = {
            gender: kit.button(gender_key(gender), lambda gender=gender: self.choose(gender),
                               test_id=f"profile.{gender_key(gender)}", kind="plain")
            for gender in GENDERS}
        right.add_widget(fixed_row(kit, *self.genders.values()))
        self.consent_button = kit.button("profile.consent_no", self.toggle_consent,
                                         test_id="profile.consent", kind="plain")
        right.add_widget(self.consent_button)
        right.add_widget(BoxLayout())
        right.add_widget(fixed_row(
            kit, kit.button("ui.back", lambda: self.ui.go("home"), test_id="profile.back",
                            kind="plain"),
            kit.button("profile.confirm", self.confirm, test_id="profile.confirm", kind="ok")))
        self.view: MemberView | None = None
        self.gender, self.consent = "", False

    def enter(self, **params: Any) -> None:
        view = self.view = self.ui.session.member
        for field in (self.name_field, self.phone_field, self.address_field, self.notes_field):
            field.text = ""
        if view is None:
            self.title_line.show("counter.no_member")
            return
        self.title_line.show("profile.title", name=view.panel.name or "-",
                        card=view.panel.card_no_masked)
        ctx, card_no = self.ui.services.ctx, view.card_no
        self.ui.run(lambda: profiles.profile_of(ctx, card_no), self._show)

    def _show(self, shown: ProfileView) -> None:
        member, extras = shown.member, shown.extras
        self.name_field.text, self.phone_field.text = member.name, member.phone
        self.address_field.text, self.notes_field.text = extras.address, extras.notes
        self.choose(extras.gender)
        self.consent = extras.consent
        self._show_consent()
        if shown.last_visit is None:
            self.last_visit.show("profile.never_seen")
        else:
            self.last_visit.show("profile.last_visit",
                                 when=shown.last_visit.strftime("%Y-%m-%d %H:%M"))

    def choose(self, gender: str) -> None:
        self.gender = gender
        for each, button in self.genders.items():
            button.background_color = (self.kit.theme.primary if each == gender
                                       else self.kit.theme.muted)

    def toggle_consent(self) -> None:
        self.consent = not self.consent
        self._show_consent()

    def _show_consent(self) -> None:
        theme = self.kit.theme
        self.consent_button.key = "profile.consent_yes" if self.consent else "profile.consent_no"
        self.consent_button.relabel()
        self.consent_button.background_color = theme.ok if self.consent else theme.muted

    def confirm(self) -> None:
        view = self.view
        if view is None:
            return
        name, phone = self.name_field.text, self.phone_field.text
        extras = ProfileExtras(self.address_field.text, self.gender, self.notes_field.text,
                               self.consent)

        def save(ctx: Any, staff: Any, member: Any) -> OperationResult:
            return profiles.edit_profile(ctx, staff, member, name, phone, extras)

        run_on_member(self.ui, view.card_no, save, self._saved)

    def _saved(self, outcome: tuple[OperationResult, MemberView]) -> None:
        _result, view = outcome
        self.ui.session.member = view
        report_done(self.ui, _result, "profile.done", name=self.name_field.text.strip())
