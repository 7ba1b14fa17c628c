"""The inputs of a sale's decision, as the `inputs` object of its `sale.completed` event.

A terminal is trusted only for the cash in its own drawer (DESIGN.md decision 11): HQ does not
copy a sale's ledger entries, it decides the sale again with the same core (membership.sale)
from what the cashier asked for and the configuration versions the terminal priced with. So the
event carries them: the lines (product, quantity, the unit price charged, whether a count
package paid it, who served), the money tenders as the cashier entered them, the coupon code
presented, the points the member asked to use, the member level priced with, and the
(scope, version) of every configuration document in force (docs/protocol.md, "sale.completed").
The same inputs give HQ's reports the product, time and commission data.

`encode_inputs` writes them; `decode_inputs` reads them back strictly (a ValueError names the
field), since HQ reads them from a terminal that may be hostile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from membership.money import MAX_FEN
from membership.tenders import Tender, TenderKind

if TYPE_CHECKING:
    from membership.sale import MemberContext, SaleRequest

MAX_INPUT_LINES = 500
MAX_INPUT_TENDERS = 20
MAX_CONFIG_DOCUMENTS = 32
MAX_QTY = 10**6
MAX_TEXT = 64
MAX_REFERENCE = 256

class InputsInvalid(ValueError):
    """Inputs not as encoded; `field` names the first that is not (e.g. `lines.qty`)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


# A configuration document the terminal priced with: name -> (scope, version).
ConfigVersions = Mapping[str, tuple[str, int]]


@dataclass(frozen=True)
class InputLine:
    line_no: int
    product_code: str
    qty: int
    unit_price: int  # fen, as the terminal charged it
    use_count: bool = False
    staff_id: str = ""


@dataclass(frozen=True)
class SaleInputs:
    lines: tuple[InputLine, ...]
    tenders: tuple[Tender, ...] = ()
    coupon_code: str = ""
    points_requested: int = 0
    level_code: str = ""
    config: ConfigVersions = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))


def encode_inputs(request: SaleRequest, member: MemberContext | None,
                  config: ConfigVersions) -> dict[str, Any]:
    """The `inputs` object of a sale's event: what `decide_sale` was given."""
    level = member.level if member is not None else None
    return {
        "lines": [{"line_no": line.line_no, "product_code": line.product.code, "qty": line.qty,
                   "unit_price": line.product.unit_price, "use_count": line.use_count,
                   "staff_id": line.staff_id} for line in request.lines],
        "tenders": [{"kind": tender.kind.value, "amount": tender.amount,
                     "reference": tender.reference} for tender in request.tenders],
        "coupon_code": request.coupon.code if request.coupon is not None else "",
        "points_requested": request.points_requested,
        "level_code": level.code if level is not None else "",
        "config": {name: {"scope": scope, "version": version}
                   for name, (scope, version) in sorted(config.items())},
    }


def decode_inputs(raw: Any) -> SaleInputs:
    """The inputs of an event; InputsInvalid naming the first field that is not as encoded."""
    data = _mapping(raw, "inputs")
    lines = tuple(_line(item) for item in _list(data.get("lines"), "lines", MAX_INPUT_LINES))
    if not lines:
        raise InputsInvalid(field="lines")
    tenders = tuple(_tender(item) for item in
                    _list(data.get("tenders", []), "tenders", MAX_INPUT_TENDERS))
    return SaleInputs(
        lines=lines, tenders=tenders,
        coupon_code=_text(data.get("coupon_code", ""), "coupon_code"),
        points_requested=_integer(data.get("points_requested", 0), "points_requested"),
        level_code=_text(data.get("level_code", ""), "level_code"),
        config=_config(data.get("config", {})),
    )


def _config(raw: Any) -> dict[str, tuple[str, int]]:
    """Name -> (scope, version); written out in one loop: HQ reads it for every sale."""
    config = _mapping(raw, "config")
    if len(config) > MAX_CONFIG_DOCUMENTS:
        raise InputsInvalid(field="config")
    versions = {}
    for name, item in config.items():
        if not isinstance(name, str) or len(name) > MAX_TEXT:
            raise InputsInvalid(field="config")
        if not isinstance(item, Mapping):
            raise InputsInvalid(field="config")
        scope, version = item.get("scope"), item.get("version")
        if not isinstance(scope, str) or len(scope) > MAX_TEXT:
            raise InputsInvalid(field="config.scope")
        if type(version) is not int or not 0 <= version <= MAX_FEN:
            raise InputsInvalid(field="config.version")
        versions[name] = (scope, version)
    return versions


def _line(raw: Any) -> InputLine:
    item = _mapping(raw, "lines")
    use_count = item.get("use_count", False)
    if not isinstance(use_count, bool):
        raise InputsInvalid(field="lines.use_count")
    qty = _integer(item.get("qty"), "lines.qty")
    if not 0 < qty <= MAX_QTY:
        raise InputsInvalid(field="lines.qty")
    return InputLine(
        line_no=_integer(item.get("line_no"), "lines.line_no"),
        product_code=_text(item.get("product_code"), "lines.product_code"),
        qty=qty, unit_price=_integer(item.get("unit_price"), "lines.unit_price"),
        use_count=use_count, staff_id=_text(item.get("staff_id", ""), "lines.staff_id"))


def _tender(raw: Any) -> Tender:
    item = _mapping(raw, "tenders")
    kind = item.get("kind")
    if kind not in {kind.value for kind in TenderKind}:
        raise InputsInvalid(field="tenders.kind")
    return Tender(TenderKind(kind), _integer(item.get("amount"), "tenders.amount"),
                  _text(item.get("reference", ""), "tenders.reference", MAX_REFERENCE))


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputsInvalid(field=name)
    return value


def _list(value: Any, name: str, most: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > most:
        raise InputsInvalid(field=name)
    return value


def _integer(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FEN:
        raise InputsInvalid(field=name)
    return value


def _text(value: Any, name: str, most: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > most:
        raise InputsInvalid(field=name)
    return value
