"""Strict reading of configuration document bodies (docs/protocol.md, "Configuration document
bodies"), shared by the codecs in config_codec_cards and config_codec_rules.

Every value is checked for its type; money is integer fen and never negative; no float is
accepted anywhere (money is fen, rates are basis points); a key the reader does not know is
refused, so that a typo in HQ's document fails loudly instead of silently dropping a rule. Every
error is a ConfigError whose parameters name the document, the item (its code, or its place such
as `products[3]` until the code is read) and the field's path inside the item.

The checks themselves (a value's type, its bounds, the keys nobody read) are the one bounded
reader's (membership.config_reader), which reads the TOML tables of the terminal and HQ; what is
particular to documents is here: no floats, money, codes, errors keyed for translation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, time
from enum import StrEnum
from operator import attrgetter
from typing import Any, TypeVar

from membership.config_reader import is_of_type, out_of_range, unread_keys
from membership.errors import ConfigError, DomainError

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

BODY = "-"  # the item named in errors about the body itself (not one of its items)

# The `expected` parameter of config.field_type; each has a `config.type.<name>` translation.
EXPECTED_TYPES = ("object", "list", "text", "integer", "boolean", "datetime", "time")


class _Absent:
    """A field not in the document: the core's own default applies (see Fields.build)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Fields:
    """One JSON object of a document body being decoded.

    Every read records its key, so that `build` (or `finish`) refuses the keys nobody read.
    A child object inherits the item; a child of the body becomes an item of its own.
    """

    def __init__(self, raw: Any, document: str, item: str = BODY, path: str = "") -> None:
        self.document, self.item, self.path = document, item, path
        if isinstance(raw, float):
            raise ConfigError("config.float_refused", value=raw, **self._where(""))
        if not isinstance(raw, Mapping):
            raise ConfigError("config.field_type", expected="object", **self._where(""))
        self._raw: Mapping[str, Any] = raw
        self._read: set[str] = set()

    # --- naming ---------------------------------------------------------------------------

    def _field(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path and name else (self.path or name or BODY)

    def _where(self, name: str) -> dict[str, str]:
        return {"document": self.document, "item": self.item, "field": self._field(name)}

    def identify(self, name: str = "code") -> str:
        """Read the item's code; later errors (and children) name the item by it."""
        code: str = self.text(name, required=True)
        if code:
            self.item = code
        return code

    # --- scalars --------------------------------------------------------------------------

    def _value(self, name: str, required: bool) -> Any:
        self._read.add(name)
        if name not in self._raw:
            if required:
                raise ConfigError("config.field_missing", **self._where(name))
            return ABSENT
        return self._raw[name]

    def _typed(self, value: Any, name: str, expected: str, written_as: str = "") -> Any:
        """`value` if it is of the JSON type `expected`; `written_as` names what a text field
        holds (datetime, time) in the error."""
        if isinstance(value, float):
            raise ConfigError("config.float_refused", value=value, **self._where(name))
        # bool is an int in Python: true must not pass for 1, nor 1 for true.
        if not is_of_type(value, expected):
            raise ConfigError(
                "config.field_type", expected=written_as or expected, **self._where(name)
            )
        return value

    def _scalar(self, name: str, expected: str, required: bool, nullable: bool) -> Any:
        value = self._value(name, required)
        if value is ABSENT or (value is None and nullable):
            return value
        return self._typed(value, name, expected)

    def text(self, name: str, *, required: bool = False, nullable: bool = False) -> Any:
        return self._scalar(name, "text", required, nullable)

    def boolean(self, name: str) -> Any:
        return self._scalar(name, "boolean", required=False, nullable=False)

    def integer(
        self, name: str, *, required: bool = False, nullable: bool = False, minimum: int = 0
    ) -> Any:
        number = self._scalar(name, "integer", required, nullable)
        if isinstance(number, int) and out_of_range(number, minimum=minimum):
            raise ConfigError(
                "config.value_out_of_range", value=number, minimum=minimum, **self._where(name)
            )
        return number

    def money(self, name: str, *, required: bool = False, nullable: bool = False) -> Any:
        """Integer fen, never negative."""
        fen = self._scalar(name, "integer", required, nullable)
        if isinstance(fen, int) and fen < 0:
            raise ConfigError("config.money_negative", value=fen, **self._where(name))
        return fen

    def choice(self, name: str, kind: type[E], *, required: bool = False) -> Any:
        value = self.text(name, required=required)
        return value if value is ABSENT else self._member(kind, value, name)

    def _member(self, kind: type[E], value: str, name: str) -> E:
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise ConfigError(
                "config.value_unknown", value=value, allowed=allowed, **self._where(name)
            ) from None

    def moment(self, name: str, *, required: bool = False) -> Any:
        """ISO 8601 local date and time without an offset: the terminal compares it with
        store-local time, and Python cannot compare an aware time with a naive one."""
        value = self._value(name, required)
        if value is ABSENT:
            return value
        try:
            parsed = datetime.fromisoformat(self._typed(value, name, "text", "datetime"))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is not None:
            raise ConfigError("config.field_type", expected="datetime", **self._where(name))
        return parsed

    def clock(self, name: str) -> Any:
        """A local time of day ("14:00:00"), or null."""
        value = self._value(name, required=False)
        if value is ABSENT or value is None:
            return value
        try:
            parsed = time.fromisoformat(self._typed(value, name, "text", "time"))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is not None:
            raise ConfigError("config.field_type", expected="time", **self._where(name))
        return parsed

    # --- collections ----------------------------------------------------------------------

    def _list(self, name: str, required: bool = False) -> Any:
        return self._scalar(name, "list", required, nullable=False)

    def _elements(self, name: str, expected: str, required: bool = False) -> Any:
        values = self._list(name, required)
        if values is ABSENT:
            return values
        typed = [self._typed(v, f"{name}[{i}]", expected) for i, v in enumerate(values)]
        seen: set[Any] = set()
        for index, value in enumerate(typed):
            if value in seen:
                raise ConfigError(
                    "config.code_duplicate", value=value, **self._where(f"{name}[{index}]")
                )
            seen.add(value)
        return typed

    def texts(self, name: str) -> Any:
        """A set of codes, written as a list without repeats."""
        values = self._elements(name, "text")
        return values if values is ABSENT else frozenset(values)

    def integers(self, name: str) -> Any:
        values = self._elements(name, "integer")
        return values if values is ABSENT else frozenset(values)

    def choices(self, name: str, kind: type[E], *, required: bool = False) -> Any:
        values = self._elements(name, "text", required)
        if values is ABSENT:
            return values
        return frozenset(self._member(kind, v, f"{name}[{i}]") for i, v in enumerate(values))

    def whole_numbers(self, name: str, *, minimum: int = 0) -> Any:
        """An object of code -> integer (rates in bp, multipliers, fen per point)."""
        table = self._scalar(name, "object", required=False, nullable=False)
        if table is ABSENT:
            return table
        inner = Fields(table, self.document, self.item, self._field(name))
        return {key: inner.integer(key, minimum=minimum) for key in table}

    def money_table(self, name: str, *, required: bool = False) -> Any:
        """An object of code -> fen; an error names the code as the item."""
        table = self._scalar(name, "object", required, nullable=False)
        if table is ABSENT:
            return table
        path = self._field(name)
        return {code: Fields(table, self.document, code, path).money(code) for code in table}

    def children(
        self, name: str, decode: Callable[[Fields], T], *, required: bool = False
    ) -> Any:
        """A list of objects, each decoded from its own Fields: a tuple, or ABSENT."""
        values = self._list(name, required)
        if values is ABSENT:
            return values
        return tuple(
            decode(self._child(value, f"{name}[{index}]")) for index, value in enumerate(values)
        )

    def child(self, name: str, decode: Callable[[Fields], T], *, nullable: bool = False) -> Any:
        """One object decoded from its own Fields, or ABSENT (or None when null is allowed)."""
        value = self._value(name, required=False)
        if value is ABSENT or (value is None and nullable):
            return value
        return decode(self._child(value, name))

    def _child(self, raw: Any, name: str) -> Fields:
        if self.item == BODY:
            return Fields(raw, self.document, item=name)
        return Fields(raw, self.document, self.item, self._field(name))

    # --- the end of an object -------------------------------------------------------------

    def finish(self) -> None:
        """Refuse every key that was not read: a misspelt field must not be ignored."""
        unknown = unread_keys(self._raw, self._read)
        if unknown:
            fields = ", ".join(self._field(key) for key in unknown)
            raise ConfigError(
                "config.field_unknown", document=self.document, item=self.item, field=fields
            )

    def build(self, factory: Callable[..., T], **values: Any) -> T:
        """`factory(**values)` without the absent values, so the core's defaults apply.

        The core's own validation errors keep their class and key and gain the document and
        the item, so the operator and the terminal's log see where the fault is.
        """
        self.finish()
        given = {name: value for name, value in values.items() if value is not ABSENT}
        try:
            return factory(**given)
        except DomainError as error:
            raise type(error)(
                error.key, **{"document": self.document, "item": self.item, **error.params}
            ) from error


def unique_by_code(
    document: str,
    items: Iterable[T],
    list_name: str,
    code: Callable[[T], str] = attrgetter("code"),
    item: str = "",
) -> tuple[T, ...]:
    """The items of the list `list_name` in document order; a code given twice is refused.
    The error names the code as the item, or `item` (the owner of a nested list)."""
    seen: set[str] = set()
    kept = []
    for index, value in enumerate(items):
        key = code(value)
        if key in seen:
            raise ConfigError("config.code_duplicate", document=document, item=item or key,
                              field=f"{list_name}[{index}]", value=key)
        seen.add(key)
        kept.append(value)
    return tuple(kept)


def checked_body(document: str, body: dict[str, Any]) -> dict[str, Any]:
    """An encoded body, after making sure no float slipped into it from a badly built object."""
    _refuse_floats(document, body, "")
    return body


def _refuse_floats(document: str, value: Any, path: str) -> None:
    if isinstance(value, float):
        raise ConfigError("config.float_refused", document=document, item=BODY, field=path,
                          value=value)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _refuse_floats(document, inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _refuse_floats(document, inner, f"{path}[{index}]")


def local_iso(value: datetime | time | None, document: str, item: str, field: str) -> str | None:
    """A local date-time or time of day as ISO 8601; one with an offset is refused, as on
    decoding, so that what is encoded always decodes back."""
    if value is None:
        return None
    if value.tzinfo is not None:
        expected = "datetime" if isinstance(value, datetime) else "time"
        raise ConfigError("config.field_type", document=document, item=item, field=field,
                          expected=expected)
    return value.isoformat()
