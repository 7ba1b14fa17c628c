"""membership.config_reader: the one bounded reader of configuration tables — each type, its
bounds, a missing key with or without a default, unknown keys refused by name, and dataclasses
that declare their settings once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from membership.config_reader import (
    SettingError,
    Table,
    check_dataclass,
    read_dataclass,
    setting,
)
from membership.errors import ConfigError


def test_each_type_is_read_as_given() -> None:
    table = Table({"name": "前台", "port": 1883, "timeout_s": 2.5, "whole_s": 5, "on": False},
                  "hq")
    assert table.text("name") == "前台"
    assert table.integer("port", minimum=1, maximum=65535) == 1883
    assert table.number("timeout_s", above=0) == 2.5
    whole = table.number("whole_s")
    assert whole == 5.0 and isinstance(whole, float)
    assert table.boolean("on") is False
    table.finish()


def test_a_missing_key_takes_its_default_and_a_required_one_is_named() -> None:
    table = Table({}, "devices.printer")
    assert table.integer("baudrate", 9600) == 9600
    assert table.number("timeout", 5.0) == 5.0
    assert table.text("encoding", "gb18030") == "gb18030"
    assert table.boolean("status_check", None) is None
    with pytest.raises(SettingError, match=r"\[devices.printer\] needs device") as caught:
        table.text("device")
    assert caught.value.key == "config.setting_missing"
    assert caught.value.params == {"table": "devices.printer", "setting": "device"}


@pytest.mark.parametrize(("value", "read", "message"), [
    ("1883", lambda t: t.integer("key"), r"hq\.key must be int, not '1883'"),
    (True, lambda t: t.integer("key"), r"hq\.key must be int, not True"),
    (1.5, lambda t: t.integer("key"), r"hq\.key must be int, not 1\.5"),
    (1, lambda t: t.boolean("key"), r"hq\.key must be bool, not 1"),
    (False, lambda t: t.number("key"), r"hq\.key must be float, not False"),
    ("soon", lambda t: t.number("key"), r"hq\.key must be float, not 'soon'"),
    (5, lambda t: t.text("key"), r"hq\.key must be str, not 5"),
    ("x", lambda t: t.table("key"), r"hq\.key must be a table"),
])
def test_a_value_of_the_wrong_type_is_refused_with_table_and_key(
        value: Any, read: Callable[[Table], Any], message: str) -> None:
    with pytest.raises(SettingError, match=message) as caught:
        read(Table({"key": value}, "hq"))
    assert caught.value.key == "config.setting_type"
    assert caught.value.params["table"] == "hq" and caught.value.params["setting"] == "key"


@pytest.mark.parametrize(("value", "bounds", "message"), [
    (0, {"minimum": 1, "maximum": 65535}, "between 1 and 65535, not 0"),
    (65536, {"minimum": 1, "maximum": 65535}, "between 1 and 65535, not 65536"),
    (0.0, {"above": 0, "maximum": 60}, "more than 0 and at most 60, not 0.0"),
    (61, {"above": 0, "maximum": 60}, "more than 0 and at most 60, not 61"),
    (-1, {"minimum": 0}, "at least 0, not -1"),
    (float("nan"), {"minimum": 0.1, "maximum": 3600}, "between 0.1 and 3600, not nan"),
    (float("inf"), {"minimum": 0.1, "maximum": 3600}, "between 0.1 and 3600, not inf"),
])
def test_a_number_out_of_bounds_is_refused_with_its_bounds(
        value: float, bounds: dict[str, float], message: str) -> None:
    with pytest.raises(SettingError, match=rf"sync\.ack_timeout_s must be {message}") as caught:
        Table({"ack_timeout_s": value}, "sync").number("ack_timeout_s", **bounds)
    assert caught.value.key == "config.setting_range"


def test_the_bounds_themselves_are_allowed() -> None:
    table = Table({"low": 1, "high": 65535, "edge": 60}, "hq")
    assert table.integer("low", minimum=1, maximum=65535) == 1
    assert table.integer("high", minimum=1, maximum=65535) == 65535
    assert table.number("edge", above=0, maximum=60) == 60.0


def test_a_choice_outside_its_list_is_refused() -> None:
    table = Table({"baudrate": 9601, "flow_control": "rts", "paper_mm": 80}, "devices.printer")
    assert table.integer("paper_mm", 58, choices=(58, 80)) == 80
    with pytest.raises(SettingError, match=r"devices\.printer\.baudrate must be one of 9600, "
                                           r"19200, not 9601"):
        table.integer("baudrate", 9600, choices=(9600, 19200))
    with pytest.raises(SettingError, match=r"flow_control must be one of dsrdtr, none"):
        table.text("flow_control", "dsrdtr", choices=("dsrdtr", "none"))


def test_a_blank_required_text_is_refused() -> None:
    with pytest.raises(SettingError, match=r"devices\.printer\.host must not be empty"):
        Table({"host": "  "}, "devices.printer").text("host", blank=False)


def test_unknown_keys_are_refused_by_name_with_the_known_ones() -> None:
    table = Table({"port": 1, "prot": 2, "hsot": "x"}, "hq")
    table.integer("port")
    table.text("host", "127.0.0.1")
    with pytest.raises(SettingError, match=r"\[hq\] has unknown setting\(s\): hsot, prot; "
                                           r"known: host, port") as caught:
        table.finish()
    assert caught.value.key == "config.setting_unknown"


def test_numbers_from_the_environment_are_parsed_from_text() -> None:
    table = Table({"port": "18831", "interval_s": "0.5", "other": "7"}, "hq",
                  from_text={"port", "interval_s"})
    assert table.integer("port") == 18831
    assert table.number("interval_s") == 0.5
    with pytest.raises(SettingError, match="must be int, not '7'"):
        table.integer("other")
    with pytest.raises(SettingError, match="must be int, not 'abc'"):
        Table({"port": "abc"}, "hq", from_text={"port"}).integer("port")


def test_a_sub_table_is_named_under_its_parent() -> None:
    devices = Table({"printer": {"kind": "serial", "baud": 1}}, "devices")
    printer = devices.table("printer")
    assert printer.text("kind") == "serial"
    with pytest.raises(SettingError, match=r"\[devices\.printer\] has unknown setting\(s\): baud"):
        printer.finish()
    assert devices.table("pinpad").text("kind", "simulated") == "simulated"


class WindowError(SettingError):
    """A caller's own error class, which its callers catch."""


@dataclass(frozen=True)
class Window:
    width: int = setting(1024, minimum=640, maximum=3840)
    title: str = setting("counter", choices=("counter", "desk"))
    delay_s: float = setting(0.5, above=0, maximum=10)
    fullscreen: bool = False

    def __post_init__(self) -> None:
        check_dataclass(self, "ui", WindowError)


def test_a_dataclass_reads_its_declared_settings_with_their_bounds() -> None:
    window = read_dataclass(Table({"width": 800, "delay_s": 1}, "ui", error=WindowError), Window)
    assert window == Window(width=800, delay_s=1.0)
    assert isinstance(window.delay_s, float)
    assert read_dataclass(Table({}, "ui"), Window) == Window()
    with pytest.raises(WindowError, match=r"ui\.width must be between 640 and 3840, not 600"):
        read_dataclass(Table({"width": 600}, "ui", error=WindowError), Window)
    with pytest.raises(WindowError, match=r"\[ui\] has unknown setting\(s\): heigth"):
        read_dataclass(Table({"heigth": 600}, "ui", error=WindowError), Window)
    with pytest.raises(WindowError, match=r"ui\.title must be one of counter, desk"):
        read_dataclass(Table({"title": "till"}, "ui", error=WindowError), Window)


def test_a_dataclass_built_directly_is_held_to_the_same_bounds() -> None:
    with pytest.raises(WindowError, match=r"ui\.delay_s must be more than 0"):
        Window(delay_s=0)
    with pytest.raises(WindowError, match=r"ui\.fullscreen must be bool"):
        Window(fullscreen="yes")  # type: ignore[arg-type]


def test_a_setting_error_is_a_config_error_and_a_value_error() -> None:
    error = SettingError("hq.port must be int, not 'x'", "config.setting_type", table="hq",
                         setting="port")
    assert isinstance(error, ConfigError) and isinstance(error, ValueError)
    assert str(error) == "hq.port must be int, not 'x'"


def test_money_is_never_read_as_a_float() -> None:
    table = Table({"limit_fen": 200000}, "hq")
    with pytest.raises(TypeError, match="integer fen"):
        table.number("limit_fen")
    assert table.integer("limit_fen") == 200000
