"""Timed sessions (计时): start one for the member at the counter (a service their card type
bills by time), see every session running on this terminal, stop one and bill it — a pass
covers it, else prepaid minutes, else money by tenders (stored value with the member's PIN).
A session whose card became unusable after it began (lost, frozen...) is quoted whole in money
and billed so with a manager's approval on the spot.

Starting, quoting and billing are terminal.cashier.time_sessions' on the worker; the bill and
the session's close are one commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from membership.counter_operations import CounterDecision
from membership.timecards import SessionCharge
from terminal.cashier import time_sessions
from terminal.cashier.context import ManagerApproval
from terminal.cashier.operations.common import OperationResult
from terminal.cashier.ports import PinProof
from terminal.cashier.store_ports import TimeSession
from terminal.cashier.time_sessions import RunningSession
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import pin_once_allowed, report_done
from terminal.ui.prompts import ManagerApprovalPrompt
from terminal.ui.tender_pad import TenderPad


@dataclass(frozen=True)
class Stopping:
    """The session the cashier is billing, and what it came to when it was quoted."""

    session: TimeSession
    charge: SessionCharge
    blocked: str = ""  # why the card cannot take the ordinary bill: billed in money instead


class TimeSessionScreen(TerminalScreen):
    screen_name = "time"

    def build(self) -> None:
        kit = self.kit
        self.stopping: Stopping | None = None
        layout = BoxLayout(orientation="horizontal", padding=kit.theme.padding,
                           spacing=kit.theme.padding * 2)
        left = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.55)
        self.member_line = self._line(kit.label(test_id="time.member"))
        left.add_widget(self.member_line)
        self.rates = BoxLayout(orientation="vertical", spacing=kit.theme.spacing,
                               size_hint_y=None)
        self.rates.bind(minimum_height=self.rates.setter("height"))
        left.add_widget(self.rates)
        left.add_widget(self._line(kit.label("time_session.running", size="small")))
        self.sessions = BoxLayout(orientation="vertical", spacing=kit.theme.spacing,
                                  size_hint_y=None)
        self.sessions.bind(minimum_height=self.sessions.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.sessions)
        left.add_widget(scroll)
        left.add_widget(kit.button("ui.back", lambda: self.ui.go("home"), test_id="time.back",
                                   kind="plain"))
        layout.add_widget(left)
        layout.add_widget(self._bill_column())
        self.add_widget(layout)

    def _line(self, label: Any) -> Any:
        label.size_hint_y = None
        label.height = self.kit.theme.row_height
        return label

    def _bill_column(self) -> BoxLayout:
        kit = self.kit
        right = BoxLayout(orientation="vertical", spacing=kit.theme.spacing, size_hint_x=0.45)
        self.bill = kit.label(test_id="time.bill")
        self.bill.size_hint_y = None
        self.bill.height = kit.theme.row_height * 2
        right.add_widget(self.bill)
        self.tender_pad = TenderPad(kit, "time", self.ui.show_error)
        right.add_widget(self.tender_pad)
        right.add_widget(BoxLayout())
        actions = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing,
                            size_hint_y=None, height=kit.theme.button_height)
        actions.add_widget(kit.button("ui.cancel", self.stop_billing, test_id="time.cancel",
                                      kind="plain"))
        actions.add_widget(kit.button("time_session.confirm", self.confirm,
                                      test_id="time.confirm", kind="ok"))
        right.add_widget(actions)
        return right

    # --- showing ----------------------------------------------------------------------------

    def enter(self, **params: Any) -> None:
        self.stop_billing()
        self._show_member()
        self._refresh_sessions()

    def _show_member(self) -> None:
        self.rates.clear_widgets()
        member = self.ui.session.member
        if member is None:
            self.member_line.show("time_session.no_member")
            return
        panel = member.panel
        self.member_line.show("time_session.member", name=panel.name or "-",
                              card=panel.card_no_masked)
        card_type = self.ui.services.ctx.configuration().card_types.get(
            member.context.card_type.code)
        for rate in card_type.time_rates if card_type is not None else ():
            self.rates.add_widget(self.kit.button(
                "time_session.start", lambda service=rate.service: self.start(service),
                test_id=f"time.start.{rate.service}", service=rate.service,
                price=rate.unit_price, minutes=rate.unit_minutes, grace=rate.grace_minutes))

    def _refresh_sessions(self) -> None:
        ctx = self.ui.services.ctx
        self.ui.run(lambda: time_sessions.running_sessions(ctx), self._show_sessions)

    def _show_sessions(self, running: tuple[RunningSession, ...]) -> None:
        if self.ui.message is not None:
            self.ui.message.clear()
        self.sessions.clear_widgets()
        if not running:
            self.sessions.add_widget(self._line(self.kit.label("time_session.none_running",
                                                               test_id="time.none")))
        now = self.ui.services.ctx.clock()
        for item in running:
            session = item.session
            minutes = max(0, int((now - session.started_at).total_seconds() // 60))
            self.sessions.add_widget(self.kit.button(
                "time_session.session", lambda session=session: self.stop(session),
                test_id=f"time.session.{session.session_id}", kind="plain",
                name=item.member_name or "-", card=session.card_no[-4:],
                service=session.service, started=session.started_at.strftime("%H:%M"),
                minutes=minutes))

    def _show_bill(self) -> None:
        stopping = self.stopping
        if stopping is None:
            self.bill.show("time_session.choose_session")
            self.tender_pad.set_due(0)
            self._mark_billed(None)
            return
        self._mark_billed(stopping.session.session_id)
        charge = stopping.charge
        key = ("time_session.bill_blocked" if stopping.blocked else
               "time_session.bill_pass" if charge.covered_by_pass else
               "time_session.bill_prepaid" if charge.prepaid_minutes else "time_session.bill")
        self.bill.show(key, service=stopping.session.service, minutes=charge.bill.minutes,
                       units=charge.bill.units, due=charge.amount_due,
                       prepaid=charge.prepaid_minutes)
        self.tender_pad.set_due(charge.amount_due)

    def _mark_billed(self, session_id: int | None) -> None:
        chosen = f"time.session.{session_id}"
        for button in self.sessions.children:
            if hasattr(button, "background_color"):
                button.background_color = self.kit.theme.primary \
                    if button.test_id == chosen else self.kit.theme.muted

    # --- starting ---------------------------------------------------------------------------

    def start(self, service: str) -> None:
        member, staff = self.ui.session.member, self.ui.session.staff
        if member is None or staff is None:  # (staff: this screen is reached signed in)
            return
        services, card_no = self.ui.services, member.card_no

        def start() -> TimeSession:
            context = services.members.member_context(card_no)
            return time_sessions.start_time_session(services.ctx, staff, context, service)

        self.ui.run(start, self._started)

    def _started(self, session: TimeSession) -> None:
        self._refresh_sessions()
        self.ui.bridge.run(lambda: None, lambda _none: self._say_started(session),
                           self.ui.show_error)

    def _say_started(self, session: TimeSession) -> None:
        if self.ui.message is not None:
            self.ui.message.success("time_session.started", service=session.service,
                                    started=session.started_at.strftime("%H:%M"))

    # --- stopping and billing ---------------------------------------------------------------

    def stop(self, session: TimeSession) -> None:
        """Quote the session as if it stopped now; the cashier then takes the money."""
        services = self.ui.services

        def quote() -> Stopping:
            current = time_sessions.open_session(services.ctx, session.session_id)
            context = services.members.member_context(current.card_no)
            return Stopping(current, *time_sessions.quote_for_the_card(services.ctx, context,
                                                                       current))

        self.ui.run(quote, self._quoted)

    def _quoted(self, stopping: Stopping) -> None:
        self.stopping = stopping
        self.tender_pad.clear()
        self._show_bill()
        if self.ui.message is not None:
            self.ui.message.clear()

    def stop_billing(self) -> None:
        self.stopping = None
        self.tender_pad.clear()
        self._show_bill()

    def confirm(self) -> None:
        stopping = self.stopping
        if stopping is None:
            if self.ui.message is not None:
                self.ui.message.refusal("time_session.choose_session")
            return
        if stopping.blocked:
            self._close_in_money()
            return
        if self.tender_pad.takes_stored_value:
            # A card the bill would refuse (lost or frozen since the quote...) is refused before
            # anyone types a PIN for it.
            session_id = stopping.session.session_id
            pin_once_allowed(self.ui, stopping.session.card_no,
                             lambda ctx, member: time_sessions.check_can_close(ctx, member,
                                                                               session_id),
                             self._close)
            return
        self._close(None)

    def _close(self, proof: PinProof | None) -> None:
        stopping = self.stopping
        if stopping is None:
            return
        services, staff = self.ui.services, self.ui.session.staff
        session, tenders = stopping.session, tuple(self.tender_pad.tenders)

        def close() -> OperationResult:
            context = services.members.member_context(session.card_no)
            return time_sessions.close_time_session(services.ctx, staff, context,
                                                    session.session_id, tenders, proof)

        self.ui.run(close, self._closed)

    def _close_in_money(self) -> None:
        """The card became unusable during the session: a manager approves on the spot and the
        bill is taken in money (the core refuses stored value: tender.card_unusable)."""
        stopping = self.stopping
        if stopping is None:
            return
        services, staff = self.ui.services, self.ui.session.staff
        session, tenders = stopping.session, tuple(self.tender_pad.tenders)

        def approved(approval: ManagerApproval) -> None:
            def close() -> OperationResult:
                context = services.members.member_context(session.card_no)
                return time_sessions.close_time_session_in_money(
                    services.ctx, staff, context, session.session_id, tenders, approval)

            self.ui.run(close, self._closed)

        ManagerApprovalPrompt(self.ui, approved).start()

    def _closed(self, result: OperationResult) -> None:
        self.stop_billing()
        self._refresh_sessions()
        # After the list's refresh, which clears the line: the outcome stays for the cashier,
        # and a receipt that did not print says so after it, never before (it would be covered).
        self.ui.bridge.run(lambda: None, lambda _none: self._say_closed(result),
                           self.ui.show_error)

    def _say_closed(self, result: OperationResult) -> None:
        if not isinstance(result.decision, CounterDecision):
            raise TypeError(f"a counter operation's result, not {type(result.decision).__name__}")
        settlement = result.decision.settlement
        due = settlement.total if settlement is not None else 0
        change = settlement.change if settlement is not None else 0
        report_done(self.ui, result, "time_session.closed", due=due, change=change)
