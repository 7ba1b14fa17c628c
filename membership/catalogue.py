"""Products (商品 / 服务项目) and the lines of a sale, as plain data for pricing.

Prices come from HQ's catalogue document; a sale line pairs a product with a quantity. Lines that
a count package settles (计次) are carried through pricing untouched and are not paid in money.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from membership.errors import InvalidInput
from membership.money import Fen


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    category: str
    unit_price: Fen
    is_service: bool = False  # 服务项目 (may be settled by a count package)
    member_discount: bool = True  # False: 特价商品, no member discount (会员折扣)
    earns_points: bool = True
    # 特价不参与其他优惠: a 特价 item takes no promotion or coupon and does not count toward a
    # coupon's minimum spend, unless this is set (the rare store that lets it combine).
    special_price_combines: bool = False

    def __post_init__(self) -> None:
        if not self.code:
            raise InvalidInput("catalogue.code_missing", name=self.name)
        if self.unit_price < 0:
            raise InvalidInput("catalogue.price_negative", code=self.code, price=self.unit_price)

    @property
    def takes_offers(self) -> bool:
        """May a promotion (限时折扣, 买X送Y, 满减) or a coupon reduce it? Not a 特价 item, by
        default (特价不参与其他优惠)."""
        return self.member_discount or self.special_price_combines


@dataclass(frozen=True, slots=True)
class SaleLine:
    line_no: int
    product: Product
    qty: int
    use_count: bool = False  # settled by a count package (计次): not discounted, not paid in money
    staff_id: str = ""  # who served the line (服务人员), for commission

    def __post_init__(self) -> None:
        if self.line_no < 1:
            raise InvalidInput("sale.line_no_invalid", line_no=self.line_no)
        if self.qty <= 0:
            raise InvalidInput("sale.qty_not_positive", line_no=self.line_no, qty=self.qty)

    @property
    def gross(self) -> Fen:
        return self.qty * self.product.unit_price


def validate_sale_lines(lines: Sequence[SaleLine]) -> None:
    """A sale has at least one line and each line number once."""
    if not lines:
        raise InvalidInput("sale.empty")
    seen: set[int] = set()
    for line in lines:
        if line.line_no in seen:
            raise InvalidInput("sale.duplicate_line_no", line_no=line.line_no)
        seen.add(line.line_no)


class Catalogue:
    """The products of one published catalogue version, looked up by code."""

    __slots__ = ("_by_code",)

    def __init__(self, products: Iterable[Product]) -> None:
        by_code: dict[str, Product] = {}
        for product in products:
            if product.code in by_code:
                raise InvalidInput("catalogue.duplicate_code", code=product.code)
            by_code[product.code] = product
        self._by_code = by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def product(self, code: str) -> Product:
        try:
            return self._by_code[code]
        except KeyError:
            raise InvalidInput("catalogue.unknown_product", code=code) from None
