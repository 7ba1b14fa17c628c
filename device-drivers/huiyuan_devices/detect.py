"""What is plugged in, for the diagnostic: one line per device found. Never raises: a stack that
is not installed or not running is reported as such."""

from __future__ import annotations

from collections.abc import Iterator

# USB devices the terminal image supports (docs/hardware.md), by vendor and product ID.
KNOWN_USB_DEVICES = {
    (0x072F, 0x2200): "ACS ACR122U contactless reader",
    (0x072F, 0xB100): "ACS ACR39U contact reader",
    (0x04B8, 0x0202): "Epson TM series receipt printer (vendor class)",
    (0x04B8, 0x0E28): "Epson TM-T20III receipt printer (printer class)",
    (0x0416, 0x5011): "Xprinter / POS-58/80 receipt printer",
    (0x0403, 0x6001): "FTDI USB-serial adapter",
    (0x067B, 0x2303): "Prolific USB-serial adapter",
    (0x1A86, 0x7523): "CH340 USB-serial adapter",
}


def describe_detected() -> list[str]:
    return [*_pcsc_readers(), *_input_devices(), *_serial_ports(), *_usb_devices()]


def _pcsc_readers() -> Iterator[str]:
    try:
        from huiyuan_devices.cardreader.pcsc_io import list_readers
    except ImportError as error:  # pyscard or libpcsclite missing
        yield f"detected: PC/SC unavailable ({error})"
        return
    readers = list_readers()
    if not readers:
        yield "detected: no PC/SC reader (is pcscd running?)"
    for name in readers:
        yield f"detected: PC/SC reader {name!r}"


def _input_devices() -> Iterator[str]:
    try:
        import evdev
    except ImportError as error:
        yield f"detected: evdev unavailable ({error})"
        return
    paths = evdev.list_devices()
    if not paths:
        yield "detected: no input device (keypads and wedge readers appear under /dev/input)"
    for path in paths:
        try:
            device = evdev.InputDevice(path)
        except OSError as error:
            yield f"detected: input {path} (cannot open: {error.strerror})"
            continue
        try:  # evdev 2's InputDevice is no context manager (a `with` raised TypeError)
            name = device.name
        finally:
            device.close()
        yield f"detected: input {path} {name!r}"


def _serial_ports() -> Iterator[str]:
    try:
        from serial.tools import list_ports
    except ImportError as error:
        yield f"detected: pyserial unavailable ({error})"
        return
    for port in list_ports.comports():
        yield f"detected: serial {port.device} {port.description!r}"


def _usb_devices() -> Iterator[str]:
    try:
        import usb.core
    except ImportError as error:
        yield f"detected: pyusb unavailable ({error})"
        return
    try:
        found = list(usb.core.find(find_all=True))
    except usb.core.NoBackendError:
        yield "detected: no libusb backend"
        return
    for device in found:
        model = KNOWN_USB_DEVICES.get((device.idVendor, device.idProduct))
        if model:
            yield f"detected: USB {device.idVendor:04x}:{device.idProduct:04x} {model}"
