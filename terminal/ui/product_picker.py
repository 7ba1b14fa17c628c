"""Choosing products by touch: category tabs across the top, a search by name or code, and the
products of the catalogue in force with their price. Test ids: `sale.category.<code>` (and
`sale.category.all`), `sale.search`, `sale.product.<code>`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from membership.catalogue import Product
from membership.money import format_fen
from terminal.i18n import has_translation
from terminal.ui.widgets import UiKit

ALL = ""  # the tab showing every product


class ProductPicker(BoxLayout):
    def __init__(self, kit: UiKit, catalogue: Callable[[], Mapping[str, Product]],
                 on_pick: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=kit.theme.spacing, **kwargs)
        self.kit, self.catalogue, self.on_pick = kit, catalogue, on_pick
        self.category = ALL
        self.categories = GridLayout(cols=3, spacing=kit.theme.spacing, size_hint_y=None)
        self.categories.bind(minimum_height=self.categories.setter("height"))
        self.add_widget(self.categories)
        self.search = kit.input(test_id="sale.search", hint_key="sale.search_hint")
        self.search.bind(text=lambda *_: self._show_products())
        self.add_widget(self.search)
        self.products = GridLayout(cols=2, spacing=kit.theme.spacing, size_hint_y=None)
        self.products.bind(minimum_height=self.products.setter("height"))
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.products)
        self.add_widget(scroll)

    def show(self) -> None:
        """Every category, every product: the catalogue as configured now."""
        self.category = ALL
        self.search.text = ""
        self._show_categories()
        self._show_products()

    def _show_categories(self) -> None:
        self.categories.clear_widgets()
        codes = sorted({product.category for product in self.catalogue().values()})
        self.categories.add_widget(self.kit.button(
            "sale.all_categories", lambda: self.choose_category(ALL),
            test_id="sale.category.all", kind="plain"))
        for code in codes:
            key = f"sale.category.{code}"
            # Categories are HQ's: one this terminal has no name for shows its code.
            self.categories.add_widget(self.kit.button(
                key if has_translation(key) else "", lambda code=code: self.choose_category(code),
                text=code, test_id=f"sale.category.{code}", kind="plain"))

    def choose_category(self, code: str) -> None:
        self.category = code
        self.search.text = ""
        self._show_products()

    def _mark_category(self) -> None:
        chosen = f"sale.category.{self.category or 'all'}"
        for button in self.categories.children:
            button.background_color = self.kit.theme.primary if button.test_id == chosen \
                else self.kit.theme.muted

    def _show_products(self) -> None:
        self.products.clear_widgets()
        self._mark_category()
        query = self.search.text.strip().lower()
        # A search looks through every category; otherwise the tab chosen.
        shown = [product for product in self.catalogue().values()
                 if (query and (query in product.name.lower() or query in product.code.lower()))
                 or (not query and self.category in (ALL, product.category))]
        for product in shown:
            button = self.kit.button(
                "", lambda code=product.code: self.on_pick(code),
                text=f"{product.name}\n{format_fen(product.unit_price)}",
                test_id=f"sale.product.{product.code}")
            button.height = int(self.kit.theme.button_height * 1.25)
            self.products.add_widget(button)
        if not shown:
            self.products.add_widget(self.kit.label("sale.no_products", size="small",
                                                    test_id="sale.no_products"))
