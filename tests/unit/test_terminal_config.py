"""The terminal's TOML tables, read by the one bounded reader: [demo] virtual_card_port alone
brings up the simulator panel when every device is a real one; unknown keys refused by name; the
sync's timers as bounded [hq] keys."""

from __future__ import annotations

from dataclasses import fields

import pytest

from terminal.config import SYNC_TIMERS, ConfigError, HqSection, config_from_mapping
from terminal.sync.settings import SyncSettings

REAL_DEVICES = {"card_reader": {"kind": "pcsc", "reader": "Virtual PCD 00 00"},
                "pinpad": {"kind": "evdev", "device": "/dev/input/member-pinpad"},
                "printer": {"kind": "network", "host": "192.168.1.50"}}


def test_virtual_cards_bring_up_the_simulator_panel_beside_real_devices() -> None:
    without = config_from_mapping({"devices": REAL_DEVICES}, environ={})
    with_cards = config_from_mapping({"devices": REAL_DEVICES,
                                      "demo": {"virtual_card_port": 35963}}, environ={})
    assert not without.shows_simulator_panel
    assert with_cards.shows_simulator_panel
    assert with_cards.window_size[0] > without.window_size[0]


@pytest.mark.parametrize("port", [-1, 65536])
def test_a_port_out_of_range_is_refused_by_name(port: int) -> None:
    with pytest.raises(ConfigError, match=r"demo\.virtual_card_port"):
        config_from_mapping({"demo": {"virtual_card_port": port}}, environ={})


def test_every_table_refuses_an_unknown_key_by_table_and_name() -> None:
    with pytest.raises(ConfigError, match=r"\[hq\] has unknown setting\(s\): ack_timeout"):
        config_from_mapping({"hq": {"ack_timeout": 1}}, environ={})
    with pytest.raises(ConfigError, match=r"unknown table\(s\): sync"):
        config_from_mapping({"sync": {}}, environ={})
    with pytest.raises(ConfigError, match=r"ui\.width must be int, not '800'"):
        config_from_mapping({"ui": {"width": "800"}}, environ={})
    with pytest.raises(ConfigError, match=r"logging\.level must be one of DEBUG"):
        config_from_mapping({"logging": {"level": "TRACE"}}, environ={})


SYNC_KEYS = {"ack_timeout_s": 0.2, "ack_timeout_max_s": 0.8, "publish_timeout_s": 0.3,
             "reconnect_max_delay_s": 1, "idle_poll_s": 0.01, "session_expiry_s": 60,
             "request_timeout_s": 0.2}


def test_the_sync_timers_are_hq_keys_short_enough_for_tests() -> None:
    hq = config_from_mapping({"hq": SYNC_KEYS}, environ={}).hq
    timers = hq.sync_timers()
    assert timers == {"ack_timeout_s": 0.2, "ack_timeout_max_s": 0.8, "publish_timeout_s": 0.3,
                      "reconnect_max_delay_s": 1, "idle_poll_s": 0.01, "session_expiry_s": 60,
                      "auth_timeout_s": 0.2, "directory_timeout_s": 0.2}
    settings = SyncSettings("SH001-T1", "", **timers)
    assert (settings.ack_timeout_s, settings.directory_timeout_s) == (0.2, 0.2)


def test_every_timer_of_the_sync_is_an_hq_key_with_the_sync_default() -> None:
    timers = {item.name for item in fields(SyncSettings) if item.name.endswith("_s")}
    assert timers == set(SYNC_TIMERS), "map each SyncSettings timer to an [hq] key"
    defaults = config_from_mapping({}, environ={}).hq.sync_timers()
    assert defaults == {item.name: item.default for item in fields(SyncSettings)
                        if item.name in timers}


@pytest.mark.parametrize(("key", "value", "bounds"), [
    ("ack_timeout_s", 0.1, "between 0.2 and 600"),
    ("ack_timeout_s", 601, "between 0.2 and 600"),
    ("ack_timeout_max_s", 0.1, "between 0.2 and 3600"),
    ("ack_timeout_max_s", 3601, "between 0.2 and 3600"),
    ("publish_timeout_s", 0, "between 0.2 and 600"),
    ("reconnect_max_delay_s", 0, "between 1 and 300"),
    ("reconnect_max_delay_s", 1.5, "int"),
    ("idle_poll_s", 0.001, "between 0.01 and 10"),
    ("idle_poll_s", True, "float"),
    ("session_expiry_s", 59, "between 60 and 2592000"),
    ("request_timeout_s", 31, "between 0.2 and 30"),
])
def test_a_sync_timer_out_of_bounds_is_refused_by_name(key: str, value: object,
                                                        bounds: str) -> None:
    with pytest.raises(ConfigError, match=rf"hq\.{key} must be {bounds}"):
        config_from_mapping({"hq": {key: value}}, environ={})


def test_the_ack_wait_cap_is_not_below_the_first_wait() -> None:
    with pytest.raises(ConfigError, match=r"hq\.ack_timeout_max_s must be at least "
                                          r"hq\.ack_timeout_s \(20\.0\), not 15\.0"):
        config_from_mapping({"hq": {"ack_timeout_s": 20.0, "ack_timeout_max_s": 15.0}},
                            environ={})


def test_a_section_built_directly_is_held_to_the_same_bounds() -> None:
    with pytest.raises(ConfigError, match=r"hq\.ack_timeout_s"):
        HqSection(ack_timeout_s=0)
