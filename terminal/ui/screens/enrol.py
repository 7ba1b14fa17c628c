"""Enrolment (开卡): a new member and their first card. The cashier puts the new card on the
reader (its UID is bound, and its card number when the chip carries our member application) or
types a card number, fills in the name, phone and birthday (solar or lunar), picks the card type
and how the join fee is paid, and confirms. Then the member types their new PIN twice on the
keypad: kept on the card itself for a member-app card, at HQ otherwise (online only: offline the
enrolment stays and the PIN is set later under card services). The new member is then the one
at the counter on the home screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huiyuan_devices.cardreader.base import CardEvent, CardPresented, CardSource, ReaderFault
from huiyuan_devices.keypad.base import Pin
from kivy.uix.boxlayout import BoxLayout

from membership.birthdays import Birthday, Calendar
from membership.cards import CardType
from membership.profiles import normalise_phone
from terminal.cashier.operations import OperationResult
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import (
    Notice,
    TenderChoice,
    ask_new_pin,
    fixed_row,
    report_done,
    row_label,
)
from terminal.ui.widgets import TextButton, button_grid

PIN_PROMPTS = ("enrol.pin_new", "enrol.pin_again")


class EnrolScreen(TerminalScreen):
    screen_name = "enrol"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding * 2)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.55)
        self.card = row_label(kit, "enrol.tap_card", test_id="enrol.card")
        self.card_no = kit.input(test_id="enrol.card_no", hint_key="enrol.card_no_hint")
        self.name_field = kit.input(test_id="enrol.name", hint_key="enrol.name_hint")
        self.phone = kit.input(test_id="enrol.phone", hint_key="enrol.phone_hint", numeric=True)
        self.calendar_button = kit.button("enrol.solar", self.toggle_calendar,
                                          test_id="enrol.calendar", kind="plain")
        self.month = kit.input(test_id="enrol.month", numeric=True)
        self.day = kit.input(test_id="enrol.day", numeric=True)
        left.add_widget(self.card)
        # A caption before each field: a filled field no longer shows its hint.
        for caption, *fields in (("enrol.card_no_hint", self.card_no),
                                 ("enrol.name_hint", self.name_field),
                                 ("enrol.phone_hint", self.phone),
                                 ("enrol.birthday", self.calendar_button, self.month,
                                  self._unit("enrol.month"), self.day,
                                  self._unit("enrol.day"))):
            left.add_widget(self._captioned(caption, *fields))
        left.add_widget(BoxLayout())
        right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.45)
        self.types = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        self.fee = row_label(kit, test_id="enrol.fee")
        self.tender = TenderChoice(kit, "enrol.tender", columns=2)
        confirm = kit.button("enrol.confirm", self.confirm, test_id="enrol.confirm", kind="ok")
        back = kit.button("ui.back", lambda: self.ui.go("home"), test_id="enrol.back",
                          kind="plain")
        for widget in (self.types, self.fee, self.tender, fixed_row(kit, confirm, back),
                       BoxLayout()):
            right.add_widget(widget)
        layout.add_widget(left)
        layout.add_widget(right)
        self.add_widget(layout)
        self.card_types: dict[str, CardType] = {}
        self.type_buttons: dict[str, TextButton] = {}
        self.type_code = ""
        self.calendar = Calendar.SOLAR
        self.read = CardPresented("")  # the card last read here (none yet)
        self.pin_changes = self.ui.services.pin_changes

    def _captioned(self, caption: str, *fields: Any) -> BoxLayout:
        label = self.kit.label(caption)
        label.size_hint_x = None
        label.width = self.kit.theme.font_size * 6
        return fixed_row(self.kit, label, *fields)

    def _unit(self, key: str) -> Any:
        """月 / 日, or "month" / "day": as wide as the longest of them, whole."""
        label = self.kit.label(key)
        label.size_hint_x = None
        label.width = int(self.kit.theme.font_size * 3.5)
        return label

    def enter(self, **params: Any) -> None:
        for field in (self.card_no, self.name_field, self.phone, self.month, self.day):
            field.text = ""
        self.read = CardPresented("")
        self.card.show("enrol.tap_card")
        self.calendar = Calendar.LUNAR
        self.toggle_calendar()  # back to solar
        ctx = self.ui.services.ctx
        self.ui.run(lambda: list(ctx.configuration().card_types.values()), self._show_types)

    def _show_types(self, card_types: list[CardType]) -> None:
        if self.ui.message is not None:
            self.ui.message.clear()
        self.card_types = {card_type.code: card_type for card_type in card_types}
        self.type_buttons = {code: self.kit.button(
            "", lambda code=code: self.choose_type(code), text=card_type.name,
            test_id=f"enrol.type.{code}", kind="plain")
            for code, card_type in self.card_types.items()}
        grid = button_grid(self.kit, list(self.type_buttons.values()), 2)
        self.types.clear_widgets()
        self.types.add_widget(grid)
        self.types.height = grid.height
        grid.bind(height=self.types.setter("height"))
        self.choose_type(next(iter(self.card_types), ""))

    def choose_type(self, code: str) -> None:
        self.type_code = code
        for each, button in self.type_buttons.items():
            button.background_color = (self.kit.theme.primary if each == code
                                       else self.kit.theme.muted)
        card_type = self.card_types.get(code)
        if card_type is None:
            self.fee.show("enrol.no_card_types")
        else:
            self.fee.show("enrol.fee", type=card_type.name, fee=card_type.fees.join)

    def toggle_calendar(self) -> None:
        lunar = self.calendar is Calendar.SOLAR
        self.calendar = Calendar.LUNAR if lunar else Calendar.SOLAR
        self.calendar_button.key = "enrol.lunar" if lunar else "enrol.solar"
        self.calendar_button.relabel()

    # --- the new card on the reader -------------------------------------------------------

    def on_card(self, event: CardEvent) -> None:
        if isinstance(event, ReaderFault):
            self.ui.show_error(event.error)
            return
        if not isinstance(event, CardPresented):
            return
        self.read = event
        if event.card_no:
            self.card_no.text = event.card_no
            self.card.show("enrol.card_read", card_no=event.card_no)
        else:  # a UID-only tag: its number is printed on it, the cashier types it
            self.card_no.text = ""
            self.card.show("enrol.tag_read", uid=event.uid)

    # --- enrolling ------------------------------------------------------------------------

    def confirm(self) -> None:
        card_type = self.card_types.get(self.type_code)
        if card_type is None:
            if self.ui.message is not None:
                self.ui.message.refusal("enrol.no_card_types")
            return
        card_no, name = self.card_no.text.strip(), self.name_field.text.strip()
        phone_text, calendar = self.phone.text, self.calendar
        month, day = self.month.text.strip(), self.day.text.strip()
        tenders = self.tender.tenders(card_type.fees.join)
        # The card read is the card enrolled unless another number was typed over its own (a
        # UID-only tag's number is always typed).
        read = self.read if self.read.card_no in ("", card_no) else CardPresented("")
        uid, source = read.uid, (read.source if read.card_no else None)
        services, staff = self.ui.services, self.ui.session.staff

        def enrol() -> OperationResult:
            birthday = (Birthday(calendar, int(month or 0), int(day or 0))
                        if month or day else None)
            return services.ops.enrol_member(
                services.ctx, staff, card_no, name, card_type.code, tenders, uid=uid,
                phone=normalise_phone(phone_text), birthday=birthday)

        self.ui.run(enrol, lambda result: self._enrolled(result, card_no, source))

    def _enrolled(self, result: OperationResult, card_no: str,
                  source: CardSource | None) -> None:
        report_done(self.ui, result, "enrol.done", card=card_no)

        def finish() -> None:
            self._finish(result, card_no, source)

        def typed(pins: list[Pin]) -> None:
            set_pin = self.pin_changes.set_pin
            self.ui.run(lambda: set_pin(card_no, pins[0], source), lambda _: finish(),
                        lambda error: self._pin_later(finish, self.kit.texts.error(error)))

        def not_typed(key: str, error: Exception | None) -> None:
            reason = self.kit.texts.error(error) if error else self.kit.texts.tr(key)
            self._pin_later(finish, reason)

        ask_new_pin(self.ui, PIN_PROMPTS, "enrol.pin_mismatch", typed, not_typed)

    def _pin_later(self, finish: Callable[[], None], reason: str) -> None:
        """The card is issued either way: the member sets the PIN later (card services)."""
        Notice(self.ui, "enrol.pin_later", finish, reason=reason).open()

    def _finish(self, result: OperationResult, card_no: str, source: CardSource | None) -> None:
        """The new member is the one at the counter now."""
        def selected(view: Any) -> None:
            self.ui.session.member = view
            self.ui.session.values["card_source"] = source
            self.ui.go("home")
            # Home refreshes the member on the worker and then shows its own line: the
            # enrolment's outcome goes after it, a slip that did not print after that (said
            # under the PIN prompt, it would be covered here).
            self.ui.bridge.run(lambda: None, lambda _none: report_done(
                self.ui, result, "enrol.done", card=card_no), self.ui.show_error)

        members = self.ui.services.members
        self.ui.run(lambda: members.view(card_no), selected)
