"""Pick the PIN keypad from the terminal's config table.

    [keypad]
    kind = "evdev"                       # or "simulated"
    device = "/dev/input/member-pinpad"  # evdev: a path (udev symlink), or instead:
    name = "USB Keypad"                  # evdev: part of the device's name, case-insensitive
    label = "pinpad"                     # optional: our name for it in errors and logs

Nothing is opened here: the evdev keypad opens at the first PIN request, so a missing keypad
shows up as that request ending DISCONNECTED, not as a terminal that does not start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from huiyuan_devices.evdev_input import input_device_opener
from huiyuan_devices.keypad.base import PinPad
from huiyuan_devices.keypad.evdev_keypad import EvdevPinPad
from huiyuan_devices.keypad.simulated import SimulatedPinPad

KINDS = ("evdev", "simulated")


KEYS_BY_KIND = {"evdev": {"kind", "device", "name", "label"}, "simulated": {"kind", "label"}}


def create(config: Mapping[str, Any]) -> PinPad:
    kind = config.get("kind")
    unknown = sorted(set(config) - KEYS_BY_KIND.get(kind, set(config))) if isinstance(
        kind, str) else []
    if unknown:
        raise ValueError(f"keypad kind {kind!r} has no setting(s) {unknown}")
    if kind == "evdev":
        label = str(config.get("label", "pinpad"))
        return EvdevPinPad(label, open_device=input_device_opener(config))
    if kind == "simulated":
        return SimulatedPinPad(str(config.get("label", "simulated-pinpad")))
    raise ValueError(f"keypad kind must be one of {', '.join(KINDS)}; got {kind!r}")
