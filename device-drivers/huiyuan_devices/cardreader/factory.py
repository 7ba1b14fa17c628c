"""Pick a card reader from a plain mapping (the terminal's `[card_reader]` TOML table).

    kind = "pcsc"          # "pcsc" | "wedge" | "simulated" (wedge keys: cardreader/wedge.py)
    name = "card_reader"   # device name in events and errors (optional)
    reader = "ACR122"      # pcsc: part of the PC/SC reader name ("" = any reader)
    reader_index = 0       # pcsc: which of the matching readers, in pcscd's order
    retry_interval_s = 1.0 # pcsc: how often to look again while the reader or pcscd is gone
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from huiyuan_devices.cardreader.base import CardReader

DEFAULT_DEVICE_NAME = "card_reader"

ReaderMaker = Callable[[Mapping[str, Any]], CardReader]

# The settings of each kind besides `kind` and `name` (for the wedge, `name` is part of the
# evdev device's name and `label` our name for the reader).
KEYS_BY_KIND: dict[str, frozenset[str]] = {
    "pcsc": frozenset({"reader", "reader_index", "retry_interval_s"}),
    "simulated": frozenset(),
    "wedge": frozenset({"device", "label", "wedge_value", "uid_decimal_byte_order",
                        "char_timeout_s", "max_length", "reopen_interval_s"}),
}


def _check_keys(kind: str, config: Mapping[str, Any]) -> None:
    allowed = KEYS_BY_KIND[kind]
    unknown = set(config) - allowed - {"kind", "name"}
    if unknown:
        raise ValueError(f"card reader kind {kind!r} has no setting(s) {sorted(unknown)}; "
                         f"known: {sorted(allowed | {'kind', 'name'})}")


def _device_name(config: Mapping[str, Any]) -> str:
    return str(config.get("name", DEFAULT_DEVICE_NAME))


def _make_pcsc(config: Mapping[str, Any]) -> CardReader:
    _check_keys("pcsc", config)
    # Imported here so that the simulated kind works where pyscard/libpcsclite are missing.
    from huiyuan_devices.cardreader.pcsc import PcscCardReader

    return PcscCardReader(
        reader=str(config.get("reader", "")),
        reader_index=int(config.get("reader_index", 0)),
        name=_device_name(config),
        retry_interval_s=float(config.get("retry_interval_s", 1.0)),
    )


def _make_simulated(config: Mapping[str, Any]) -> CardReader:
    _check_keys("simulated", config)
    from huiyuan_devices.cardreader.simulated import SimulatedCardReader

    return SimulatedCardReader(name=_device_name(config))


def _make_wedge(config: Mapping[str, Any]) -> CardReader:
    # Imported here so that the other kinds work where evdev is missing.
    from huiyuan_devices.cardreader.wedge import create_wedge_reader

    _check_keys("wedge", config)
    return create_wedge_reader(config)


READER_KINDS: dict[str, ReaderMaker] = {
    "pcsc": _make_pcsc,
    "wedge": _make_wedge,
    "simulated": _make_simulated,
}


def create(config: Mapping[str, Any]) -> CardReader:
    kind = config.get("kind")
    maker = READER_KINDS.get(kind) if isinstance(kind, str) else None
    if maker is None:
        raise ValueError(f"card reader kind {kind!r} is unknown; "
                         f"use one of {sorted(READER_KINDS)}")
    return maker(config)
