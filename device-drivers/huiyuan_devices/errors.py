"""The only exceptions a driver raises. Vendor exceptions (pyscard, evdev, escpos, serial, socket)
are translated to these, so the terminal handles three cases and never imports a vendor stack.

Each error carries a `message_key` the terminal translates for the cashier (zh_CN/en) and a
`device` name. Messages never contain a PIN or any other secret a driver handled.
"""

from __future__ import annotations


class DeviceError(Exception):
    """A device failed. `reason` is a short machine-readable word (e.g. `paper_out`)."""

    default_key = "device.error"

    def __init__(self, device: str, reason: str, detail: str = "", message_key: str = "") -> None:
        self.device = device
        self.reason = reason
        self.detail = detail
        self.message_key = message_key or (f"device.{reason}" if reason else self.default_key)
        super().__init__(f"{device}: {reason}" + (f" ({detail})" if detail else ""))


class DeviceNotFound(DeviceError):
    """The configured device is not there (unplugged, no such reader, nothing on the port)."""

    default_key = "device.not_found"


class DeviceTimeout(DeviceError):
    """The device did not answer, or the person did not finish, in time."""

    default_key = "device.timeout"


class DeviceProtocolError(DeviceError):
    """The device answered, but not as expected (bad status word, garbage bytes, paper out)."""

    default_key = "device.protocol_error"
