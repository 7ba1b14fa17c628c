"""The terminal's [demo] virtual_card_port: bounded, and it alone brings up the simulator panel
(its card buttons) when every device is a real one."""

from __future__ import annotations

import pytest

from terminal.config import ConfigError, config_from_mapping

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
