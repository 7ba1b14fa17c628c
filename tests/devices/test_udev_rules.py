"""The udev rules the terminal image installs: every line parses as udev key/operator/value
triples with known keys, every USB ID is four hex digits, and the stable names the terminal's
configuration documents (docs/hardware.md) are the ones the rules create."""

from __future__ import annotations

import re
from pathlib import Path

RULES = Path(__file__).parents[2] / "device-drivers" / "udev" / "70-huiyuan-terminal.rules"
HARDWARE_DOC = Path(__file__).parents[2] / "docs" / "hardware.md"
PAIR = re.compile(r'\s*([A-Z_]+(?:\{[A-Za-z_]+\})?)\s*(==|!=|\+=|=|:=)\s*"([^"]*)"\s*(,|$)')
KNOWN_KEYS = {"SUBSYSTEM", "KERNEL", "ENV", "ATTR", "ATTRS", "SYMLINK", "GROUP", "MODE"}


def rule_lines() -> list[str]:
    return [line for line in RULES.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def parse(line: str) -> list[tuple[str, str, str]]:
    pairs, position = [], 0
    while position < len(line):
        match = PAIR.match(line, position)
        assert match, f"cannot parse at column {position}: {line}"
        pairs.append(match.groups()[:3])
        position = match.end()
    return pairs


def test_every_rule_parses_with_known_keys_and_a_matching_and_an_assigning_part() -> None:
    for line in rule_lines():
        pairs = parse(line)
        keys = {key.split("{")[0] for key, _, _ in pairs}
        assert keys <= KNOWN_KEYS, line
        assert any(op == "==" for _, op, _ in pairs), line
        assert any(op in ("=", "+=") for _, op, _ in pairs), line


def test_usb_ids_are_four_hex_digits() -> None:
    for line in rule_lines():
        for key, _, value in parse(line):
            if key.endswith(("{idVendor}", "{idProduct}")):
                assert re.fullmatch(r"[0-9a-f]{4}", value), line


def test_the_stable_names_are_the_documented_ones() -> None:
    names = {value for line in rule_lines() for key, _, value in parse(line) if key == "SYMLINK"}
    assert names == {"receipt-printer", "receipt-printer-serial", "input/member-pinpad",
                     "input/card-wedge"}
    documented = HARDWARE_DOC.read_text()
    for name in names:
        assert f"/dev/{name}" in documented
