"""The member's history (消费记录): the operations this terminal recorded on the member's card,
newest first, a page at a time; each row says when, what (purchase, top-up, package...), what it
came to, and what it changed on the card: stored value, points, uses, minutes. Operations made
at other terminals are HQ's and not listed (the screen says so)."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from membership.ledger import Account
from membership.money import format_fen
from terminal.cashier.member_history import HistoryItem, HistoryPage
from terminal.ui.app import TerminalScreen
from terminal.ui.counter_widgets import fixed_row, row_label, show_member_line

PER_PAGE = 8
KINDS = frozenset({
    "sale", "refund", "void", "card.topped_up", "card.withdrawn", "card.issued", "card.replaced",
    "card.extended", "card.cancelled", "package.purchased", "pass.purchased", "time.purchased",
    "time.session_closed", "gift.redeemed",
})
# What a row shows of an operation's changes on the card, in this order (stored value apart).
CHANGES = ((Account.POINTS, "history.points"), (Account.COUNT, "history.uses"),
           (Account.TIME, "history.minutes"), (Account.PASS, "history.passes"))


class HistoryScreen(TerminalScreen):
    screen_name = "history"

    def build(self) -> None:
        kit = self.kit
        layout = BoxLayout(orientation="vertical", padding=kit.theme.padding,
                           spacing=kit.theme.spacing)
        self.member = row_label(kit, test_id="history.member")
        layout.add_widget(self.member)
        layout.add_widget(row_label(kit, "history.scope", test_id="history.scope", size="small",
                                    rows=0.6))
        self.rows = BoxLayout(orientation="vertical", size_hint_y=None,
                              spacing=kit.theme.spacing)
        self.rows.bind(minimum_height=self.rows.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.rows)
        layout.add_widget(scroll)
        self.page_label = kit.label(test_id="history.page")
        self.page_label.halign = "center"
        self.newer = kit.button("history.newer", lambda: self.turn(-1), test_id="history.newer",
                                kind="plain")
        self.older = kit.button("history.older", lambda: self.turn(1), test_id="history.older",
                                kind="plain")
        layout.add_widget(fixed_row(
            kit, self.newer, self.page_label, self.older,
            kit.button("ui.back", lambda: self.ui.go("home"), test_id="history.back",
                       kind="plain")))
        self.add_widget(layout)
        self.shown = HistoryPage((), 0, False)

    def enter(self, **params: Any) -> None:
        self.shown = HistoryPage((), 0, False)
        self.rows.clear_widgets()
        self._load(0)

    def turn(self, step: int) -> None:
        page = self.shown.page + step
        if page < 0 or (step > 0 and not self.shown.has_more):
            return
        self._load(page)

    def _load(self, page: int) -> None:
        view = self.ui.session.member
        if not show_member_line(self.member, view) or view is None:
            self.page_label.show(text="")
            return
        history, card_no = self.ui.services.history, view.card_no
        self.ui.run(lambda: history.page(card_no, page, PER_PAGE), self._show)

    def _show(self, shown: HistoryPage) -> None:
        if self.ui.message is not None:
            self.ui.message.clear()
        self.shown = shown
        self.rows.clear_widgets()
        if not shown.items:
            self.rows.add_widget(row_label(self.kit, "history.none", test_id="history.none"))
        for index, item in enumerate(shown.items):
            self.rows.add_widget(row_label(self.kit, text=self._row_text(item), size="small",
                                           test_id=f"history.row.{index}"))
        self.page_label.show("history.page", page=shown.page + 1)
        self.newer.disabled = shown.page == 0
        self.older.disabled = not shown.has_more

    def _row_text(self, item: HistoryItem) -> str:
        tr = self.kit.texts.tr
        kind = item.kind if item.kind in KINDS else "other"
        parts = [item.at.strftime("%Y-%m-%d %H:%M"), tr(f"history.kind.{kind}")]
        if item.amount:
            parts.append(tr("history.amount", amount=item.amount))
        if item.stored_value:
            parts.append(tr("history.stored_value", delta=_signed_fen(item.stored_value)))
        for account, key in CHANGES:
            delta = item.changes.get(account.value, 0)
            if delta:
                parts.append(tr(key, delta=f"{delta:+d}"))
        return "  ".join(parts)


def _signed_fen(fen: int) -> str:
    return ("+" if fen > 0 else "") + format_fen(fen)
