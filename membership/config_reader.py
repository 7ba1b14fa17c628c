"""The one bounded reader of configuration tables (DESIGN.md, "One bounded reader"), as Klipper's
`ConfigWrapper.getint(name, default, minval=, maxval=)`: every TOML table of the terminal and of
HQ, the terminal's device tables and HQ's environment go through `Table`; the configuration
documents' reader (config_fields.Fields) uses its checks.

A getter names its key, its default (none: the key is required) and its bounds; the value is
checked for its type (true is not 1, 1 is not true; a whole number is a fine number of seconds)
and its bounds, and `finish` refuses every key nobody read, by name. Every error is a
SettingError (or the class the table was given) naming the table and the key, with a message
key and parameters as every DomainError has, and a plain sentence for the log and the console.

A dataclass can declare its settings once (`setting(default, minimum=..., ...)` on its fields):
`read_dataclass` reads a table into it and `check_dataclass`, called from its __post_init__,
holds a directly built instance to the same bounds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, ClassVar, Protocol, TypeVar

from membership.errors import ConfigError


class _Dataclass(Protocol):
    """Any dataclass (what typeshed calls DataclassInstance), so fields() accepts the type."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]


T = TypeVar("T", bound=_Dataclass)

# The JSON/TOML kinds of value a key may hold, and what Python type each is read as.
PYTHON_TYPES: Mapping[str, type | tuple[type, ...]] = {
    "object": Mapping, "list": (list, tuple), "text": str, "integer": int, "boolean": bool,
    "number": (int, float),
}
# How a table's errors name each kind (Python's names: the messages HQ and the terminal print).
_TYPE_WORDS = {"text": "str", "integer": "int", "number": "float", "boolean": "bool",
               "object": "a table", "list": "a list"}
_TEXT_PARSERS = {"integer": int, "number": float}


def is_of_type(value: Any, expected: str) -> bool:
    """`value` is of the kind `expected`; bool is an int in Python, but true is not 1 here."""
    if isinstance(value, bool) and expected in ("integer", "number"):
        return False
    return isinstance(value, PYTHON_TYPES[expected])


def out_of_range(value: float, minimum: float | None = None, maximum: float | None = None,
                 above: float | None = None, below: float | None = None) -> bool:
    """`value` breaks one of the bounds given (NaN breaks every bound)."""
    if math.isnan(value):
        return any(bound is not None for bound in (minimum, maximum, above, below))
    return ((minimum is not None and value < minimum) or (maximum is not None and value > maximum)
            or (above is not None and value <= above) or (below is not None and value >= below))


def unread_keys(raw: Mapping[str, Any], read: Collection[str]) -> list[str]:
    """The keys of `raw` that nobody read, sorted: each is a misspelt or unknown setting."""
    return sorted(str(key) for key in raw if key not in read)


class SettingError(ConfigError, ValueError):
    """A setting of a configuration table cannot be used. `params` name the table and the key;
    str() is a sentence for the console and the log (these errors come before any screen)."""

    def __init__(self, message: str, key: str = "config.setting_invalid", **params: Any) -> None:
        super().__init__(key, **params)
        self.message = message
        self.args = (message,)

    def __str__(self) -> str:
        return self.message


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Bounds:
    """What `setting` declares on a dataclass field besides its default."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    below: float | None = None
    choices: tuple[Any, ...] | None = None


def setting(default: Any, *, minimum: float | None = None, maximum: float | None = None,
            above: float | None = None, below: float | None = None,
            choices: Iterable[Any] | None = None, repr: bool = True) -> Any:
    """A dataclass field read by `read_dataclass` with these bounds."""
    bounds = Bounds(minimum, maximum, above, below, None if choices is None else tuple(choices))
    return field(default=default, repr=repr, metadata={"bounds": bounds})


class Table:
    """One table of settings being read: `Table(raw, "hq")`; a sub-table is named `hq.x`.

    `error` is the class raised (a SettingError subclass the caller's own callers catch);
    `from_text` names the keys whose values came as text (environment variables): a number
    given as text is parsed before it is checked.
    """

    def __init__(self, raw: Any, name: str, *, error: type[SettingError] = SettingError,
                 from_text: Collection[str] = ()) -> None:
        self.name, self.error, self._from_text = name, error, frozenset(from_text)
        if not isinstance(raw, Mapping):
            raise error(f"[{name}] must be a table", "config.setting_type", table=name,
                        setting="", expected="object", value=raw)
        self._raw: Mapping[str, Any] = raw
        self._read: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self._raw

    def where(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def fail(self, key: str, problem: str, fault: str = "invalid", **params: Any) -> None:
        """Raise this table's error about `key`: "<table>.<key> <problem>"."""
        raise self.error(f"{self.where(key)} {problem}", f"config.setting_{fault}",
                         table=self.name, setting=key, **params)

    # --- scalars --------------------------------------------------------------------------

    def text(self, key: str, default: Any = REQUIRED, *, choices: Iterable[str] | None = None,
             blank: bool = True) -> Any:
        value = self._value(key, default, "text")
        if value is not default and not blank and not value.strip():
            self.fail(key, "must not be empty", "missing")
        return self._chosen(key, value, default, choices)

    def integer(self, key: str, default: Any = REQUIRED, *, minimum: float | None = None,
                maximum: float | None = None, choices: Iterable[int] | None = None) -> Any:
        value = self._value(key, default, "integer")
        if value is not default:
            self._bounded(key, value, minimum=minimum, maximum=maximum)
        return self._chosen(key, value, default, choices)

    def number(self, key: str, default: Any = REQUIRED, *, minimum: float | None = None,
               maximum: float | None = None, above: float | None = None,
               below: float | None = None) -> Any:
        """A float for durations and rates; a whole number is taken (TOML's `timeout = 5` means
        5.0 seconds). Never money: an amount is integer fen, read with `integer`."""
        if key.endswith("_fen"):
            raise TypeError(f"{key} is money, integer fen: read it with integer()")
        value = self._value(key, default, "number")
        if value is default:
            return value
        self._bounded(key, value, minimum=minimum, maximum=maximum, above=above, below=below)
        return float(value)

    def boolean(self, key: str, default: Any = REQUIRED) -> Any:
        return self._value(key, default, "boolean")

    def table(self, key: str) -> Table:
        """A sub-table (an empty one when the key is absent)."""
        return Table(self._value(key, {}, "object"), self.where(key), error=self.error)

    def value(self, key: str, default: Any = REQUIRED) -> Any:
        """A value of any type, taken as it is (its reader, not this table, checks it)."""
        return self._value(key, default, "")

    # --- the end of a table ---------------------------------------------------------------

    def finish(self) -> None:
        """Refuse every key nobody read: a misspelt setting must not fall back to its default."""
        unknown = unread_keys(self._raw, self._read)
        if unknown:
            known = ", ".join(sorted(self._read))
            where = f"[{self.name}] has unknown setting(s)" if self.name else "unknown table(s)"
            raise self.error(f"{where}: {', '.join(unknown)}; known: {known}",
                             "config.setting_unknown", table=self.name, setting=", ".join(unknown))

    # --- checks ---------------------------------------------------------------------------

    def _value(self, key: str, default: Any, expected: str) -> Any:
        self._read.add(key)
        if key not in self._raw:
            if default is REQUIRED:
                raise self.error(f"[{self.name}] needs {key}", "config.setting_missing",
                                 table=self.name, setting=key)
            return default
        value = self._raw[key]
        if key in self._from_text and isinstance(value, str) and expected in _TEXT_PARSERS:
            try:
                return _TEXT_PARSERS[expected](value)
            except ValueError:
                pass
        if expected and not is_of_type(value, expected):
            self.fail(key, f"must be {_TYPE_WORDS[expected]}, not {value!r}", "type",
                      expected=expected, value=value)
        return value

    def _bounded(self, key: str, value: float, **bounds: float | None) -> None:
        if out_of_range(value, **bounds):
            self.fail(key, f"must be {describe_bounds(**bounds)}, not {value}", "range",
                      value=value, **{name: bound for name, bound in bounds.items()
                                      if bound is not None})

    def _chosen(self, key: str, value: Any, default: Any,
                choices: Iterable[Any] | None) -> Any:
        allowed = None if choices is None else tuple(choices)
        if allowed is not None and value is not default and value not in allowed:
            words = ", ".join(str(choice) for choice in allowed)
            self.fail(key, f"must be one of {words}, not {value!r}", "choice", value=value,
                      allowed=words)
        return value


def describe_bounds(minimum: float | None = None, maximum: float | None = None,
                    above: float | None = None, below: float | None = None) -> str:
    """"between 1 and 65535", "more than 0 and at most 60", "at least 0", ..."""
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    parts = [f"{word} {bound}" for word, bound in (
        ("at least", minimum), ("more than", above), ("at most", maximum), ("less than", below),
    ) if bound is not None]
    return " and ".join(parts)


# --- dataclasses that declare their settings ---------------------------------------------

_GETTERS = {bool: "boolean", int: "integer", float: "number", str: "text"}


def read_field(table: Table, item: Field[Any]) -> Any:
    """One declared field from the table, typed by its default and held to its `setting`
    bounds; absent, its default."""
    if item.default is MISSING:
        raise TypeError(f"{item.name} needs a default to be read from a table")
    getter = _GETTERS[type(item.default)]
    bounds: Bounds = item.metadata.get("bounds", Bounds())
    if getter == "number":
        return table.number(item.name, item.default, minimum=bounds.minimum,
                            maximum=bounds.maximum, above=bounds.above, below=bounds.below)
    if getter == "integer":
        return table.integer(item.name, item.default, minimum=bounds.minimum,
                             maximum=bounds.maximum, choices=bounds.choices)
    if getter == "text":
        return table.text(item.name, item.default, choices=bounds.choices)
    return table.boolean(item.name, item.default)


def read_dataclass(table: Table, kind: type[T]) -> T:
    """`kind` built from the table's keys (its declared fields); unknown keys refused."""
    values = {item.name: read_field(table, item) for item in fields(kind)}
    table.finish()
    return kind(**values)


def check_dataclass(instance: Any, name: str, error: type[SettingError] = SettingError) -> None:
    """Hold an instance (built directly, in a test or by a harness) to its declared bounds;
    for its __post_init__."""
    table = Table({item.name: getattr(instance, item.name) for item in fields(instance)}, name,
                  error=error)
    for item in fields(instance):
        if item.default is not MISSING:
            read_field(table, item)
