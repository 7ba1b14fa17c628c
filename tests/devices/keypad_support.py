"""What the keypad tests share: a handler recorder, a PIN check that never prints digits, and
one harness per keypad (simulator, evdev over a pipe) so the contract tests run on both.

PIN values live in module constants in the tests, so a failing test's traceback shows a name.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from huiyuan_devices.keypad.base import Pin, PinResult
from huiyuan_devices.keypad.evdev_keypad import EvdevPinPad
from huiyuan_devices.keypad.simulated import SimulatedPinPad

from tests.devices.evdev_support import DeviceSupply
from tests.support.waiting import wait_for

WAIT_S = 5.0


@dataclass
class PinRecorder:
    progress: list[int] = field(default_factory=list)
    results: list[PinResult] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)

    def on_progress(self, count: int) -> None:
        self.progress.append(count)

    def on_done(self, result: PinResult) -> None:
        self.threads.add(threading.current_thread().name)
        self.results.append(result)

    def wait_progress(self, *counts: int) -> None:
        wait_for(lambda: self.progress == list(counts), WAIT_S, f"progress {list(counts)}")

    def wait_done(self) -> PinResult:
        wait_for(lambda: bool(self.results), WAIT_S, "on_done")
        return self.results[0]


def expect_pin(pin: Pin | None, expected: str) -> None:
    """Fails with the lengths only: a PIN never appears in a test failure message."""
    __tracebackhide__ = True
    if pin is None:
        raise AssertionError("no PIN in the result")
    matches = hmac.compare_digest(pin.reveal().encode(), expected.encode())
    if not matches:
        raise AssertionError(f"the PIN differs from the one typed (got {len(pin)} digits, "
                             f"typed {len(expected)})")


class SimulatedHarness:
    kind = "simulated"

    def __init__(self) -> None:
        self.pad = SimulatedPinPad("test-pinpad")

    def press(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.pad.press(key)

    def open(self) -> None:
        pass  # nothing to open: keys without a request are discarded at once

    def unplug(self) -> None:
        self.pad.unplug()

    @property
    def grabbed(self) -> bool:
        return self.pad.grabbed

    def close(self) -> None:
        self.pad.close()


class EvdevHarness:
    kind = "evdev"

    def __init__(self) -> None:
        self.supply = DeviceSupply()
        self.pad = EvdevPinPad("test-pinpad", open_device=self.supply)

    def open(self) -> None:
        """Open now, so keys written before a request are read (and discarded) by the driver."""
        self.pad.open()

    def press(self, keys: Iterable[str]) -> None:
        self.supply.writer().pin_keys(keys)

    def unplug(self) -> None:
        self.supply.current.unplug()
        self.supply.missing = True  # and the device node is gone until re-plugged

    @property
    def grabbed(self) -> bool:
        return self.pad.grabbed and self.supply.current.grabbed

    def close(self) -> None:
        self.pad.close()
        self.supply.discard_all()


Harness = SimulatedHarness | EvdevHarness
