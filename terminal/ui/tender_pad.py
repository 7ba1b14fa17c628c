"""Split tenders (组合支付) for any screen that takes money: type an amount (or leave it empty for
what is still due) and tap how it is paid; cash may be more than is due, the rest is change.

What the tenders come to is the core's to say (membership.tenders.settle): the pad shows its
answer — the change, or what is still short — and the operation settles them again when it
commits. Test ids are `<prefix>.tender_amount`, `<prefix>.tender.<kind>`,
`<prefix>.tenders_clear` and `<prefix>.tenders`.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.uix.boxlayout import BoxLayout

from membership.errors import DomainError
from membership.money import Fen, format_fen, parse_amount
from membership.tenders import Tender, TenderKind, settle
from terminal.ui.widgets import UiKit, button_grid

# The order of the buttons: the usual ways first; count packages pay lines, not amounts.
PAD_KINDS = (TenderKind.CASH, TenderKind.STORED_VALUE, TenderKind.WECHAT, TenderKind.ALIPAY,
             TenderKind.BANK_CARD)
# Button labels where the receipt's name of the tender is too long for a button.
BUTTON_KEYS = {TenderKind.STORED_VALUE: "tender_pad.stored_value"}


class TenderPad(BoxLayout):
    def __init__(self, kit: UiKit, prefix: str, on_refused: Callable[[Exception], None],
                 **kwargs: object) -> None:
        super().__init__(orientation="vertical", spacing=kit.theme.spacing, size_hint_y=None,
                         **kwargs)
        self.kit, self.on_refused = kit, on_refused
        self.due: Fen = 0
        self.tenders: list[Tender] = []
        entry = BoxLayout(orientation="horizontal", spacing=kit.theme.spacing,
                          size_hint_y=None, height=kit.theme.button_height)
        self.amount = kit.input(test_id=f"{prefix}.tender_amount", hint_key="tender_pad.hint")
        entry.add_widget(self.amount)
        clear = kit.button("tender_pad.clear", self.clear, test_id=f"{prefix}.tenders_clear",
                           kind="plain")
        clear.size_hint_x = 0.4
        entry.add_widget(clear)
        self.add_widget(entry)
        buttons = [kit.button(BUTTON_KEYS.get(kind, f"tender.{kind.value}"),
                              lambda kind=kind: self.add(kind),
                              test_id=f"{prefix}.tender.{kind.value}") for kind in PAD_KINDS]
        for button in buttons:
            button.font_size = kit.theme.small_font_size
        grid = button_grid(kit, buttons, 3)
        self.add_widget(grid)
        self.status = kit.label(size="small", test_id=f"{prefix}.tenders")
        self.status.size_hint_y = None
        self.status.height = 2 * (kit.theme.small_font_size + 6)  # the tenders, the change
        self.add_widget(self.status)
        self.height = (kit.theme.button_height + grid.height + self.status.height
                       + 2 * kit.theme.spacing)
        grid.bind(height=lambda *_: self._fit(grid.height))
        kit.texts.on_change(self.show)
        self.show()

    def _fit(self, grid_height: float) -> None:
        self.height = (self.kit.theme.button_height + grid_height + self.status.height
                       + 2 * self.kit.theme.spacing)

    def set_due(self, due: Fen) -> None:
        self.due = due
        self.show()

    def add(self, kind: TenderKind) -> None:
        typed = self.amount.text.strip()
        try:
            # Nothing typed: this way pays what is still due.
            amount = parse_amount(typed) if typed else self.due - self.paid
            self.tenders.append(Tender(kind, amount))
        except DomainError as error:
            self.on_refused(error)
            return
        self.amount.text = ""
        self.show()

    @property
    def paid(self) -> Fen:
        return sum(tender.amount for tender in self.tenders)

    @property
    def takes_stored_value(self) -> bool:
        return any(tender.kind is TenderKind.STORED_VALUE for tender in self.tenders)

    def clear(self) -> None:
        self.tenders = []
        self.amount.text = ""
        self.show()

    def show(self) -> None:
        texts = self.kit.texts
        parts = [f"{texts.tr(f'tender.{tender.kind.value}')} {format_fen(tender.amount)}"
                 for tender in self.tenders]
        if not self.tenders:
            self.status.show("tender_pad.none", due=self.due)
            return
        try:
            change = settle(self.due, self.tenders).change
            outcome = texts.tr("tender_pad.change", change=change) if change else texts.tr(
                "tender_pad.exact")
        except DomainError as error:  # short, or more than due: the core's own words
            outcome = texts.error(error)
        self.status.show(text="  ".join(parts) + "\n" + outcome)
